# Alarms: 5xx, latency, unhealthy hosts, CPU and memory, all notifying one SNS topic.

mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  name        = "lending-test"
  kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  load_balancers = {
    edge     = { arn_suffix = "app/lending-test-web/1", target_groups = { blue = "targetgroup/lending-test-web-blue/1" } }
    internal = { arn_suffix = "app/lending-test-gw/2", target_groups = { blue = "targetgroup/lending-test-gw-blue/2", green = "targetgroup/lending-test-gw-green/2" } }
  }
  services = {
    loan-api      = { cluster_name = "lending-test", service_name = "lending-test-loan-api" }
    portfolio-api = { cluster_name = "lending-test", service_name = "lending-test-portfolio-api" }
    gateway       = { cluster_name = "lending-test", service_name = "lending-test-gateway" }
    web           = { cluster_name = "lending-test", service_name = "lending-test-web" }
  }
  db_instance_identifier = "lending-test"
}

run "alarms" {
  command = apply

  assert {
    condition = (
      length(aws_cloudwatch_metric_alarm.elb_5xx) == 2 && length(aws_cloudwatch_metric_alarm.target_5xx) == 2
      && alltrue([for a in aws_cloudwatch_metric_alarm.target_5xx : a.metric_name == "HTTPCode_Target_5XX_Count"])
    )
    error_message = "Every ALB needs 5xx alarms."
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.latency) == 2 && alltrue([for a in aws_cloudwatch_metric_alarm.latency : a.metric_name == "TargetResponseTime" && a.extended_statistic == "p95"])
    error_message = "Every ALB needs a p95 latency alarm."
  }

  assert {
    condition     = toset(keys(aws_cloudwatch_metric_alarm.unhealthy_hosts)) == toset(["edge-blue", "internal-blue", "internal-green"])
    error_message = "Every target group needs an unhealthy-hosts alarm."
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.ecs_cpu) == 4 && alltrue([for a in aws_cloudwatch_metric_alarm.ecs_cpu : a.metric_name == "CPUUtilization"])
    error_message = "Every service needs a CPU alarm."
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.ecs_memory) == 4 && alltrue([for a in aws_cloudwatch_metric_alarm.ecs_memory : a.metric_name == "MemoryUtilization"])
    error_message = "Every service needs a memory alarm."
  }

  assert {
    condition = alltrue([
      for svc in ["loan-api", "portfolio-api", "gateway", "web"] :
      contains(keys(aws_cloudwatch_metric_alarm.ecs_running_tasks), svc)
      && aws_cloudwatch_metric_alarm.ecs_running_tasks[svc].treat_missing_data == "breaching"
      && anytrue([
        for m in flatten([for q in aws_cloudwatch_metric_alarm.ecs_running_tasks[svc].metric_query : q.metric]) :
        m.namespace == "ECS/ContainerInsights" && m.metric_name == "RunningTaskCount" && m.dimensions.ServiceName == "lending-test-${svc}"
      ])
    ])
    error_message = "Every service (loan-api and portfolio-api above all, which no target group watches) needs an availability alarm on Container Insights RunningTaskCount, with missing data breaching."
  }

  assert {
    condition = alltrue([
      for a in concat(values(aws_cloudwatch_metric_alarm.elb_5xx), values(aws_cloudwatch_metric_alarm.target_5xx), values(aws_cloudwatch_metric_alarm.latency),
        values(aws_cloudwatch_metric_alarm.unhealthy_hosts), values(aws_cloudwatch_metric_alarm.ecs_cpu), values(aws_cloudwatch_metric_alarm.ecs_memory),
      values(aws_cloudwatch_metric_alarm.ecs_running_tasks)) :
      contains(a.alarm_actions, aws_sns_topic.alarms.arn)
    ])
    error_message = "Every alarm must notify the SNS topic."
  }

  assert {
    condition     = aws_sns_topic.alarms.kms_master_key_id != null
    error_message = "The alarm topic must be encrypted."
  }

  assert {
    condition     = length(jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets) == 7
    error_message = "The dashboard must show both ALBs (requests, latency), ECS CPU and memory, and RDS."
  }
}
