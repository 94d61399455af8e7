variable "project" {
  description = "Project name, the first part of every resource name."
  type        = string
  default     = "lending"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,11}$", var.project))
    error_message = "project must be 2-12 lower-case letters and digits (names such as <project>-staging-portfolio-api must stay short)."
  }
}

variable "environment" {
  description = "The environment this stack is: dev, staging or prod."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}

variable "vpc_cidr" {
  description = "The VPC's /16. Keep it inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16: the gateway trusts X-Forwarded-For only from those (its built-in trusted_proxies)."
  type        = string
  default     = "10.0.0.0/16"
  nullable    = false
}

variable "az_count" {
  description = "Availability zones to spread subnets, NAT gateways and tasks over."
  type        = number
  default     = 3
  nullable    = false
}

variable "single_nat_gateway" {
  description = "One NAT gateway instead of one per zone: cheaper, but a zone outage cuts egress everywhere."
  type        = bool
  default     = false
  nullable    = false
}

variable "enable_interface_endpoints" {
  description = "VPC interface endpoints for ECR, CloudWatch Logs and Secrets Manager."
  type        = bool
  default     = true
  nullable    = false
}

variable "task_internet_egress" {
  description = "Let service tasks open HTTPS connections to the internet through NAT, such as to an OTLP endpoint outside the VPC. Always on when enable_interface_endpoints is false (ECR, logs and secrets are then reached through NAT)."
  type        = bool
  default     = false
  nullable    = false
}

variable "domain_name" {
  description = "The public host name of the web tier, such as app.staging.example.com."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9-]+\\.)+[a-z]{2,}$", var.domain_name))
    error_message = "domain_name must be a lower-case DNS name."
  }
}

variable "gateway_domain_name" {
  description = "The gateway's host name on the internal ALB, such as gateway.staging.example.com. It resolves only inside the VPC (a private hosted zone), but the certificate must cover it."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9-]+\\.)+[a-z]{2,}$", var.gateway_domain_name))
    error_message = "gateway_domain_name must be a lower-case DNS name."
  }
}

variable "public_zone_id" {
  description = "Route 53 public hosted zone to create the web tier's alias record in, or null to create the record elsewhere (see the alb_dns_name output)."
  type        = string
  default     = null
}

variable "certificate_arn" {
  description = "ACM certificate (in this region) for domain_name; validated by DNS."
  type        = string
}

variable "gateway_certificate_arn" {
  description = "ACM certificate for gateway_domain_name, or null when certificate_arn covers it too (one certificate with both names)."
  type        = string
  default     = null
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listeners (TLS 1.2 and 1.3 only)."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  nullable    = false
}

variable "iam_permissions_boundary" {
  description = "ARN of the permissions boundary every IAM role of the stack carries; null means the <project>-workload-boundary policy of this account, which infra/bootstrap creates (its deploy roles may only create roles with that boundary)."
  type        = string
  default     = null
}

variable "image_registry" {
  description = "Where the images are, <registry host>/<namespace>; null means this account's ECR in this region under <project>/ (as infra/bootstrap creates it)."
  type        = string
  default     = null
}

variable "image_tag" {
  description = "The image tag every service runs, normally the git commit SHA that CI pushed. ECR tags are immutable, so a tag names exactly one digest."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "image_tag must be a valid, specific image tag (not latest)."
  }
}

variable "image_overrides" {
  description = "Per service, a different tag or a digest (sha256:…) than image_tag: to roll one service back, or to pin it by digest."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k in keys(var.image_overrides) : contains(["loan-api", "portfolio-api", "gateway", "web"], k)])
    error_message = "image_overrides keys must be service names: loan-api, portfolio-api, gateway, web."
  }

  validation {
    condition     = alltrue([for v in values(var.image_overrides) : can(regex("^(sha256:[0-9a-f]{64}|[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$", v)) && v != "latest"])
    error_message = "image_overrides values must be an image tag (not latest) or a digest sha256:<64 hex digits>."
  }
}

variable "cpu_architecture" {
  description = "X86_64, or ARM64 when the images are built for arm64 (Graviton Fargate is about 20% cheaper)."
  type        = string
  default     = "X86_64"
  nullable    = false
}

variable "service_sizes" {
  description = "Per service: task CPU units and memory (MiB), and autoscaling bounds. The first deployment starts min_count tasks."
  type = map(object({
    cpu       = number
    memory    = number
    min_count = number
    max_count = number
  }))
  default = {
    loan-api      = { cpu = 256, memory = 512, min_count = 2, max_count = 6 }
    portfolio-api = { cpu = 256, memory = 512, min_count = 2, max_count = 6 }
    gateway       = { cpu = 256, memory = 512, min_count = 2, max_count = 6 }
    web           = { cpu = 256, memory = 512, min_count = 2, max_count = 6 }
  }
  nullable = false

  validation {
    condition     = sort(keys(var.service_sizes)) == sort(["loan-api", "portfolio-api", "gateway", "web"])
    error_message = "service_sizes must have exactly loan-api, portfolio-api, gateway and web."
  }
}

variable "deployment_strategy" {
  description = "How web and gateway (the ALB-fronted services) deploy: rolling (ECS rolling update, circuit breaker rolls back) or canary (CodeDeploy blue/green in linear steps, alarms roll back). loan-api and portfolio-api are reached through Cloud Map and always roll."
  type        = string
  default     = "rolling"
  nullable    = false

  validation {
    condition     = contains(["rolling", "canary"], var.deployment_strategy)
    error_message = "deployment_strategy must be rolling or canary."
  }
}

variable "canary" {
  description = "Canary steps and rollback thresholds (only with deployment_strategy = canary)."
  type = object({
    step_percentage       = optional(number, 10)
    step_interval_minutes = optional(number, 1)
    error_rate_percent    = optional(number, 1)
    latency_p95_seconds   = optional(number, 1)
  })
  default  = {}
  nullable = false
}

variable "drain_seconds" {
  description = "SHUTDOWN_GRACE_SECONDS of every service, and the target groups' deregistration delay, so the ALB stops routing to a task no later than it stops serving."
  type        = number
  default     = 20
  nullable    = false
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
  default     = "db.t4g.small"
  nullable    = false
}

variable "db_multi_az" {
  description = "RDS Multi-AZ (a standby in another zone). Required in prod."
  type        = bool
  default     = false
  nullable    = false

  validation {
    condition     = var.environment != "prod" || var.db_multi_az
    error_message = "prod must run the database Multi-AZ (db_multi_az = true)."
  }
}

variable "db_allocated_storage_gb" {
  description = "RDS initial storage (gp3, GB); storage autoscales to five times this."
  type        = number
  default     = 20
  nullable    = false
}

variable "db_backup_retention_days" {
  description = "RDS automated backup retention, which is the point-in-time restore window."
  type        = number
  default     = 7
  nullable    = false
}

variable "db_performance_insights" {
  description = "RDS Performance Insights (not available on db.t4g.micro)."
  type        = bool
  default     = true
  nullable    = false
}

variable "deletion_protection" {
  description = "Protect the ALBs and the database from deletion. Required in prod."
  type        = bool
  default     = true
  nullable    = false

  validation {
    condition     = var.environment != "prod" || var.deletion_protection
    error_message = "prod must keep deletion_protection on."
  }
}

variable "log_retention_days" {
  description = "Retention of every CloudWatch log group (services, flow logs, WAF, RDS)."
  type        = number
  default     = 365
  nullable    = false
}

variable "enable_waf" {
  description = "Put a WAF web ACL in front of the public ALB."
  type        = bool
  default     = true
  nullable    = false
}

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic, or null."
  type        = string
  default     = null
}

variable "rust_log" {
  description = "RUST_LOG of every service."
  type        = string
  default     = "info"
  nullable    = false
}

variable "otel_exporter_otlp_endpoint" {
  description = "OTEL_EXPORTER_OTLP_ENDPOINT for every service (an OTLP/HTTP collector, such as an ADOT sidecar or gateway); null leaves tracing export off."
  type        = string
  default     = null
}

variable "db_bootstrap_image" {
  description = "Image with psql for the one-off db-bootstrap task that creates the per-service roles and databases (pulled through the NAT gateway)."
  type        = string
  default     = "public.ecr.aws/docker/library/postgres:15-alpine"
  nullable    = false
}

variable "force_destroy_logs_bucket" {
  description = "Let terraform destroy delete the ALB access-log bucket with its objects (dev only)."
  type        = bool
  default     = false
  nullable    = false
}
