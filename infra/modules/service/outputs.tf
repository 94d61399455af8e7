output "service_name" {
  description = "The ECS service's name."
  value       = local.ecs_service.name
}

output "task_definition_arn" {
  description = "The task definition revision this apply registered (a canary deployment rolls it out through CodeDeploy)."
  value       = aws_ecs_task_definition.this.arn
}

output "task_definition_family" {
  description = "The task definition family, for aws ecs run-task (migrations, seeding)."
  value       = aws_ecs_task_definition.this.family
}

output "security_group_id" {
  description = "The tasks' security group; other tiers admit traffic from it."
  value       = aws_security_group.task.id
}

output "log_group_name" {
  description = "The service's CloudWatch log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "cloud_map_name" {
  description = "The service's DNS name prefix in the namespace, or null when not registered."
  value       = var.service_discovery == null ? null : var.name
}

output "codedeploy" {
  description = "CodeDeploy application and deployment group names with the canary strategy, else null."
  value = local.canary ? {
    application      = aws_codedeploy_app.this[0].name
    deployment_group = aws_codedeploy_deployment_group.this[0].deployment_group_name
  } : null
}

output "canary_alarm_names" {
  description = "Alarms that stop and roll back a canary deployment."
  value = concat(
    [for a in aws_cloudwatch_metric_alarm.canary_5xx_rate : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.canary_latency : a.alarm_name],
  )
}

output "ingress_sources" {
  description = "Who may connect to the container port: the source security group of each ingress rule, by name."
  value       = { for k, rule in aws_vpc_security_group_ingress_rule.task : k => rule.referenced_security_group_id }
}

output "configuration" {
  description = "The image and the names (never the values) of the container's plain and secret environment variables."
  value = {
    image       = var.image
    environment = sort(keys(local.environment))
    secrets     = sort(keys(var.secrets))
  }
}
