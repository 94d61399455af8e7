# The four services. What differs between them is only what they are: port, who may call
# them, configuration and secrets, and whether an ALB or a Cloud Map name fronts them.

locals {
  service_defaults = {
    name_prefix         = local.name
    cluster_arn         = aws_ecs_cluster.this.arn
    cluster_name        = aws_ecs_cluster.this.name
    vpc_id              = module.network.vpc_id
    vpc_cidr_block      = module.network.vpc_cidr_block
    subnet_ids          = module.network.private_subnet_ids
    s3_prefix_list_id   = module.network.s3_prefix_list_id
    allow_egress        = var.task_internet_egress || !var.enable_interface_endpoints
    drain_seconds       = var.drain_seconds
    log_retention_days  = var.log_retention_days
    kms_key_arn         = aws_kms_key.this.arn
    secrets_kms_key_arn = aws_kms_key.this.arn
    boundary            = local.permissions_boundary
  }
}

module "loan_api" {
  source = "../service"

  name                       = "loan-api"
  image                      = local.images["loan-api"]
  container_port             = local.ports["loan-api"]
  cpu                        = var.service_sizes["loan-api"].cpu
  memory                     = var.service_sizes["loan-api"].memory
  cpu_architecture           = var.cpu_architecture
  desired_count              = var.service_sizes["loan-api"].min_count
  autoscaling                = { min_capacity = var.service_sizes["loan-api"].min_count, max_capacity = var.service_sizes["loan-api"].max_count }
  ingress_security_group_ids = { gateway = module.gateway.security_group_id }
  service_discovery          = { namespace_id = aws_service_discovery_private_dns_namespace.this.id }

  # Migrations run once per release as a one-off task (`loan-api migrate`), not in every
  # replica racing at start-up; demo data is never loaded outside dev.
  environment = merge(local.common_env, {
    DATABASE_URL     = local.database_url["loans"]
    MIGRATE_ON_START = "false"
    SEED_ON_START    = "false"
  })
  secrets = {
    DATABASE_PASSWORD = { arn = aws_secretsmanager_secret.app["loans-db-password"].arn }
  }

  name_prefix           = local.service_defaults.name_prefix
  cluster_arn           = local.service_defaults.cluster_arn
  cluster_name          = local.service_defaults.cluster_name
  vpc_id                = local.service_defaults.vpc_id
  vpc_cidr_block        = local.service_defaults.vpc_cidr_block
  subnet_ids            = local.service_defaults.subnet_ids
  s3_prefix_list_id     = local.service_defaults.s3_prefix_list_id
  allow_internet_egress = local.service_defaults.allow_egress
  drain_seconds         = local.service_defaults.drain_seconds
  log_retention_days    = local.service_defaults.log_retention_days
  kms_key_arn           = local.service_defaults.kms_key_arn
  secrets_kms_key_arn   = local.service_defaults.secrets_kms_key_arn
  permissions_boundary  = local.service_defaults.boundary
}

module "portfolio_api" {
  source = "../service"

  name                       = "portfolio-api"
  image                      = local.images["portfolio-api"]
  container_port             = local.ports["portfolio-api"]
  cpu                        = var.service_sizes["portfolio-api"].cpu
  memory                     = var.service_sizes["portfolio-api"].memory
  cpu_architecture           = var.cpu_architecture
  desired_count              = var.service_sizes["portfolio-api"].min_count
  autoscaling                = { min_capacity = var.service_sizes["portfolio-api"].min_count, max_capacity = var.service_sizes["portfolio-api"].max_count }
  ingress_security_group_ids = { gateway = module.gateway.security_group_id }
  service_discovery          = { namespace_id = aws_service_discovery_private_dns_namespace.this.id }

  environment = merge(local.common_env, {
    DATABASE_URL     = local.database_url["portfolio"]
    MIGRATE_ON_START = "false"
    SEED_ON_START    = "false"
  })
  secrets = {
    DATABASE_PASSWORD = { arn = aws_secretsmanager_secret.app["portfolio-db-password"].arn }
  }

  name_prefix           = local.service_defaults.name_prefix
  cluster_arn           = local.service_defaults.cluster_arn
  cluster_name          = local.service_defaults.cluster_name
  vpc_id                = local.service_defaults.vpc_id
  vpc_cidr_block        = local.service_defaults.vpc_cidr_block
  subnet_ids            = local.service_defaults.subnet_ids
  s3_prefix_list_id     = local.service_defaults.s3_prefix_list_id
  allow_internet_egress = local.service_defaults.allow_egress
  drain_seconds         = local.service_defaults.drain_seconds
  log_retention_days    = local.service_defaults.log_retention_days
  kms_key_arn           = local.service_defaults.kms_key_arn
  secrets_kms_key_arn   = local.service_defaults.secrets_kms_key_arn
  permissions_boundary  = local.service_defaults.boundary
}

module "gateway" {
  source = "../service"

  name                       = "gateway"
  image                      = local.images["gateway"]
  container_port             = local.ports["gateway"]
  cpu                        = var.service_sizes["gateway"].cpu
  memory                     = var.service_sizes["gateway"].memory
  cpu_architecture           = var.cpu_architecture
  desired_count              = var.service_sizes["gateway"].min_count
  autoscaling                = { min_capacity = var.service_sizes["gateway"].min_count, max_capacity = var.service_sizes["gateway"].max_count }
  ingress_security_group_ids = { internal-alb = module.internal_alb.security_group_id }
  deployment_strategy        = var.deployment_strategy
  canary                     = var.canary
  load_balancer = {
    alb_arn_suffix    = module.internal_alb.arn_suffix
    target_groups     = module.internal_alb.target_groups
    prod_listener_arn = module.internal_alb.https_listener_arn
    test_listener_arn = module.internal_alb.test_listener_arn
  }

  # Every address the Cloud Map names resolve to is a replica the gateway balances over.
  environment = merge(local.common_env, {
    LOAN_API_URL      = "http://loan-api.${local.namespace}:${local.ports["loan-api"]}"
    PORTFOLIO_API_URL = "http://portfolio-api.${local.namespace}:${local.ports["portfolio-api"]}"
  })
  secrets = {
    API_KEYS = { arn = aws_secretsmanager_secret.app["gateway-api-keys"].arn }
  }

  name_prefix           = local.service_defaults.name_prefix
  cluster_arn           = local.service_defaults.cluster_arn
  cluster_name          = local.service_defaults.cluster_name
  vpc_id                = local.service_defaults.vpc_id
  vpc_cidr_block        = local.service_defaults.vpc_cidr_block
  subnet_ids            = local.service_defaults.subnet_ids
  s3_prefix_list_id     = local.service_defaults.s3_prefix_list_id
  allow_internet_egress = local.service_defaults.allow_egress
  drain_seconds         = local.service_defaults.drain_seconds
  log_retention_days    = local.service_defaults.log_retention_days
  kms_key_arn           = local.service_defaults.kms_key_arn
  secrets_kms_key_arn   = local.service_defaults.secrets_kms_key_arn
  permissions_boundary  = local.service_defaults.boundary
}

module "web" {
  source = "../service"

  name                       = "web"
  image                      = local.images["web"]
  container_port             = local.ports["web"]
  cpu                        = var.service_sizes["web"].cpu
  memory                     = var.service_sizes["web"].memory
  cpu_architecture           = var.cpu_architecture
  desired_count              = var.service_sizes["web"].min_count
  autoscaling                = { min_capacity = var.service_sizes["web"].min_count, max_capacity = var.service_sizes["web"].max_count }
  ingress_security_group_ids = { edge-alb = module.edge.security_group_id }
  deployment_strategy        = var.deployment_strategy
  canary                     = var.canary
  load_balancer = {
    alb_arn_suffix    = module.edge.arn_suffix
    target_groups     = module.edge.target_groups
    prod_listener_arn = module.edge.https_listener_arn
    test_listener_arn = module.edge.test_listener_arn
  }

  environment = merge(local.common_env, {
    API_URL       = "https://${var.gateway_domain_name}"
    COOKIE_SECURE = "true"
  })
  # CSRF_SECRET must be shared: with several replicas a form rendered by one is posted to another.
  secrets = {
    API_KEY     = { arn = aws_secretsmanager_secret.app["web-api-key"].arn }
    CSRF_SECRET = { arn = aws_secretsmanager_secret.app["web-csrf-secret"].arn }
  }

  name_prefix           = local.service_defaults.name_prefix
  cluster_arn           = local.service_defaults.cluster_arn
  cluster_name          = local.service_defaults.cluster_name
  vpc_id                = local.service_defaults.vpc_id
  vpc_cidr_block        = local.service_defaults.vpc_cidr_block
  subnet_ids            = local.service_defaults.subnet_ids
  s3_prefix_list_id     = local.service_defaults.s3_prefix_list_id
  allow_internet_egress = local.service_defaults.allow_egress
  drain_seconds         = local.service_defaults.drain_seconds
  log_retention_days    = local.service_defaults.log_retention_days
  kms_key_arn           = local.service_defaults.kms_key_arn
  secrets_kms_key_arn   = local.service_defaults.secrets_kms_key_arn
  permissions_boundary  = local.service_defaults.boundary
}

module "observability" {
  source = "../observability"

  name        = local.name
  kms_key_arn = aws_kms_key.this.arn
  alarm_email = var.alarm_email
  load_balancers = {
    edge     = { arn_suffix = module.edge.arn_suffix, target_groups = { for role, tg in module.edge.target_groups : role => tg.arn_suffix } }
    internal = { arn_suffix = module.internal_alb.arn_suffix, target_groups = { for role, tg in module.internal_alb.target_groups : role => tg.arn_suffix } }
  }
  services = {
    for key, svc in {
      loan-api      = module.loan_api
      portfolio-api = module.portfolio_api
      gateway       = module.gateway
      web           = module.web
    } : key => { cluster_name = aws_ecs_cluster.this.name, service_name = svc.service_name }
  }
  db_instance_identifier = module.database.identifier
}
