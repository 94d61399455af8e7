output "web_url" {
  description = "The public URL of the web tier (once DNS points domain_name at alb_dns_name)."
  value       = "https://${var.domain_name}"
}

output "alb_dns_name" {
  description = "The public ALB's DNS name: point domain_name at it (CNAME, or Route 53 alias) unless public_zone_id did."
  value       = module.edge.dns_name
}

output "gateway_url" {
  description = "The gateway's URL inside the VPC (internal ALB)."
  value       = "https://${var.gateway_domain_name}"
}

output "cluster_name" {
  description = "The ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "image_registry" {
  description = "Where the images are pulled from."
  value       = local.registry
}

output "services" {
  description = "Per service: ECS service name, task definition family and revision, security group, log group."
  value = {
    for key, svc in {
      loan-api      = module.loan_api
      portfolio-api = module.portfolio_api
      gateway       = module.gateway
      web           = module.web
      } : key => {
      service_name        = svc.service_name
      task_definition     = svc.task_definition_family
      task_definition_arn = svc.task_definition_arn
      security_group_id   = svc.security_group_id
      log_group           = svc.log_group_name
      codedeploy          = svc.codedeploy
    }
  }
}

output "run_task_network_configuration" {
  description = "--network-configuration for aws ecs run-task one-off tasks (migrate, seed, db-bootstrap) as JSON; add the task's security group."
  value = jsonencode({
    awsvpcConfiguration = {
      subnets        = module.network.private_subnet_ids
      assignPublicIp = "DISABLED"
    }
  })
}

output "one_off_tasks" {
  description = "Ready-to-run commands for the one-off tasks: database bootstrap, then migrations."
  value = {
    db_bootstrap = join(" ", [
      "aws ecs run-task --cluster ${aws_ecs_cluster.this.name} --launch-type FARGATE",
      "--task-definition ${aws_ecs_task_definition.db_bootstrap.family}",
      "--network-configuration 'awsvpcConfiguration={subnets=[${join(",", module.network.private_subnet_ids)}],securityGroups=[${aws_security_group.db_bootstrap.id}],assignPublicIp=DISABLED}'",
    ])
    loan_api_migrate = join(" ", [
      "aws ecs run-task --cluster ${aws_ecs_cluster.this.name} --launch-type FARGATE",
      "--task-definition ${module.loan_api.task_definition_family}",
      "--network-configuration 'awsvpcConfiguration={subnets=[${join(",", module.network.private_subnet_ids)}],securityGroups=[${module.loan_api.security_group_id}],assignPublicIp=DISABLED}'",
      "--overrides '{\"containerOverrides\":[{\"name\":\"loan-api\",\"command\":[\"migrate\"]}]}'",
    ])
    portfolio_api_migrate = join(" ", [
      "aws ecs run-task --cluster ${aws_ecs_cluster.this.name} --launch-type FARGATE",
      "--task-definition ${module.portfolio_api.task_definition_family}",
      "--network-configuration 'awsvpcConfiguration={subnets=[${join(",", module.network.private_subnet_ids)}],securityGroups=[${module.portfolio_api.security_group_id}],assignPublicIp=DISABLED}'",
      "--overrides '{\"containerOverrides\":[{\"name\":\"portfolio-api\",\"command\":[\"migrate\"]}]}'",
    ])
  }
}

output "secret_arns" {
  description = "The application secrets to fill before the first deployment (docs/deploy.md), by name."
  value       = { for k, s in aws_secretsmanager_secret.app : k => s.arn }
}

output "database_master_secret_arn" {
  description = "The RDS-managed master user secret."
  value       = module.database.master_user_secret_arn
}

output "database_identifier" {
  description = "The RDS instance identifier (for point-in-time restore)."
  value       = module.database.identifier
}

output "database_posture" {
  description = "The database's Multi-AZ, encryption, deletion protection and backup retention."
  value       = module.database.posture
}

output "alarm_topic_arn" {
  description = "SNS topic of every alarm."
  value       = module.observability.alarm_topic_arn
}

output "alarm_names" {
  description = "Every alarm, by kind."
  value       = module.observability.alarm_names
}

output "dashboard_url" {
  description = "The environment's CloudWatch dashboard."
  value       = module.observability.dashboard_url
}

output "nat_public_ips" {
  description = "Egress addresses of this environment."
  value       = module.network.nat_public_ips
}
