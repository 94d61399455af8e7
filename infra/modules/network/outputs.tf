output "vpc_id" {
  description = "The VPC's id."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "The VPC's IPv4 range."
  value       = aws_vpc.this.cidr_block
}

output "availability_zones" {
  description = "The zones the subnets are in, in subnet order."
  value       = local.azs
}

output "public_subnet_ids" {
  description = "Public subnets: the internet-facing ALB and the NAT gateways."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Private subnets: Fargate tasks and the internal ALB."
  value       = aws_subnet.private[*].id
}

output "database_subnet_ids" {
  description = "Isolated subnets for RDS."
  value       = aws_subnet.database[*].id
}

output "nat_public_ips" {
  description = "The NAT gateways' addresses: what third parties see as this environment's source IPs."
  value       = aws_eip.nat[*].public_ip
}

output "s3_prefix_list_id" {
  description = "Prefix list of S3 behind the gateway endpoint: the only address range outside the VPC tasks need (image layers)."
  value       = aws_vpc_endpoint.s3.prefix_list_id
}
