# staging: production's shape at a smaller size. Placeholders (account, domains, certificate)
# are replaced when the environment is created: docs/deploy.md.
environment    = "staging"
aws_region     = "us-east-1"
aws_account_id = "123456789012"

vpc_cidr           = "10.20.0.0/16"
az_count           = 3
single_nat_gateway = true

domain_name         = "app.staging.example.com"
gateway_domain_name = "gateway.staging.example.com"
certificate_arn     = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"

service_sizes = {
  loan-api      = { cpu = 256, memory = 512, min_count = 2, max_count = 4 }
  portfolio-api = { cpu = 256, memory = 512, min_count = 2, max_count = 4 }
  gateway       = { cpu = 256, memory = 512, min_count = 2, max_count = 4 }
  web           = { cpu = 256, memory = 512, min_count = 2, max_count = 4 }
}
deployment_strategy = "rolling"

db_instance_class        = "db.t4g.small"
db_multi_az              = false
db_backup_retention_days = 7
db_performance_insights  = true
deletion_protection      = true

log_retention_days = 90
