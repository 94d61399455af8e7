variable "name" {
  description = "Identifier of the DB instance and prefix of its companions, such as lending-staging."
  type        = string
}

variable "vpc_id" {
  description = "The VPC of the database's security group."
  type        = string
}

variable "subnet_ids" {
  description = "Isolated database subnets, in at least two zones."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "RDS needs subnets in at least two availability zones."
  }
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect on 5432, keyed by a name known at plan time (loan-api, portfolio-api, db-bootstrap)."
  type        = map(string)
}

variable "engine_version" {
  description = "PostgreSQL major version (RDS picks the current minor; minor upgrades apply in the maintenance window). Matches the compose stack's postgres:15."
  type        = string
  default     = "15"

  validation {
    condition     = can(regex("^1[5-7]$", var.engine_version))
    error_message = "engine_version must be a PostgreSQL major version from 15 to 17."
  }
}

variable "instance_class" {
  description = "DB instance class, such as db.t4g.micro (dev), db.t4g.small (staging), db.m7g.large (prod)."
  type        = string

  validation {
    condition     = startswith(var.instance_class, "db.")
    error_message = "instance_class must be an RDS class such as db.t4g.small."
  }
}

variable "allocated_storage_gb" {
  description = "Initial gp3 storage in GB."
  type        = number
  default     = 20

  validation {
    condition     = var.allocated_storage_gb >= 20
    error_message = "allocated_storage_gb must be at least 20 (gp3 minimum)."
  }
}

variable "max_allocated_storage_gb" {
  description = "Storage autoscaling ceiling in GB."
  type        = number
  default     = 100
}

variable "multi_az" {
  description = "A synchronous standby in a second zone with automatic failover."
  type        = bool
}

variable "backup_retention_days" {
  description = "Days of automated backups, which is also how far back point-in-time restore reaches."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be 1-35 (0 would disable backups and point-in-time restore)."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the instance."
  type        = bool
  default     = true
}

variable "performance_insights" {
  description = "Enable Performance Insights (7 days free). Not available on the smallest burstable classes."
  type        = bool
  default     = true
}

variable "master_username" {
  description = "The master user. Used only to create the per-service roles; the services never log in as it."
  type        = string
  default     = "lending_admin"
}

variable "kms_key_arn" {
  description = "KMS key for storage, the master password secret and Performance Insights."
  type        = string
}

variable "log_retention_days" {
  description = "Days to keep the PostgreSQL logs exported to CloudWatch."
  type        = number
  default     = 365
}

variable "permissions_boundary" {
  description = "ARN of the IAM policy set as the permissions boundary of the enhanced-monitoring role, or null."
  type        = string
  default     = null
}
