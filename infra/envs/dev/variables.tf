# Variables left null fall back to the stack module's defaults (infra/modules/stack/variables.tf,
# where each is explained); terraform.tfvars sets what this environment changes.

variable "aws_region" {
  description = "AWS region of the environment."
  type        = string
}

variable "aws_account_id" {
  description = "The only AWS account this environment may be applied to."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id must be 12 digits."
  }
}

variable "repository" {
  description = "The source repository, recorded in every resource's Repository tag."
  type        = string
  default     = "lending-workload/lending-workload"
}

variable "project" {
  description = "Project name, the first part of every resource name."
  type        = string
  default     = null
}

variable "environment" {
  description = "dev, staging or prod."
  type        = string
}

variable "vpc_cidr" {
  description = "The VPC's /16."
  type        = string
  default     = null
}

variable "az_count" {
  description = "Availability zones used."
  type        = number
  default     = null
}

variable "single_nat_gateway" {
  description = "One NAT gateway instead of one per zone."
  type        = bool
  default     = null
}

variable "enable_interface_endpoints" {
  description = "VPC interface endpoints for ECR, CloudWatch Logs and Secrets Manager."
  type        = bool
  default     = null
}

variable "task_internet_egress" {
  description = "Let service tasks reach the internet on 443 through NAT (external OTLP endpoint)."
  type        = bool
  default     = null
}

variable "domain_name" {
  description = "Public host name of the web tier."
  type        = string
}

variable "gateway_domain_name" {
  description = "Host name of the gateway on the internal ALB (private DNS)."
  type        = string
}

variable "public_zone_id" {
  description = "Route 53 public zone for the web tier's record, or null."
  type        = string
  default     = null
}

variable "certificate_arn" {
  description = "ACM certificate for domain_name (and gateway_domain_name unless gateway_certificate_arn is set)."
  type        = string
}

variable "gateway_certificate_arn" {
  description = "ACM certificate for gateway_domain_name, or null to use certificate_arn."
  type        = string
  default     = null
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listeners."
  type        = string
  default     = null
}

variable "enable_waf" {
  description = "WAF in front of the public ALB."
  type        = bool
  default     = null
}

variable "image_registry" {
  description = "Registry and namespace of the images, or null for this account's ECR."
  type        = string
  default     = null
}

variable "image_tag" {
  description = "Image tag to deploy (the git SHA CI pushed); passed by the pipeline: -var image_tag=..."
  type        = string
}

variable "image_overrides" {
  description = "Per-service tag or sha256 digest overriding image_tag (single-service rollback)."
  type        = map(string)
  default     = null
}

variable "iam_permissions_boundary" {
  description = "Permissions boundary of every IAM role; null means <project>-workload-boundary (infra/bootstrap)."
  type        = string
  default     = null
}

variable "cpu_architecture" {
  description = "X86_64 or ARM64."
  type        = string
  default     = null
}

variable "service_sizes" {
  description = "Per-service CPU, memory and autoscaling bounds."
  type = map(object({
    cpu       = number
    memory    = number
    min_count = number
    max_count = number
  }))
  default = null
}

variable "deployment_strategy" {
  description = "rolling or canary (web and gateway)."
  type        = string
  default     = null
}

variable "canary" {
  description = "Canary step size, interval and rollback thresholds."
  type = object({
    step_percentage       = optional(number, 10)
    step_interval_minutes = optional(number, 1)
    error_rate_percent    = optional(number, 1)
    latency_p95_seconds   = optional(number, 1)
  })
  default = null
}

variable "drain_seconds" {
  description = "Services' drain time after SIGTERM and the ALB deregistration delay."
  type        = number
  default     = null
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = null
}

variable "db_multi_az" {
  description = "RDS Multi-AZ (required in prod)."
  type        = bool
  default     = null
}

variable "db_allocated_storage_gb" {
  description = "RDS initial storage in GB."
  type        = number
  default     = null
}

variable "db_backup_retention_days" {
  description = "RDS backup retention (point-in-time restore window)."
  type        = number
  default     = null
}

variable "db_performance_insights" {
  description = "RDS Performance Insights."
  type        = bool
  default     = null
}

variable "deletion_protection" {
  description = "Deletion protection of the ALBs and the database (required in prod)."
  type        = bool
  default     = null
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention."
  type        = number
  default     = null
}

variable "alarm_email" {
  description = "E-mail subscribed to the alarms, or null."
  type        = string
  default     = null
}

variable "rust_log" {
  description = "RUST_LOG of the services."
  type        = string
  default     = null
}

variable "otel_exporter_otlp_endpoint" {
  description = "OTLP/HTTP endpoint for traces, or null."
  type        = string
  default     = null
}

variable "db_bootstrap_image" {
  description = "psql image of the db-bootstrap task."
  type        = string
  default     = null
}

variable "force_destroy_logs_bucket" {
  description = "Allow destroying the ALB log bucket with its objects."
  type        = bool
  default     = null
}
