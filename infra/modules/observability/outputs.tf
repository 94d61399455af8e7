output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies; subscribe paging or chat to it."
  value       = aws_sns_topic.alarms.arn
}

output "alarm_names" {
  description = "Every alarm, by kind."
  value = {
    elb_5xx         = [for a in aws_cloudwatch_metric_alarm.elb_5xx : a.alarm_name]
    target_5xx      = [for a in aws_cloudwatch_metric_alarm.target_5xx : a.alarm_name]
    latency         = [for a in aws_cloudwatch_metric_alarm.latency : a.alarm_name]
    unhealthy_hosts = [for a in aws_cloudwatch_metric_alarm.unhealthy_hosts : a.alarm_name]
    ecs_cpu         = [for a in aws_cloudwatch_metric_alarm.ecs_cpu : a.alarm_name]
    ecs_memory      = [for a in aws_cloudwatch_metric_alarm.ecs_memory : a.alarm_name]
    ecs_running     = [for a in aws_cloudwatch_metric_alarm.ecs_running_tasks : a.alarm_name]
    rds             = [aws_cloudwatch_metric_alarm.rds_cpu.alarm_name, aws_cloudwatch_metric_alarm.rds_free_storage.alarm_name]
  }
}

output "dashboard_url" {
  description = "The CloudWatch dashboard."
  value       = "https://${data.aws_region.current.name}.console.aws.amazon.com/cloudwatch/home?region=${data.aws_region.current.name}#dashboards/dashboard/${aws_cloudwatch_dashboard.this.dashboard_name}"
}
