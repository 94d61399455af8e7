# An environment of the lending workload. This file, versions.tf, variables.tf and outputs.tf
# are identical in every infra/envs/* directory (scripts/check-infra.sh checks it); the
# environments differ only in terraform.tfvars and backend.hcl.

module "stack" {
  source = "../../modules/stack"

  project     = var.project
  environment = var.environment

  vpc_cidr                   = var.vpc_cidr
  az_count                   = var.az_count
  single_nat_gateway         = var.single_nat_gateway
  enable_interface_endpoints = var.enable_interface_endpoints
  task_internet_egress       = var.task_internet_egress

  domain_name             = var.domain_name
  gateway_domain_name     = var.gateway_domain_name
  public_zone_id          = var.public_zone_id
  certificate_arn         = var.certificate_arn
  gateway_certificate_arn = var.gateway_certificate_arn
  ssl_policy              = var.ssl_policy
  enable_waf              = var.enable_waf

  iam_permissions_boundary = var.iam_permissions_boundary

  image_registry   = var.image_registry
  image_tag        = var.image_tag
  image_overrides  = var.image_overrides
  cpu_architecture = var.cpu_architecture
  service_sizes    = var.service_sizes

  deployment_strategy = var.deployment_strategy
  canary              = var.canary
  drain_seconds       = var.drain_seconds

  db_instance_class        = var.db_instance_class
  db_multi_az              = var.db_multi_az
  db_allocated_storage_gb  = var.db_allocated_storage_gb
  db_backup_retention_days = var.db_backup_retention_days
  db_performance_insights  = var.db_performance_insights
  deletion_protection      = var.deletion_protection

  log_retention_days          = var.log_retention_days
  alarm_email                 = var.alarm_email
  rust_log                    = var.rust_log
  otel_exporter_otlp_endpoint = var.otel_exporter_otlp_endpoint
  db_bootstrap_image          = var.db_bootstrap_image
  force_destroy_logs_bucket   = var.force_destroy_logs_bucket
}
