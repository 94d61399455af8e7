# Canary deployments: CodeDeploy starts the new task set behind the green target group, moves
# production traffic over in linear steps and rolls back by itself when an alarm on either
# target group fires (the replacement set is whichever group is not serving yet, so alarms
# watch both). Only with deployment_strategy = "canary".

locals {
  # Metric math keeps the error-rate alarm meaningful at low traffic: 5xx per request, in %.
  canary_alarm_target_groups = local.canary ? local.target_groups : {}
}

resource "aws_cloudwatch_metric_alarm" "canary_5xx_rate" {
  for_each = local.canary_alarm_target_groups

  alarm_name          = "${local.full_name}-${each.key}-5xx-rate"
  alarm_description   = "Target 5xx above ${var.canary.error_rate_percent}% of requests on ${each.value.name}: stops and rolls back a canary deployment."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.canary.error_rate_percent
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  treat_missing_data  = "notBreaching"

  metric_query {
    id          = "rate"
    expression  = "IF(requests > 0, 100 * errors / requests, 0)"
    label       = "5xx %"
    return_data = true
  }

  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_Target_5XX_Count"
      stat        = "Sum"
      period      = 60
      dimensions = {
        LoadBalancer = var.load_balancer.alb_arn_suffix
        TargetGroup  = each.value.arn_suffix
      }
    }
  }

  metric_query {
    id = "requests"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "RequestCount"
      stat        = "Sum"
      period      = 60
      dimensions = {
        LoadBalancer = var.load_balancer.alb_arn_suffix
        TargetGroup  = each.value.arn_suffix
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "canary_latency" {
  for_each = local.canary_alarm_target_groups

  alarm_name          = "${local.full_name}-${each.key}-latency-p95"
  alarm_description   = "p95 response time above ${var.canary.latency_p95_seconds}s on ${each.value.name}: stops and rolls back a canary deployment."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "TargetResponseTime"
  extended_statistic  = "p95"
  period              = 60
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.canary.latency_p95_seconds
  evaluation_periods  = 2
  datapoints_to_alarm = 2
  treat_missing_data  = "notBreaching"

  dimensions = {
    LoadBalancer = var.load_balancer.alb_arn_suffix
    TargetGroup  = each.value.arn_suffix
  }
}

resource "aws_codedeploy_app" "this" {
  count = local.canary ? 1 : 0

  name             = local.full_name
  compute_platform = "ECS"
}

resource "aws_codedeploy_deployment_config" "linear" {
  count = local.canary ? 1 : 0

  deployment_config_name = "${local.full_name}-linear-${var.canary.step_percentage}pct-every-${var.canary.step_interval_minutes}min"
  compute_platform       = "ECS"

  traffic_routing_config {
    type = "TimeBasedLinear"

    time_based_linear {
      percentage = var.canary.step_percentage
      interval   = var.canary.step_interval_minutes
    }
  }
}

data "aws_iam_policy_document" "codedeploy_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["codedeploy.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "codedeploy" {
  count = local.canary ? 1 : 0

  name                 = "${local.full_name}-codedeploy"
  assume_role_policy   = data.aws_iam_policy_document.codedeploy_assume.json
  permissions_boundary = var.permissions_boundary
}

resource "aws_iam_role_policy_attachment" "codedeploy" {
  count = local.canary ? 1 : 0

  role       = aws_iam_role.codedeploy[0].name
  policy_arn = "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS"
}

resource "aws_codedeploy_deployment_group" "this" {
  count = local.canary ? 1 : 0

  app_name               = aws_codedeploy_app.this[0].name
  deployment_group_name  = local.full_name
  deployment_config_name = aws_codedeploy_deployment_config.linear[0].id
  service_role_arn       = aws_iam_role.codedeploy[0].arn

  auto_rollback_configuration {
    enabled = true
    events  = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
  }

  alarm_configuration {
    enabled = true
    alarms = concat(
      [for a in aws_cloudwatch_metric_alarm.canary_5xx_rate : a.alarm_name],
      [for a in aws_cloudwatch_metric_alarm.canary_latency : a.alarm_name],
    )
  }

  deployment_style {
    deployment_type   = "BLUE_GREEN"
    deployment_option = "WITH_TRAFFIC_CONTROL"
  }

  blue_green_deployment_config {
    deployment_ready_option {
      action_on_timeout = "CONTINUE_DEPLOYMENT"
    }

    # Keep the old task set a few minutes after success: a quick manual rollback needs no start-up.
    terminate_blue_instances_on_deployment_success {
      action                           = "TERMINATE"
      termination_wait_time_in_minutes = var.canary.terminate_after_minutes
    }
  }

  ecs_service {
    cluster_name = var.cluster_name
    service_name = aws_ecs_service.canary[0].name
  }

  load_balancer_info {
    target_group_pair_info {
      prod_traffic_route {
        listener_arns = [var.load_balancer.prod_listener_arn]
      }

      test_traffic_route {
        listener_arns = [var.load_balancer.test_listener_arn]
      }

      target_group {
        name = var.load_balancer.target_groups["blue"].name
      }

      target_group {
        name = var.load_balancer.target_groups["green"].name
      }
    }
  }
}
