# The ECS service module on a fake AWS: what a task may do, who may reach it, and how it
# deploys. scripts/check-infra.sh also breaks the module on purpose and expects these to fail.

mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  name                = "loan-api"
  name_prefix         = "lending-test"
  cluster_arn         = "arn:aws:ecs:us-east-1:123456789012:cluster/lending-test"
  cluster_name        = "lending-test"
  image               = "123456789012.dkr.ecr.us-east-1.amazonaws.com/lending/loan-api:0123abc"
  container_port      = 8000
  vpc_id              = "vpc-0123456789abcdef0"
  vpc_cidr_block      = "10.0.0.0/16"
  subnet_ids          = ["subnet-a", "subnet-b", "subnet-c"]
  s3_prefix_list_id   = "pl-63a5400a"
  kms_key_arn         = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  secrets_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  autoscaling         = { min_capacity = 2, max_capacity = 6 }
  drain_seconds       = 20

  ingress_security_group_ids = { gateway = "sg-0gateway" }
  service_discovery          = { namespace_id = "ns-0123456789abcdef" }
  permissions_boundary       = "arn:aws:iam::123456789012:policy/lending-workload-boundary"

  environment = {
    DATABASE_URL = "postgres://loans@db.internal:5432/loans?sslmode=require"
    LOG_FORMAT   = "json"
  }
  secrets = {
    DATABASE_PASSWORD = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:lending-test/loans-db-password-AbCdEf" }
  }
}

run "task_definition_is_hardened" {
  command = plan

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].readonlyRootFilesystem == true
    error_message = "The container must run with a read-only root filesystem."
  }

  assert {
    condition = (
      can(regex("^[0-9]+(:[0-9]+)?$", jsondecode(aws_ecs_task_definition.this.container_definitions)[0].user))
      && split(":", jsondecode(aws_ecs_task_definition.this.container_definitions)[0].user)[0] != "0"
    )
    error_message = "The container must run as a numeric non-root user."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].linuxParameters.capabilities.drop == ["ALL"]
    error_message = "The container must drop all Linux capabilities."
  }

  assert {
    condition     = slice(jsondecode(aws_ecs_task_definition.this.container_definitions)[0].healthCheck.command, 0, 3) == ["CMD", "/usr/local/bin/loan-api", "healthcheck"]
    error_message = "The container health check must run the binary's healthcheck subcommand."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].healthCheck.command == ["CMD", "/usr/local/bin/loan-api", "healthcheck", "--url", "http://127.0.0.1:8000/health"]
    error_message = "The container health check must probe liveness (/health on the container port), never /ready: ECS would restart every task when a dependency is down."
  }

  assert {
    condition     = aws_ecs_task_definition.this.skip_destroy == true
    error_message = "Old task definition revisions must stay ACTIVE (skip_destroy) so deployments can roll back to them."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].logConfiguration.logDriver == "awslogs"
    error_message = "Logs must go to CloudWatch through awslogs."
  }

  assert {
    condition     = aws_ecs_task_definition.this.requires_compatibilities == toset(["FARGATE"]) && aws_ecs_task_definition.this.network_mode == "awsvpc"
    error_message = "The task must be a Fargate task in awsvpc mode."
  }
}

run "secrets_come_from_secrets_manager" {
  command = plan

  assert {
    condition = contains(
      [for s in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].secrets : s.valueFrom if s.name == "DATABASE_PASSWORD"],
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:lending-test/loans-db-password-AbCdEf",
    )
    error_message = "DATABASE_PASSWORD must be injected from Secrets Manager through secrets/valueFrom."
  }

  assert {
    condition = length([
      for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : e
      if can(regex("PASSWORD|SECRET|API_KEY|TOKEN", e.name)) || can(regex("secretsmanager", e.value))
    ]) == 0
    error_message = "No secret may be passed as a plain environment variable."
  }

  assert {
    condition     = contains([for e in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment : e.value if e.name == "SHUTDOWN_GRACE_SECONDS"], "20")
    error_message = "SHUTDOWN_GRACE_SECONDS must be the drain time the target group waits for."
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this.container_definitions)[0].stopTimeout > 20
    error_message = "stopTimeout must leave the drain time to finish before SIGKILL."
  }
}

run "secret_in_environment_is_rejected" {
  command = plan

  variables {
    environment = { DATABASE_PASSWORD = "hunter2" }
  }

  expect_failures = [var.environment]
}

run "root_user_is_rejected" {
  command = plan

  variables {
    user = "0:0"
  }

  expect_failures = [var.user]
}

run "impossible_fargate_size_is_rejected" {
  command = plan

  variables {
    cpu    = 256
    memory = 4096
  }

  expect_failures = [var.memory]
}

run "rolling_service_is_private_and_guarded" {
  command = apply

  assert {
    condition     = aws_ecs_service.rolling[0].network_configuration[0].assign_public_ip == false
    error_message = "Tasks must not get public IPs (assign_public_ip must be false)."
  }

  assert {
    condition     = aws_ecs_service.rolling[0].deployment_circuit_breaker[0].enable && aws_ecs_service.rolling[0].deployment_circuit_breaker[0].rollback
    error_message = "The deployment circuit breaker must be enabled and roll back."
  }

  assert {
    condition     = aws_ecs_service.rolling[0].deployment_controller[0].type == "ECS" && length(aws_ecs_service.canary) == 0
    error_message = "The rolling strategy must use the ECS deployment controller."
  }

  assert {
    condition     = aws_ecs_service.rolling[0].deployment_minimum_healthy_percent == 100
    error_message = "Rolling deployments must start new tasks before stopping old ones."
  }

  assert {
    condition = alltrue([
      for rule in aws_vpc_security_group_ingress_rule.task :
      rule.referenced_security_group_id == "sg-0gateway" && rule.cidr_ipv4 == null && rule.cidr_ipv6 == null && rule.prefix_list_id == null
    ]) && length(aws_vpc_security_group_ingress_rule.task) == 1
    error_message = "The task security group must admit traffic only from the given security group, never from a CIDR such as 0.0.0.0/0."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.task["gateway"].from_port == 8000 && aws_vpc_security_group_ingress_rule.task["gateway"].to_port == 8000
    error_message = "Ingress must be limited to the container port."
  }

  assert {
    condition     = length(aws_service_discovery_service.this) == 1 && aws_service_discovery_service.this[0].name == "loan-api"
    error_message = "The service must register its Cloud Map name."
  }

  assert {
    condition = toset([aws_appautoscaling_policy.cpu.target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].predefined_metric_type,
    aws_appautoscaling_policy.memory.target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].predefined_metric_type]) == toset(["ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization"])
    error_message = "The service must scale on CPU and memory."
  }

  assert {
    condition     = aws_appautoscaling_target.this.min_capacity == 2 && aws_appautoscaling_target.this.max_capacity == 6
    error_message = "Autoscaling bounds must come from the autoscaling variable."
  }

  assert {
    condition = alltrue([
      for role in [aws_iam_role.execution, aws_iam_role.task] :
      role.permissions_boundary == "arn:aws:iam::123456789012:policy/lending-workload-boundary"
    ])
    error_message = "Every role must carry the permissions boundary (the deploy roles may only create roles with it)."
  }
}

run "load_balanced_service" {
  command = apply

  variables {
    name                       = "web"
    container_port             = 3000
    ingress_security_group_ids = { edge-alb = "sg-0edgealb" }
    service_discovery          = null
    secrets = {
      API_KEY     = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:lending-test/web-api-key-AbCdEf" }
      CSRF_SECRET = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:lending-test/web-csrf-secret-AbCdEf" }
    }
    load_balancer = {
      alb_arn_suffix    = "app/lending-test-web/0123456789abcdef"
      target_groups     = { blue = { arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/lending-test-web-blue/0123456789abcdef", arn_suffix = "targetgroup/lending-test-web-blue/0123456789abcdef", name = "lending-test-web-blue" } }
      prod_listener_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/lending-test-web/0123456789abcdef/0123456789abcdef"
    }
  }

  assert {
    condition     = aws_ecs_service.rolling[0].health_check_grace_period_seconds > 0
    error_message = "A load-balanced service needs a health-check grace period."
  }

  assert {
    condition     = one(aws_ecs_service.rolling[0].load_balancer).container_port == 3000
    error_message = "The service must register the container port in the target group."
  }

  assert {
    condition     = aws_appautoscaling_policy.requests["blue"].target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].predefined_metric_type == "ALBRequestCountPerTarget"
    error_message = "A load-balanced service must scale on ALB requests per target."
  }

  assert {
    condition     = toset([for s in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].secrets : s.name]) == toset(["API_KEY", "CSRF_SECRET"])
    error_message = "web's API_KEY and CSRF_SECRET must come through secrets."
  }

  assert {
    condition     = alltrue([for rule in aws_vpc_security_group_ingress_rule.task : rule.referenced_security_group_id == "sg-0edgealb" && rule.cidr_ipv4 == null])
    error_message = "web must admit traffic only from its ALB's security group."
  }
}

run "canary_uses_codedeploy_with_alarm_rollback" {
  command = apply

  variables {
    name                       = "web"
    container_port             = 3000
    ingress_security_group_ids = { edge-alb = "sg-0edgealb" }
    service_discovery          = null
    deployment_strategy        = "canary"
    canary                     = { step_percentage = 20, step_interval_minutes = 2 }
    load_balancer = {
      alb_arn_suffix = "app/lending-test-web/0123456789abcdef"
      target_groups = {
        blue  = { arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/lending-test-web-blue/0123456789abcdef", arn_suffix = "targetgroup/lending-test-web-blue/0123456789abcdef", name = "lending-test-web-blue" }
        green = { arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/lending-test-web-green/0123456789abcdef", arn_suffix = "targetgroup/lending-test-web-green/0123456789abcdef", name = "lending-test-web-green" }
      }
      prod_listener_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/lending-test-web/0123456789abcdef/0000000000000001"
      test_listener_arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/lending-test-web/0123456789abcdef/0000000000000002"
    }
  }

  assert {
    condition     = length(aws_ecs_service.rolling) == 0 && aws_ecs_service.canary[0].deployment_controller[0].type == "CODE_DEPLOY"
    error_message = "canary must hand deployments to CodeDeploy."
  }

  assert {
    condition     = aws_ecs_service.canary[0].name == "lending-test-web-bg" && aws_appautoscaling_target.this.resource_id == "service/lending-test/lending-test-web-bg"
    error_message = "The canary service must have its own name (<name>-bg), so that switching strategies never creates a service under a name ECS still holds; autoscaling must follow it."
  }

  assert {
    condition     = aws_iam_role.codedeploy[0].permissions_boundary == "arn:aws:iam::123456789012:policy/lending-workload-boundary"
    error_message = "The CodeDeploy role must carry the permissions boundary."
  }

  assert {
    condition     = aws_ecs_service.canary[0].network_configuration[0].assign_public_ip == false
    error_message = "Tasks must not get public IPs (assign_public_ip must be false)."
  }

  assert {
    condition = (
      aws_codedeploy_deployment_config.linear[0].traffic_routing_config[0].type == "TimeBasedLinear"
      && aws_codedeploy_deployment_config.linear[0].traffic_routing_config[0].time_based_linear[0].percentage == 20
      && aws_codedeploy_deployment_config.linear[0].traffic_routing_config[0].time_based_linear[0].interval == 2
    )
    error_message = "canary must shift traffic in the configured linear steps."
  }

  assert {
    condition = (
      aws_codedeploy_deployment_group.this[0].auto_rollback_configuration[0].enabled
      && contains(aws_codedeploy_deployment_group.this[0].auto_rollback_configuration[0].events, "DEPLOYMENT_STOP_ON_ALARM")
      && aws_codedeploy_deployment_group.this[0].alarm_configuration[0].enabled
    )
    error_message = "CodeDeploy must roll back automatically when an alarm fires."
  }

  assert {
    condition = toset(aws_codedeploy_deployment_group.this[0].alarm_configuration[0].alarms) == toset([
      "lending-test-web-blue-5xx-rate", "lending-test-web-green-5xx-rate",
      "lending-test-web-blue-latency-p95", "lending-test-web-green-latency-p95",
    ])
    error_message = "The rollback alarms must watch 5xx rate and latency on both target groups."
  }

  assert {
    condition     = length(aws_codedeploy_deployment_group.this[0].load_balancer_info[0].target_group_pair_info[0].target_group) == 2
    error_message = "Blue/green needs both target groups."
  }

  assert {
    condition     = length(aws_appautoscaling_policy.requests) == 2
    error_message = "With two target groups, requests per target must be tracked on both."
  }
}
