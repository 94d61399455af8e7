# dev: the smallest complete copy. One NAT gateway, one task per service, a micro database
# without a standby, short log retention, and everything deletable.
environment    = "dev"
aws_region     = "us-east-1"
aws_account_id = "123456789012"

vpc_cidr           = "10.10.0.0/16"
az_count           = 3
single_nat_gateway = true

domain_name         = "app.dev.example.com"
gateway_domain_name = "gateway.dev.example.com"
certificate_arn     = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"

service_sizes = {
  loan-api      = { cpu = 256, memory = 512, min_count = 1, max_count = 2 }
  portfolio-api = { cpu = 256, memory = 512, min_count = 1, max_count = 2 }
  gateway       = { cpu = 256, memory = 512, min_count = 1, max_count = 2 }
  web           = { cpu = 256, memory = 512, min_count = 1, max_count = 2 }
}
deployment_strategy = "rolling"

db_instance_class         = "db.t4g.micro"
db_multi_az               = false
db_backup_retention_days  = 1
db_performance_insights   = false
deletion_protection       = false
force_destroy_logs_bucket = true

log_retention_days = 30
rust_log           = "info,tower_http=debug"
