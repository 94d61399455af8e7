# prod: a NAT gateway per zone, larger tasks with room to scale, a Multi-AZ database with two
# weeks of point-in-time restore, deletion protection, a year of logs.
environment    = "prod"
aws_region     = "us-east-1"
aws_account_id = "123456789012"

vpc_cidr           = "10.30.0.0/16"
az_count           = 3
single_nat_gateway = false

domain_name         = "app.example.com"
gateway_domain_name = "gateway.prod.example.com"
certificate_arn     = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"

service_sizes = {
  loan-api      = { cpu = 512, memory = 1024, min_count = 3, max_count = 12 }
  portfolio-api = { cpu = 512, memory = 1024, min_count = 3, max_count = 12 }
  gateway       = { cpu = 512, memory = 1024, min_count = 3, max_count = 12 }
  web           = { cpu = 512, memory = 1024, min_count = 3, max_count = 12 }
}
# "canary" switches web and gateway to CodeDeploy blue/green with linear traffic shifting and
# alarm-driven rollback (docs/deploy.md, "Canary deployments").
deployment_strategy = "rolling"
canary = {
  step_percentage       = 10
  step_interval_minutes = 2
  error_rate_percent    = 1
  latency_p95_seconds   = 1
}

db_instance_class        = "db.m7g.large"
db_multi_az              = true
db_allocated_storage_gb  = 50
db_backup_retention_days = 14
db_performance_insights  = true
deletion_protection      = true

log_retention_days = 365
alarm_email        = "oncall@example.com"
