# The ALB module on a fake AWS: TLS 1.2+ only, HTTP only redirects, who may connect, and the
# target groups' drain and readiness settings.

mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  name                         = "lending-test-web"
  internal                     = false
  vpc_id                       = "vpc-0123456789abcdef0"
  vpc_cidr_block               = "10.0.0.0/16"
  subnet_ids                   = ["subnet-a", "subnet-b", "subnet-c"]
  certificate_arn              = "arn:aws:acm:us-east-1:123456789012:certificate/test"
  ingress_cidr_blocks          = ["0.0.0.0/0"]
  target_port                  = 3000
  deregistration_delay_seconds = 20
  access_logs_bucket           = "lending-test-alb-logs"
  waf                          = { enabled = true }
  blocked_paths                = ["/metrics", "/metrics/*"]
}

run "public_edge" {
  command = plan

  assert {
    condition     = aws_lb_listener.https.protocol == "HTTPS" && aws_lb_listener.https.port == 443
    error_message = "The production listener must be HTTPS on 443."
  }

  assert {
    condition     = can(regex("^ELBSecurityPolicy-(TLS13-1-[23]-|TLS-1-2-|FS-1-2-)", aws_lb_listener.https.ssl_policy))
    error_message = "The HTTPS listener must use a TLS 1.2+ policy."
  }

  assert {
    condition = (
      length(aws_lb_listener.http_redirect) == 1
      && alltrue([
        for action in aws_lb_listener.http_redirect[0].default_action :
        action.type == "redirect" && try(action.redirect[0].protocol, "") == "HTTPS" && try(action.redirect[0].status_code, "") == "HTTP_301"
      ])
      && length(aws_lb_listener.http_redirect[0].default_action) == 1
    )
    error_message = "The HTTP listener must only redirect to HTTPS."
  }

  assert {
    condition     = aws_lb.this.internal == false && aws_lb.this.drop_invalid_header_fields
    error_message = "The edge is internet-facing and drops invalid headers."
  }

  assert {
    condition     = aws_lb.this.access_logs[0].enabled
    error_message = "Access logs must be on."
  }

  assert {
    condition     = aws_lb_target_group.blue.deregistration_delay == "20"
    error_message = "The deregistration delay must equal the services' drain time."
  }

  assert {
    condition     = aws_lb_target_group.blue.health_check[0].path == "/ready" && aws_lb_target_group.blue.health_check[0].matcher == "200"
    error_message = "Target groups must probe /ready."
  }

  assert {
    condition     = length(aws_wafv2_web_acl_association.this) == 1
    error_message = "The public edge must be behind WAF."
  }

  assert {
    condition     = length(aws_lb_target_group.green) == 0 && length(aws_lb_listener.test) == 0
    error_message = "Without blue_green there is no green target group or test listener."
  }
}

# Apply, so that the listener's ARN is known and the rule can be shown to sit on it.
run "metrics_never_leave_the_alb" {
  command = apply

  assert {
    condition = (
      length(aws_lb_listener_rule.blocked_paths) == 1
      && aws_lb_listener_rule.blocked_paths[0].listener_arn == aws_lb_listener.https.arn
      && aws_lb_listener_rule.blocked_paths[0].action[0].type == "fixed-response"
      && aws_lb_listener_rule.blocked_paths[0].action[0].fixed_response[0].status_code == "404"
      && toset(flatten([for c in aws_lb_listener_rule.blocked_paths[0].condition : [for p in c.path_pattern : p.values]])) == toset(["/metrics", "/metrics/*"])
    )
    error_message = "The public HTTPS listener must answer /metrics and /metrics/* with a fixed 404, never forward them."
  }
}

run "weak_tls_policy_is_rejected" {
  command = plan

  variables {
    ssl_policy = "ELBSecurityPolicy-2016-08"
  }

  expect_failures = [var.ssl_policy]
}

run "internal_alb_has_no_http_and_no_cidr_ingress" {
  command = plan

  variables {
    name                       = "lending-test-gw"
    internal                   = true
    ingress_cidr_blocks        = []
    ingress_security_group_ids = { web = "sg-0web" }
    target_port                = 8002
    waf                        = { enabled = false }
    blocked_paths              = []
  }

  assert {
    condition     = aws_lb.this.internal && length(aws_lb_listener.http_redirect) == 0
    error_message = "The internal ALB must not listen on HTTP."
  }

  assert {
    condition     = length(aws_lb_listener_rule.blocked_paths) == 0
    error_message = "Without blocked_paths the listener has no blocking rule."
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.https_cidr) == 0 && length(aws_vpc_security_group_ingress_rule.http_cidr) == 0
    error_message = "The internal ALB must admit only security groups, no CIDR ranges."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.https_sg["web"].referenced_security_group_id == "sg-0web"
    error_message = "The internal ALB must admit the web tier."
  }

  assert {
    condition     = can(regex("^ELBSecurityPolicy-(TLS13-1-[23]-|TLS-1-2-|FS-1-2-)", aws_lb_listener.https.ssl_policy))
    error_message = "The internal HTTPS listener must use a TLS 1.2+ policy."
  }
}

run "blue_green_adds_green_and_test_listener" {
  command = plan

  variables {
    blue_green = true
  }

  assert {
    condition     = length(aws_lb_target_group.green) == 1 && aws_lb_listener.https.port == 443
    error_message = "blue_green needs a green target group and the same HTTPS listener, which CodeDeploy may switch."
  }

  assert {
    condition     = terraform_data.listener_mode.input == "blue-green"
    error_message = "Both modes must use the one HTTPS listener resource (two would collide on :443 when the mode changes), re-created when the mode changes."
  }

  assert {
    condition     = aws_lb_listener.test[0].protocol == "HTTPS" && aws_lb_listener.test[0].port == 8443
    error_message = "The test listener must be HTTPS."
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.test_listener[0].cidr_ipv4 == "10.0.0.0/16"
    error_message = "The test listener must be reachable from inside the VPC only."
  }

  assert {
    condition     = can(regex("^ELBSecurityPolicy-(TLS13-1-[23]-|TLS-1-2-|FS-1-2-)", aws_lb_listener.https.ssl_policy))
    error_message = "The HTTPS listener must use a TLS 1.2+ policy."
  }
}
