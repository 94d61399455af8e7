# The VPC: three tiers over three zones, nothing public on launch, flow logs, endpoints.

mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  name        = "lending-test"
  kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
}

run "three_zones" {
  command = plan

  assert {
    condition     = length(aws_subnet.public) == 3 && length(aws_subnet.private) == 3 && length(aws_subnet.database) == 3
    error_message = "Each tier needs a subnet in each of the three zones."
  }

  assert {
    condition     = toset([for s in aws_subnet.private : s.availability_zone]) == toset(["us-east-1a", "us-east-1b", "us-east-1c"])
    error_message = "The private subnets must be spread over three zones."
  }

  assert {
    condition     = alltrue([for s in concat(aws_subnet.public, aws_subnet.private, aws_subnet.database) : s.map_public_ip_on_launch != true])
    error_message = "No subnet may hand out public IPs on launch."
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 3
    error_message = "Without single_nat_gateway there is one NAT gateway per zone."
  }

  assert {
    condition     = aws_flow_log.this.traffic_type == "ALL"
    error_message = "VPC flow logs must record all traffic."
  }

  assert {
    condition     = toset(keys(aws_vpc_endpoint.interface)) == toset(["ecr.api", "ecr.dkr", "logs", "secretsmanager"]) && aws_vpc_endpoint.s3.vpc_endpoint_type == "Gateway"
    error_message = "ECR, CloudWatch Logs, Secrets Manager and S3 need VPC endpoints."
  }

  assert {
    condition     = alltrue([for e in aws_vpc_endpoint.interface : e.private_dns_enabled])
    error_message = "Interface endpoints need private DNS, so the SDKs use them without configuration."
  }
}

run "single_nat" {
  command = plan

  variables {
    single_nat_gateway = true
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 1
    error_message = "single_nat_gateway means one NAT gateway."
  }
}
