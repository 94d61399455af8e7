# An Application Load Balancer in front of one ECS service: the internet-facing edge (HTTPS,
# HTTP only redirects, WAF) for web, or an internal one (HTTPS only) for the gateway. It owns
# its target groups, so the deregistration delay and the readiness probe live next to the
# listener they serve; with blue_green it also has the green group and the test listener that
# CodeDeploy needs.

locals {
  https_port = 443
  target_groups = merge(
    { blue = aws_lb_target_group.blue },
    var.blue_green ? { green = aws_lb_target_group.green[0] } : {},
  )
}

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "${var.internal ? "Internal" : "Internet-facing"} ALB ${var.name}"
  vpc_id      = var.vpc_id

  tags = { Name = "${var.name}-alb" }
}

resource "aws_vpc_security_group_ingress_rule" "https_cidr" {
  for_each = toset(var.ingress_cidr_blocks)

  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from ${each.key}"
  ip_protocol       = "tcp"
  from_port         = local.https_port
  to_port           = local.https_port
  cidr_ipv4         = each.key
}

# Plain HTTP is accepted on the edge only to answer with a redirect to HTTPS.
resource "aws_vpc_security_group_ingress_rule" "http_cidr" {
  #checkov:skip=CKV_AWS_260:Port 80 on the public edge only answers with a 301 redirect to HTTPS; no content is served over HTTP.
  for_each = var.internal ? toset([]) : toset(var.ingress_cidr_blocks)

  security_group_id = aws_security_group.alb.id
  description       = "HTTP from ${each.key}, redirected to HTTPS"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = each.key
}

resource "aws_vpc_security_group_ingress_rule" "https_sg" {
  for_each = var.ingress_security_group_ids

  security_group_id            = aws_security_group.alb.id
  description                  = "HTTPS from ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = local.https_port
  to_port                      = local.https_port
  referenced_security_group_id = each.value
}

resource "aws_vpc_security_group_ingress_rule" "test_listener" {
  count = var.blue_green ? 1 : 0

  security_group_id = aws_security_group.alb.id
  description       = "CodeDeploy test listener, from inside the VPC only"
  ip_protocol       = "tcp"
  from_port         = var.test_listener_port
  to_port           = var.test_listener_port
  cidr_ipv4         = var.vpc_cidr_block
}

resource "aws_vpc_security_group_egress_rule" "targets" {
  security_group_id = aws_security_group.alb.id
  description       = "To the tasks' container port"
  ip_protocol       = "tcp"
  from_port         = var.target_port
  to_port           = var.target_port
  cidr_ipv4         = var.vpc_cidr_block
}

# The edge is the internet-facing entry point by design; the internal ALB is not exposed.
#trivy:ignore:AVD-AWS-0053
resource "aws_lb" "this" {
  #checkov:skip=CKV_AWS_150:Deletion protection is a variable: on in staging and prod (enforced for prod), off in the disposable dev environment.
  name               = var.name
  load_balancer_type = "application"
  internal           = var.internal
  subnets            = var.subnet_ids
  security_groups    = [aws_security_group.alb.id]

  enable_deletion_protection = var.deletion_protection
  drop_invalid_header_fields = true
  desync_mitigation_mode     = "strictest"
  idle_timeout               = var.idle_timeout_seconds

  access_logs {
    bucket  = var.access_logs_bucket
    prefix  = var.name
    enabled = true
  }
}

resource "aws_lb_target_group" "blue" {
  name        = "${var.name}-blue"
  vpc_id      = var.vpc_id
  target_type = "ip"
  protocol    = "HTTP"
  port        = var.target_port

  deregistration_delay = var.deregistration_delay_seconds

  health_check {
    path                = var.health_check_path
    matcher             = "200"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_lb_target_group" "green" {
  count = var.blue_green ? 1 : 0

  name        = "${var.name}-green"
  vpc_id      = var.vpc_id
  target_type = "ip"
  protocol    = "HTTP"
  port        = var.target_port

  deregistration_delay = var.deregistration_delay_seconds

  health_check {
    path                = var.health_check_path
    matcher             = "200"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

# One HTTPS listener in both deployment modes. In canary mode CodeDeploy switches its default
# action between blue and green, so Terraform sets the action when it creates the listener and
# then leaves it alone. Two listener resources (one per mode) cannot work: switching modes would
# create the new one on :443 while the old one still holds the port, and the apply fails.
#
# Because the action is ignored, the listener is re-created whenever the mode changes, so that
# after a canary period (possibly left on green) rolling mode starts again from blue. That is a
# few seconds without a listener: switch modes in a maintenance window (docs/deploy.md).
resource "terraform_data" "listener_mode" {
  input = var.blue_green ? "blue-green" : "rolling"
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = local.https_port
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.blue.arn
  }

  lifecycle {
    ignore_changes       = [default_action]
    replace_triggered_by = [terraform_data.listener_mode]
  }
}

# Paths no client outside the VPC should reach (the services' Prometheus /metrics): the ALB
# answers 404 itself, so the request never reaches a task. The rule is not a forward, so
# CodeDeploy never touches it.
resource "aws_lb_listener_rule" "blocked_paths" {
  count = length(var.blocked_paths) > 0 ? 1 : 0

  listener_arn = aws_lb_listener.https.arn
  priority     = 1

  action {
    type = "fixed-response"

    fixed_response {
      content_type = "text/plain"
      message_body = "Not Found"
      status_code  = "404"
    }
  }

  condition {
    path_pattern {
      values = var.blocked_paths
    }
  }
}

resource "aws_lb_listener" "test" {
  count = var.blue_green ? 1 : 0

  load_balancer_arn = aws_lb.this.arn
  port              = var.test_listener_port
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.green[0].arn
  }

  lifecycle {
    ignore_changes = [default_action]
  }
}

resource "aws_lb_listener" "http_redirect" {
  count = var.internal ? 0 : 1

  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      protocol    = "HTTPS"
      port        = tostring(local.https_port)
      status_code = "HTTP_301"
    }
  }
}
