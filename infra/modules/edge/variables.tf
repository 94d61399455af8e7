variable "name" {
  description = "Name of the load balancer and prefix of its target groups, such as lending-staging-web. At most 26 characters, because target-group names add -green and may not exceed 32."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,25}$", var.name))
    error_message = "name must be lower-case letters, digits and dashes, 2 to 26 characters."
  }
}

variable "internal" {
  description = "true for an internal ALB (private subnets, no HTTP listener, no WAF); false for the internet-facing edge."
  type        = bool
}

variable "vpc_id" {
  description = "The VPC the load balancer and its target groups belong to."
  type        = string
}

variable "vpc_cidr_block" {
  description = "The VPC's range: the ALB may only talk to targets inside it, and the canary test listener only accepts clients from it."
  type        = string
}

variable "subnet_ids" {
  description = "Subnets for the load balancer, one per zone: public ones for the edge, private ones for an internal ALB."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "An ALB needs subnets in at least two availability zones."
  }
}

variable "certificate_arn" {
  description = "ACM certificate for the HTTPS listener. It must cover the host name clients use (the public domain for the edge, the gateway's name for the internal ALB)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN."
  }
}

variable "ssl_policy" {
  description = "The listener's TLS policy. Only policies that refuse anything older than TLS 1.2 are accepted."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"

  validation {
    condition     = can(regex("^ELBSecurityPolicy-(TLS13-1-[23]-|TLS-1-2-|FS-1-2-)", var.ssl_policy))
    error_message = "ssl_policy must be a TLS 1.2+ policy: ELBSecurityPolicy-TLS13-1-2-*, ELBSecurityPolicy-TLS13-1-3-*, ELBSecurityPolicy-TLS-1-2-* or ELBSecurityPolicy-FS-1-2-*."
  }
}

variable "ingress_cidr_blocks" {
  description = "Client ranges allowed to reach the listeners. The edge uses 0.0.0.0/0; an internal ALB should use ingress_security_group_ids instead."
  type        = list(string)
  default     = []
}

variable "ingress_security_group_ids" {
  description = "Security groups whose members may reach the HTTPS listener, by a name known at plan time (such as web)."
  type        = map(string)
  default     = {}
}

variable "target_port" {
  description = "The container port the target groups send traffic to."
  type        = number

  validation {
    condition     = var.target_port >= 1 && var.target_port <= 65535
    error_message = "target_port must be a TCP port."
  }
}

variable "health_check_path" {
  description = "Readiness path the target groups probe: a task gets traffic only while it answers 200 here."
  type        = string
  default     = "/ready"
}

variable "deregistration_delay_seconds" {
  description = "How long a deregistering target keeps its in-flight requests. Match the services' drain time (SHUTDOWN_GRACE_SECONDS)."
  type        = number

  validation {
    condition     = var.deregistration_delay_seconds >= 0 && var.deregistration_delay_seconds <= 3600
    error_message = "deregistration_delay_seconds must be between 0 and 3600."
  }
}

variable "blue_green" {
  description = "Create a second (green) target group and a test listener, for CodeDeploy blue/green deployments."
  type        = bool
  default     = false
}

variable "test_listener_port" {
  description = "Port of the CodeDeploy test listener, which sends traffic to the replacement task set before it takes production traffic."
  type        = number
  default     = 8443
}

variable "access_logs_bucket" {
  description = "S3 bucket that receives the ALB's access logs."
  type        = string
}

variable "deletion_protection" {
  description = "Refuse to delete the load balancer (set in production; an accidental destroy would change its DNS name)."
  type        = bool
  default     = true
}

variable "idle_timeout_seconds" {
  description = "Idle connection timeout. Keep it above the slowest request the services allow (10 s) and below their keep-alive."
  type        = number
  default     = 60
}

variable "waf" {
  description = "Protect the ALB with a WAF web ACL (AWS managed common and known-bad-inputs rules, and a per-IP rate limit). Meant for the internet-facing edge."
  type = object({
    enabled              = bool
    rate_limit_per_5_min = optional(number, 2000)
    log_retention_days   = optional(number, 365)
    log_kms_key_arn      = optional(string)
  })
  default = { enabled = false }
}

variable "blocked_paths" {
  description = "Path patterns the HTTPS listener answers with 404 itself, never forwarding them (at most 5). The public edge blocks the services' /metrics."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.blocked_paths) <= 5
    error_message = "An ALB path-pattern condition takes at most 5 values."
  }
}
