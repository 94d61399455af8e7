# The whole environment on a fake AWS: that the modules are wired together the way the
# architecture says (who may call whom, which secrets reach which service, what deploys how),
# and that production cannot be configured below its floor.

mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  environment         = "staging"
  domain_name         = "app.staging.example.com"
  gateway_domain_name = "gateway.staging.example.com"
  certificate_arn     = "arn:aws:acm:us-east-1:123456789012:certificate/test"
  image_tag           = "0123abc"
}

run "rolling" {
  command = apply

  assert {
    condition     = module.web.ingress_sources == { edge-alb = module.edge.security_group_id }
    error_message = "web must accept traffic only from the public ALB's security group."
  }

  assert {
    condition     = module.gateway.ingress_sources == { internal-alb = module.internal_alb.security_group_id }
    error_message = "The gateway must accept traffic only from the internal ALB's security group."
  }

  assert {
    condition = (
      module.loan_api.ingress_sources == { gateway = module.gateway.security_group_id }
      && module.portfolio_api.ingress_sources == { gateway = module.gateway.security_group_id }
    )
    error_message = "loan-api and portfolio-api must accept traffic only from the gateway's tasks."
  }

  assert {
    condition = (
      module.web.configuration.secrets == tolist(["API_KEY", "CSRF_SECRET"])
      && module.gateway.configuration.secrets == tolist(["API_KEYS"])
      && module.loan_api.configuration.secrets == tolist(["DATABASE_PASSWORD"])
      && module.portfolio_api.configuration.secrets == tolist(["DATABASE_PASSWORD"])
    )
    error_message = "Each service's secrets must arrive through ECS secrets (Secrets Manager)."
  }

  assert {
    condition = alltrue(flatten([
      for svc in [module.web, module.gateway, module.loan_api, module.portfolio_api] : [
        for name in svc.configuration.environment : !can(regex("PASSWORD|SECRET|API_KEY", name))
      ]
    ]))
    error_message = "No secret may be passed as a plain environment variable."
  }

  assert {
    condition     = module.web.configuration.image == "123456789012.dkr.ecr.us-east-1.amazonaws.com/lending/web:0123abc"
    error_message = "Images must come from this account's ECR at image_tag."
  }

  assert {
    condition     = module.loan_api.cloud_map_name == "loan-api" && module.portfolio_api.cloud_map_name == "portfolio-api"
    error_message = "The gateway reaches the APIs through Cloud Map names."
  }

  assert {
    condition     = alltrue([for svc in values(output.services) : svc.codedeploy == null])
    error_message = "The rolling strategy must not create CodeDeploy deployments."
  }

  assert {
    condition     = alltrue([for kind, names in output.alarm_names : length(names) > 0])
    error_message = "Alarms of every kind (5xx, latency, unhealthy hosts, CPU, memory, running tasks, RDS) must exist."
  }

  assert {
    condition = alltrue([
      for svc in ["loan-api", "portfolio-api"] : contains(output.alarm_names.ecs_running, "lending-staging-${svc}-running-tasks")
    ])
    error_message = "loan-api and portfolio-api (behind Cloud Map, so no target group watches them) need running-task availability alarms."
  }

  assert {
    condition     = length(module.edge.blocked_paths_rule) == 1 && length(module.internal_alb.blocked_paths_rule) == 0
    error_message = "The public ALB must answer /metrics with 404 itself (the internal one serves only the web tier)."
  }

  assert {
    condition     = output.services["web"].service_name == "lending-staging-web" && output.services["gateway"].service_name == "lending-staging-gateway"
    error_message = "Rolling services keep the plain name."
  }
}

run "canary" {
  command = apply

  variables {
    deployment_strategy = "canary"
  }

  assert {
    condition     = output.services["web"].codedeploy != null && output.services["gateway"].codedeploy != null
    error_message = "canary must deploy web and gateway through CodeDeploy."
  }

  assert {
    condition     = output.services["loan-api"].codedeploy == null && output.services["portfolio-api"].codedeploy == null
    error_message = "The Cloud Map services always roll (CodeDeploy needs a load balancer)."
  }

  assert {
    condition     = length(module.web.canary_alarm_names) == 4 && length(module.gateway.canary_alarm_names) == 4
    error_message = "Each canary service needs 5xx-rate and latency alarms on both target groups."
  }

  assert {
    condition     = module.edge.test_listener_arn != null && length(module.edge.target_groups) == 2
    error_message = "canary needs a second target group and a test listener."
  }

  assert {
    condition     = output.services["web"].service_name == "lending-staging-web-bg" && output.services["gateway"].service_name == "lending-staging-gateway-bg"
    error_message = "CodeDeploy services are named <name>-bg, so a strategy switch never re-creates a service under a name ECS still holds."
  }

  assert {
    condition     = output.services["loan-api"].service_name == "lending-staging-loan-api"
    error_message = "The Cloud Map services always roll and keep their name."
  }
}

run "image_override_pins_a_digest" {
  command = plan

  variables {
    image_overrides = { web = "sha256:0000000000000000000000000000000000000000000000000000000000000000" }
  }

  assert {
    condition     = module.web.configuration.image == "123456789012.dkr.ecr.us-east-1.amazonaws.com/lending/web@sha256:0000000000000000000000000000000000000000000000000000000000000000"
    error_message = "A digest override must pin the image by digest."
  }

  assert {
    condition     = module.gateway.configuration.image == "123456789012.dkr.ecr.us-east-1.amazonaws.com/lending/gateway:0123abc"
    error_message = "Services without an override keep image_tag."
  }
}

run "prod_requires_multi_az" {
  command = plan

  variables {
    environment = "prod"
    db_multi_az = false
  }

  expect_failures = [var.db_multi_az]
}

run "prod_requires_deletion_protection" {
  command = plan

  variables {
    environment         = "prod"
    db_multi_az         = true
    deletion_protection = false
  }

  expect_failures = [var.deletion_protection]
}

run "latest_is_not_a_version" {
  command = plan

  variables {
    image_tag = "latest"
  }

  expect_failures = [var.image_tag]
}
