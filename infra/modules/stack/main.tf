# One environment of the lending workload on ECS Fargate, assembled from the small modules:
#
#   internet ─HTTPS─► edge ALB (WAF) ─► web ─HTTPS─► internal ALB ─► gateway
#   gateway ─► loan-api.<ns>, portfolio-api.<ns> (Cloud Map) ─► RDS PostgreSQL
#
# Every environment root (infra/envs/*) calls this module with nothing but its variables.

data "aws_caller_identity" "current" {}

data "aws_region" "current" {}

locals {
  name      = "${var.project}-${var.environment}"
  namespace = "${var.environment}.${var.project}.internal"
  registry  = coalesce(var.image_registry, "${data.aws_caller_identity.current.account_id}.dkr.ecr.${data.aws_region.current.name}.amazonaws.com/${var.project}")

  # Every role this stack creates carries the boundary infra/bootstrap defines; the CI deploy
  # roles may create roles only with it, so a role they create can never do more than they can.
  permissions_boundary = coalesce(var.iam_permissions_boundary, "arn:aws:iam::${data.aws_caller_identity.current.account_id}:policy/${var.project}-workload-boundary")

  images = {
    for svc in keys(var.service_sizes) : svc => (
      startswith(lookup(var.image_overrides, svc, var.image_tag), "sha256:")
      ? "${local.registry}/${svc}@${var.image_overrides[svc]}"
      : "${local.registry}/${svc}:${lookup(var.image_overrides, svc, var.image_tag)}"
    )
  }

  ports = {
    loan-api      = 8000
    portfolio-api = 8001
    gateway       = 8002
    web           = 3000
  }

  common_env = merge(
    {
      LOG_FORMAT = "json"
      RUST_LOG   = var.rust_log
    },
    var.otel_exporter_otlp_endpoint == null ? {} : { OTEL_EXPORTER_OTLP_ENDPOINT = var.otel_exporter_otlp_endpoint },
  )

  # sslmode=require: RDS enforces TLS (rds.force_ssl). The password is not in the URL; it
  # comes from DATABASE_PASSWORD, a secret.
  database_url = {
    loans     = "postgres://loans@${module.database.address}:${module.database.port}/loans?sslmode=require"
    portfolio = "postgres://portfolio@${module.database.address}:${module.database.port}/portfolio?sslmode=require"
  }
}

resource "aws_ecs_cluster" "this" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_service_discovery_private_dns_namespace" "this" {
  name        = local.namespace
  description = "Service names of ${local.name}: loan-api.${local.namespace}, portfolio-api.${local.namespace}"
  vpc         = module.network.vpc_id
}

module "network" {
  source = "../network"

  name                       = local.name
  cidr_block                 = var.vpc_cidr
  az_count                   = var.az_count
  single_nat_gateway         = var.single_nat_gateway
  enable_interface_endpoints = var.enable_interface_endpoints
  flow_log_retention_days    = var.log_retention_days
  kms_key_arn                = aws_kms_key.this.arn
  permissions_boundary       = local.permissions_boundary
}

module "edge" {
  source = "../edge"

  name                         = "${local.name}-web"
  internal                     = false
  vpc_id                       = module.network.vpc_id
  vpc_cidr_block               = module.network.vpc_cidr_block
  subnet_ids                   = module.network.public_subnet_ids
  certificate_arn              = var.certificate_arn
  ssl_policy                   = var.ssl_policy
  ingress_cidr_blocks          = ["0.0.0.0/0"]
  target_port                  = local.ports["web"]
  deregistration_delay_seconds = var.drain_seconds
  blue_green                   = var.deployment_strategy == "canary"
  access_logs_bucket           = aws_s3_bucket.alb_logs.id
  deletion_protection          = var.deletion_protection
  # Prometheus metrics are for scrapers inside the VPC, not for the internet.
  blocked_paths = ["/metrics", "/metrics/*"]
  waf = {
    enabled            = var.enable_waf
    log_retention_days = var.log_retention_days
    log_kms_key_arn    = aws_kms_key.this.arn
  }

  depends_on = [aws_s3_bucket_policy.alb_logs]
}

module "internal_alb" {
  source = "../edge"

  name                         = "${local.name}-gw"
  internal                     = true
  vpc_id                       = module.network.vpc_id
  vpc_cidr_block               = module.network.vpc_cidr_block
  subnet_ids                   = module.network.private_subnet_ids
  certificate_arn              = coalesce(var.gateway_certificate_arn, var.certificate_arn)
  ssl_policy                   = var.ssl_policy
  ingress_security_group_ids   = { web = module.web.security_group_id }
  target_port                  = local.ports["gateway"]
  deregistration_delay_seconds = var.drain_seconds
  blue_green                   = var.deployment_strategy == "canary"
  access_logs_bucket           = aws_s3_bucket.alb_logs.id
  deletion_protection          = var.deletion_protection

  depends_on = [aws_s3_bucket_policy.alb_logs]
}

# The gateway's name resolves to the internal ALB only inside the VPC.
resource "aws_route53_zone" "gateway" {
  name    = var.gateway_domain_name
  comment = "Private: ${local.name} gateway on the internal ALB"

  vpc {
    vpc_id = module.network.vpc_id
  }
}

resource "aws_route53_record" "gateway" {
  zone_id = aws_route53_zone.gateway.zone_id
  name    = var.gateway_domain_name
  type    = "A"

  alias {
    name                   = module.internal_alb.dns_name
    zone_id                = module.internal_alb.zone_id
    evaluate_target_health = true
  }
}

resource "aws_route53_record" "web" {
  count = var.public_zone_id == null ? 0 : 1

  zone_id = var.public_zone_id
  name    = var.domain_name
  type    = "A"

  alias {
    name                   = module.edge.dns_name
    zone_id                = module.edge.zone_id
    evaluate_target_health = true
  }
}

module "database" {
  source = "../database"

  name                     = local.name
  vpc_id                   = module.network.vpc_id
  subnet_ids               = module.network.database_subnet_ids
  instance_class           = var.db_instance_class
  allocated_storage_gb     = var.db_allocated_storage_gb
  max_allocated_storage_gb = var.db_allocated_storage_gb * 5
  multi_az                 = var.db_multi_az
  backup_retention_days    = var.db_backup_retention_days
  deletion_protection      = var.deletion_protection
  performance_insights     = var.db_performance_insights
  kms_key_arn              = aws_kms_key.this.arn
  log_retention_days       = var.log_retention_days
  permissions_boundary     = local.permissions_boundary
  client_security_group_ids = {
    loan-api      = module.loan_api.security_group_id
    portfolio-api = module.portfolio_api.security_group_id
    db-bootstrap  = aws_security_group.db_bootstrap.id
  }
}
