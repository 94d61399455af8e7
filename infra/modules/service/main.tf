# One ECS Fargate service: its task definition, security group, roles, logs, autoscaling and,
# depending on deployment_strategy, either an ECS rolling deployment guarded by the circuit
# breaker or a CodeDeploy blue/green (canary) deployment guarded by alarms.

data "aws_region" "current" {}

locals {
  full_name      = "${var.name_prefix}-${var.name}"
  canary         = var.deployment_strategy == "canary"
  load_balanced  = var.load_balancer != null
  binary         = "/usr/local/bin/${var.name}"
  stop_timeout   = min(var.drain_seconds + 10, 120)
  secret_arns    = distinct([for s in values(var.secrets) : s.arn])
  target_groups  = local.load_balanced ? var.load_balancer.target_groups : {}
  ecs_service    = local.canary ? aws_ecs_service.canary[0] : aws_ecs_service.rolling[0]
  autoscaling_id = "service/${var.cluster_name}/${local.ecs_service.name}"
  # The canary (CodeDeploy) service has its own name, so that switching deployment_strategy
  # creates the new service next to the old one instead of colliding with it while ECS still
  # drains the old one (a service name stays taken until the old service is gone).
  canary_service_name = "${local.full_name}-bg"

  environment = merge(
    {
      PORT                   = tostring(var.container_port)
      SHUTDOWN_GRACE_SECONDS = tostring(var.drain_seconds)
    },
    var.environment,
  )

  container = {
    name      = var.name
    image     = var.image
    essential = true
    command   = var.command
    user      = var.user

    readonlyRootFilesystem = true
    linuxParameters = {
      capabilities = { drop = ["ALL"] }
    }
    # Fargate has no tmpfs; an ephemeral task volume gives the read-only container a /tmp.
    mountPoints = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]

    portMappings = [{ name = var.name, containerPort = var.container_port, protocol = "tcp" }]

    environment = [for k in sort(keys(local.environment)) : { name = k, value = local.environment[k] }]
    secrets = [
      for k in sort(keys(var.secrets)) : {
        name      = k
        valueFrom = var.secrets[k].key == null ? var.secrets[k].arn : "${var.secrets[k].arn}:${var.secrets[k].key}::"
      }
    ]

    # Liveness, not readiness: the binary probes its own /health, which answers without touching
    # any dependency. ECS replaces a task whose container check fails, so probing /ready here
    # would restart every replica at once when the database or a downstream service blips.
    # Readiness (/ready) is what the target groups probe, which only takes a task out of traffic.
    healthCheck = {
      command     = ["CMD", local.binary, "healthcheck", "--url", "http://127.0.0.1:${var.container_port}/health"]
      interval    = 10
      timeout     = 5
      retries     = 3
      startPeriod = 30
    }
    # SIGTERM, then drain_seconds of draining, then a margin before SIGKILL.
    stopTimeout = local.stop_timeout

    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.this.name
        awslogs-region        = data.aws_region.current.name
        awslogs-stream-prefix = "ecs"
        # Never block the service on CloudWatch Logs; buffer and drop instead.
        mode            = "non-blocking"
        max-buffer-size = "4m"
      }
    }
  }
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is a per-environment variable: a year in prod, shorter in dev and staging to bound cost.
  name              = "/ecs/${local.full_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

# Roles: the execution role is the ECS agent's (pull the image, write logs, read this
# service's secrets); the task role is the application's own and grants nothing yet.

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  name                 = "${local.full_name}-execution"
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_assume.json
  permissions_boundary = var.permissions_boundary
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "read_secrets" {
  statement {
    sid       = "ReadThisServicesSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = local.secret_arns
  }

  statement {
    sid       = "DecryptThem"
    actions   = ["kms:Decrypt"]
    resources = [var.secrets_kms_key_arn]
  }
}

resource "aws_iam_role_policy" "read_secrets" {
  count = length(var.secrets) > 0 ? 1 : 0

  name   = "read-secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.read_secrets.json
}

resource "aws_iam_role" "task" {
  name                 = "${local.full_name}-task"
  assume_role_policy   = data.aws_iam_policy_document.ecs_tasks_assume.json
  permissions_boundary = var.permissions_boundary
}

resource "aws_ecs_task_definition" "this" {
  family                   = local.full_name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.cpu
  memory                   = var.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions    = jsonencode([local.container])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  volume {
    name = "tmp"
  }

  # A new revision leaves the previous one ACTIVE instead of deregistering it: the circuit
  # breaker and CodeDeploy roll back to it, and a rollback by digest may register it again.
  skip_destroy = true
}

# Network: private subnets, no public IP, and only the named security groups may connect.

resource "aws_security_group" "task" {
  name        = "${local.full_name}-task"
  description = "Tasks of ${local.full_name}"
  vpc_id      = var.vpc_id

  tags = { Name = "${local.full_name}-task" }
}

resource "aws_vpc_security_group_ingress_rule" "task" {
  for_each = var.ingress_security_group_ids

  security_group_id            = aws_security_group.task.id
  description                  = "${var.name} port from ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = each.value
}

resource "aws_vpc_security_group_egress_rule" "vpc" {
  security_group_id = aws_security_group.task.id
  description       = "Inside the VPC: database, other services, interface endpoints"
  ip_protocol       = "tcp"
  from_port         = 0
  to_port           = 65535
  cidr_ipv4         = var.vpc_cidr_block
}

# ECR keeps image layers in S3, whose addresses are public: reachable through the gateway
# endpoint, named by its prefix list. Everything else AWS (ECR API, logs, secrets) is an
# interface endpoint inside the VPC, so tasks need no route to the internet at all.
resource "aws_vpc_security_group_egress_rule" "s3" {
  security_group_id = aws_security_group.task.id
  description       = "HTTPS to S3 through the gateway endpoint (image layers)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = var.s3_prefix_list_id
}

# Only when asked: without interface endpoints (ECR, logs and secrets through NAT), or for an
# OTLP endpoint outside the VPC. (Scanners that ignore the count flag it; it is off by default.)
#trivy:ignore:AVD-AWS-0104
resource "aws_vpc_security_group_egress_rule" "internet_https" {
  count = var.allow_internet_egress ? 1 : 0

  security_group_id = aws_security_group.task.id
  description       = "HTTPS to the internet through NAT"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_service_discovery_service" "this" {
  count = var.service_discovery == null ? 0 : 1

  name = var.name

  dns_config {
    namespace_id   = var.service_discovery.namespace_id
    routing_policy = "MULTIVALUE"

    # Short TTL: the gateway re-resolves every 5 s and must see replaced tasks quickly.
    dns_records {
      type = "A"
      ttl  = 10
    }
  }

  # ECS reports the container (liveness) health check; tasks that fail it leave DNS. A task that
  # is alive but not ready stays listed; the gateway's retry budget covers it.
  # failure_threshold is deprecated (AWS always uses 1), but provider 5.x only sends and stores
  # the block when it is set: an empty block creates the service without custom health checks
  # and then plans a replacement on every run (hashicorp/terraform-provider-aws#44285). So it
  # stays, at 1.
  health_check_custom_config {
    failure_threshold = 1
  }
}

resource "aws_ecs_service" "rolling" {
  count = local.canary ? 0 : 1

  name                    = local.full_name
  cluster                 = var.cluster_arn
  task_definition         = aws_ecs_task_definition.this.arn
  desired_count           = var.desired_count
  launch_type             = "FARGATE"
  platform_version        = "LATEST"
  enable_ecs_managed_tags = true
  propagate_tags          = "SERVICE"

  # Start new tasks before stopping old ones; if they never become healthy, roll back.
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  deployment_controller {
    type = "ECS"
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  health_check_grace_period_seconds = local.load_balanced ? var.load_balancer.health_check_grace_period_seconds : null

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.task.id]
    assign_public_ip = false
  }

  dynamic "load_balancer" {
    for_each = local.load_balanced ? [var.load_balancer.target_groups["blue"]] : []
    content {
      target_group_arn = load_balancer.value.arn
      container_name   = var.name
      container_port   = var.container_port
    }
  }

  dynamic "service_registries" {
    for_each = aws_service_discovery_service.this
    content {
      registry_arn = service_registries.value.arn
    }
  }

  lifecycle {
    ignore_changes = [desired_count]
  }
}

# With CodeDeploy, each deployment creates a new task set and swaps target groups; Terraform
# registers new task definition revisions and CodeDeploy rolls them out (see docs/deploy.md).
# Named <name>-bg (see canary_service_name): a strategy switch creates one service and deletes
# the other, which scripts/ci/terraform-deploy.sh only lets through with ALLOW_SERVICE_REPLACEMENT=1.
resource "aws_ecs_service" "canary" {
  count = local.canary ? 1 : 0

  name                    = local.canary_service_name
  cluster                 = var.cluster_arn
  task_definition         = aws_ecs_task_definition.this.arn
  desired_count           = var.desired_count
  launch_type             = "FARGATE"
  platform_version        = "LATEST"
  enable_ecs_managed_tags = true
  propagate_tags          = "SERVICE"

  deployment_controller {
    type = "CODE_DEPLOY"
  }

  health_check_grace_period_seconds = var.load_balancer.health_check_grace_period_seconds

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.task.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = var.load_balancer.target_groups["blue"].arn
    container_name   = var.name
    container_port   = var.container_port
  }

  lifecycle {
    ignore_changes = [desired_count, task_definition, load_balancer]

    precondition {
      condition     = var.load_balancer != null && try(var.load_balancer.test_listener_arn, null) != null && length(var.load_balancer.target_groups) == 2
      error_message = "canary needs a load balancer with blue and green target groups and a test listener."
    }

    precondition {
      condition     = var.service_discovery == null
      error_message = "Cloud Map registration needs the ECS deployment controller: use rolling for services reached by name."
    }
  }
}
