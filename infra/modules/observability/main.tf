# Alarms that page (through one SNS topic) and a dashboard that explains them: per ALB 5xx and
# p95 latency, per target group unhealthy hosts, per service CPU, memory and running tasks
# (Container Insights), and the database.

data "aws_region" "current" {}

locals {
  target_groups = merge([
    for lb_key, lb in var.load_balancers : {
      for role, tg_suffix in lb.target_groups : "${lb_key}-${role}" => {
        lb_suffix = lb.arn_suffix
        tg_suffix = tg_suffix
      }
    }
  ]...)
  alarm_actions = [aws_sns_topic.alarms.arn]
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = var.kms_key_arn
}

resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_metric_alarm" "elb_5xx" {
  for_each = var.load_balancers

  alarm_name          = "${var.name}-${each.key}-alb-5xx"
  alarm_description   = "The ${each.key} ALB itself answered 5xx (no healthy target, target reset or timed out)."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_ELB_5XX_Count"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.thresholds.http_5xx_per_5_min
  treat_missing_data  = "notBreaching"
  dimensions          = { LoadBalancer = each.value.arn_suffix }
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "target_5xx" {
  for_each = var.load_balancers

  alarm_name          = "${var.name}-${each.key}-target-5xx"
  alarm_description   = "Tasks behind the ${each.key} ALB answered 5xx."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_Target_5XX_Count"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = var.thresholds.http_5xx_per_5_min
  treat_missing_data  = "notBreaching"
  dimensions          = { LoadBalancer = each.value.arn_suffix }
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "latency" {
  for_each = var.load_balancers

  alarm_name          = "${var.name}-${each.key}-latency-p95"
  alarm_description   = "p95 target response time behind the ${each.key} ALB above ${var.thresholds.latency_p95_seconds}s for 5 minutes."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "TargetResponseTime"
  extended_statistic  = "p95"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.thresholds.latency_p95_seconds
  treat_missing_data  = "notBreaching"
  dimensions          = { LoadBalancer = each.value.arn_suffix }
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_hosts" {
  for_each = local.target_groups

  alarm_name          = "${var.name}-${each.key}-unhealthy-hosts"
  alarm_description   = "Targets in ${each.key} failing the /ready health check for 3 minutes."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  datapoints_to_alarm = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  dimensions = {
    LoadBalancer = each.value.lb_suffix
    TargetGroup  = each.value.tg_suffix
  }
  alarm_actions = local.alarm_actions
  ok_actions    = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "ecs_cpu" {
  for_each = var.services

  alarm_name          = "${var.name}-${each.key}-cpu"
  alarm_description   = "${each.key} average CPU above ${var.thresholds.ecs_cpu_percent}% for 10 minutes (autoscaling at its maximum, or stuck)."
  namespace           = "AWS/ECS"
  metric_name         = "CPUUtilization"
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.thresholds.ecs_cpu_percent
  treat_missing_data  = "missing"
  dimensions = {
    ClusterName = each.value.cluster_name
    ServiceName = each.value.service_name
  }
  alarm_actions = local.alarm_actions
  ok_actions    = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "ecs_memory" {
  for_each = var.services

  alarm_name          = "${var.name}-${each.key}-memory"
  alarm_description   = "${each.key} average memory above ${var.thresholds.ecs_memory_percent}% for 10 minutes (OOM kills follow)."
  namespace           = "AWS/ECS"
  metric_name         = "MemoryUtilization"
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 2
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.thresholds.ecs_memory_percent
  treat_missing_data  = "missing"
  dimensions = {
    ClusterName = each.value.cluster_name
    ServiceName = each.value.service_name
  }
  alarm_actions = local.alarm_actions
  ok_actions    = local.alarm_actions
}

# Availability of each service, from Container Insights: fewer tasks running than ECS wants, for
# five minutes in a row. For loan-api and portfolio-api this is the only availability signal
# (Cloud Map has no target group to count unhealthy hosts); for web and gateway it also catches
# tasks that never start (image pull, secrets, crash loop). Missing data counts as breaching: a
# service that reports nothing at all is not known to be up.
resource "aws_cloudwatch_metric_alarm" "ecs_running_tasks" {
  for_each = var.services

  alarm_name          = "${var.name}-${each.key}-running-tasks"
  alarm_description   = "${each.key}: fewer tasks RUNNING than desired for 5 minutes (tasks failing to start or being replaced)."
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 5
  datapoints_to_alarm = 5
  treat_missing_data  = "breaching"

  metric_query {
    id          = "missing"
    expression  = "FILL(desired, REPEAT) - FILL(running, 0)"
    label       = "tasks missing"
    return_data = true
  }

  metric_query {
    id = "running"
    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "RunningTaskCount"
      stat        = "Minimum"
      period      = 60
      dimensions = {
        ClusterName = each.value.cluster_name
        ServiceName = each.value.service_name
      }
    }
  }

  metric_query {
    id = "desired"
    metric {
      namespace   = "ECS/ContainerInsights"
      metric_name = "DesiredTaskCount"
      stat        = "Maximum"
      period      = 60
      dimensions = {
        ClusterName = each.value.cluster_name
        ServiceName = each.value.service_name
      }
    }
  }

  alarm_actions = local.alarm_actions
  ok_actions    = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "rds_cpu" {
  alarm_name          = "${var.name}-rds-cpu"
  alarm_description   = "Database CPU above ${var.thresholds.rds_cpu_percent}% for 15 minutes."
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.thresholds.rds_cpu_percent
  treat_missing_data  = "missing"
  dimensions          = { DBInstanceIdentifier = var.db_instance_identifier }
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "rds_free_storage" {
  alarm_name          = "${var.name}-rds-free-storage"
  alarm_description   = "Database free storage below ${var.thresholds.rds_free_storage_gb} GB (storage autoscaling at its ceiling)."
  namespace           = "AWS/RDS"
  metric_name         = "FreeStorageSpace"
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 1
  comparison_operator = "LessThanThreshold"
  threshold           = var.thresholds.rds_free_storage_gb * 1024 * 1024 * 1024
  treat_missing_data  = "missing"
  dimensions          = { DBInstanceIdentifier = var.db_instance_identifier }
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = concat(
      [
        for i, key in sort(keys(var.load_balancers)) : {
          type   = "metric"
          x      = 0
          y      = i * 6
          width  = 12
          height = 6
          properties = {
            title  = "${key} ALB: requests and 5xx"
            region = data.aws_region.current.name
            stat   = "Sum"
            period = 60
            metrics = [
              ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", var.load_balancers[key].arn_suffix],
              [".", "HTTPCode_Target_5XX_Count", ".", "."],
              [".", "HTTPCode_ELB_5XX_Count", ".", "."],
            ]
          }
        }
      ],
      [
        for i, key in sort(keys(var.load_balancers)) : {
          type   = "metric"
          x      = 12
          y      = i * 6
          width  = 12
          height = 6
          properties = {
            title  = "${key} ALB: response time"
            region = data.aws_region.current.name
            period = 60
            metrics = [
              ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", var.load_balancers[key].arn_suffix, { stat = "p50" }],
              ["...", { stat = "p95" }],
              ["...", { stat = "p99" }],
            ]
          }
        }
      ],
      [
        {
          type   = "metric"
          x      = 0
          y      = length(var.load_balancers) * 6
          width  = 12
          height = 6
          properties = {
            title  = "ECS CPU %"
            region = data.aws_region.current.name
            stat   = "Average"
            period = 60
            metrics = [
              for key in sort(keys(var.services)) :
              ["AWS/ECS", "CPUUtilization", "ClusterName", var.services[key].cluster_name, "ServiceName", var.services[key].service_name, { label = key }]
            ]
          }
        },
        {
          type   = "metric"
          x      = 12
          y      = length(var.load_balancers) * 6
          width  = 12
          height = 6
          properties = {
            title  = "ECS memory %"
            region = data.aws_region.current.name
            stat   = "Average"
            period = 60
            metrics = [
              for key in sort(keys(var.services)) :
              ["AWS/ECS", "MemoryUtilization", "ClusterName", var.services[key].cluster_name, "ServiceName", var.services[key].service_name, { label = key }]
            ]
          }
        },
        {
          type   = "metric"
          x      = 0
          y      = length(var.load_balancers) * 6 + 6
          width  = 24
          height = 6
          properties = {
            title  = "RDS"
            region = data.aws_region.current.name
            stat   = "Average"
            period = 60
            metrics = [
              ["AWS/RDS", "CPUUtilization", "DBInstanceIdentifier", var.db_instance_identifier],
              [".", "DatabaseConnections", ".", ".", { yAxis = "right" }],
            ]
          }
        },
      ],
    )
  })
}
