output "web_url" {
  description = "Public URL of the web tier."
  value       = module.stack.web_url
}

output "alb_dns_name" {
  description = "Public ALB DNS name (target of the domain's record)."
  value       = module.stack.alb_dns_name
}

output "gateway_url" {
  description = "The gateway's URL inside the VPC."
  value       = module.stack.gateway_url
}

output "cluster_name" {
  description = "ECS cluster."
  value       = module.stack.cluster_name
}

output "image_registry" {
  description = "Registry the images come from."
  value       = module.stack.image_registry
}

output "services" {
  description = "ECS services, task definitions, security groups, log groups, CodeDeploy names."
  value       = module.stack.services
}

output "run_task_network_configuration" {
  description = "Network configuration for one-off tasks."
  value       = module.stack.run_task_network_configuration
}

output "one_off_tasks" {
  description = "Commands for db-bootstrap and the migrations."
  value       = module.stack.one_off_tasks
}

output "secret_arns" {
  description = "Application secrets to fill before the first deployment."
  value       = module.stack.secret_arns
}

output "database_master_secret_arn" {
  description = "RDS-managed master user secret."
  value       = module.stack.database_master_secret_arn
}

output "database_identifier" {
  description = "RDS instance identifier."
  value       = module.stack.database_identifier
}

output "alarm_topic_arn" {
  description = "SNS topic of the alarms."
  value       = module.stack.alarm_topic_arn
}

output "alarm_names" {
  description = "Alarms by kind."
  value       = module.stack.alarm_names
}

output "dashboard_url" {
  description = "CloudWatch dashboard."
  value       = module.stack.dashboard_url
}

output "nat_public_ips" {
  description = "Egress addresses."
  value       = module.stack.nat_public_ips
}

output "database_posture" {
  description = "Database Multi-AZ, encryption, deletion protection, backup retention."
  value       = module.stack.database_posture
}
