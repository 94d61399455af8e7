variable "name" {
  description = "The service's name, which is also its Dockerfile target, its binary (/usr/local/bin/<name>) and its Cloud Map name: loan-api, portfolio-api, gateway or web."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.name))
    error_message = "name must be lower-case letters, digits and dashes, 2 to 21 characters."
  }
}

variable "name_prefix" {
  description = "Prefix for AWS resource names, such as lending-staging."
  type        = string
}

variable "cluster_arn" {
  description = "The ECS cluster the service runs in."
  type        = string
}

variable "cluster_name" {
  description = "The ECS cluster's name (autoscaling and CodeDeploy address the service by it)."
  type        = string
}

variable "image" {
  description = "The container image, repository:tag or repository@sha256:digest. ECR tags are immutable, so a tag names one digest."
  type        = string
}

variable "container_port" {
  description = "The port the service listens on; also passed to it as PORT."
  type        = number

  validation {
    condition     = var.container_port >= 1024 && var.container_port <= 65535
    error_message = "container_port must be 1024-65535: the containers run as a non-root user."
  }
}

variable "user" {
  description = "uid:gid the container runs as. The images' distroless nonroot user is 65532."
  type        = string
  default     = "65532:65532"

  validation {
    condition     = can(regex("^[1-9][0-9]*(:[1-9][0-9]*)?$", var.user))
    error_message = "user must be a numeric, non-root uid[:gid] (not 0, not a name)."
  }
}

variable "cpu" {
  description = "Task CPU units (1024 = 1 vCPU)."
  type        = number
  default     = 256

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.cpu)
    error_message = "cpu must be a Fargate size: 256, 512, 1024, 2048 or 4096."
  }
}

variable "memory" {
  description = "Task memory in MiB; must be a valid Fargate combination with cpu (256 CPU: 512-2048)."
  type        = number
  default     = 512

  # Fargate rejects other combinations only at apply time; say so at plan time.
  validation {
    condition = (
      (var.cpu == 256 && contains([512, 1024, 2048], var.memory))
      || (var.cpu == 512 && var.memory >= 1024 && var.memory <= 4096 && var.memory % 1024 == 0)
      || (var.cpu == 1024 && var.memory >= 2048 && var.memory <= 8192 && var.memory % 1024 == 0)
      || (var.cpu == 2048 && var.memory >= 4096 && var.memory <= 16384 && var.memory % 1024 == 0)
      || (var.cpu == 4096 && var.memory >= 8192 && var.memory <= 30720 && var.memory % 1024 == 0)
    )
    error_message = "memory is not a Fargate size for this cpu (256: 512/1024/2048; 512: 1-4 GiB; 1024: 2-8 GiB; 2048: 4-16 GiB; 4096: 8-30 GiB, in whole GiB)."
  }
}

variable "cpu_architecture" {
  description = "X86_64, or ARM64 (Graviton, about 20% cheaper) when the images are built for arm64."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "desired_count" {
  description = "Tasks at creation. Autoscaling owns the count afterwards (Terraform ignores later changes)."
  type        = number
  default     = 2
}

variable "autoscaling" {
  description = "Target-tracking autoscaling: task bounds and the average CPU %, memory % and ALB requests per target per minute to hold."
  type = object({
    min_capacity        = number
    max_capacity        = number
    cpu_target          = optional(number, 60)
    memory_target       = optional(number, 75)
    requests_per_target = optional(number, 1000)
    scale_in_cooldown   = optional(number, 300)
    scale_out_cooldown  = optional(number, 60)
  })

  validation {
    condition     = var.autoscaling.min_capacity >= 1 && var.autoscaling.max_capacity >= var.autoscaling.min_capacity
    error_message = "autoscaling needs 1 <= min_capacity <= max_capacity."
  }
}

variable "command" {
  description = "The container's command (the image's entrypoint is the binary): serve."
  type        = list(string)
  default     = ["serve"]
}

variable "environment" {
  description = "Plain environment variables. Nothing secret: passwords, keys and secrets go in secrets."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.environment) : !can(regex("PASSWORD|SECRET|API_KEY|TOKEN", k))])
    error_message = "environment must not carry secrets (a name contains PASSWORD, SECRET, API_KEY or TOKEN): pass it through secrets."
  }
}

variable "secrets" {
  description = "Environment variables filled from Secrets Manager at task start: name => { arn, key } (key picks a field of a JSON secret, such as password)."
  type = map(object({
    arn = string
    key = optional(string)
  }))
  default = {}
}

variable "secrets_kms_key_arn" {
  description = "KMS key the secrets are encrypted with; the execution role may decrypt with it."
  type        = string
}

variable "vpc_id" {
  description = "The VPC of the tasks' security group."
  type        = string
}

variable "vpc_cidr_block" {
  description = "The VPC's range: tasks may open connections inside it (database, other services, endpoints)."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the tasks. Tasks never get a public IP."
  type        = list(string)
}

variable "s3_prefix_list_id" {
  description = "Prefix list of the VPC's S3 gateway endpoint; tasks may reach it on 443 to pull image layers."
  type        = string
}

variable "allow_internet_egress" {
  description = "Let tasks open HTTPS connections to the internet (through NAT). Needed only without VPC interface endpoints or for an OTLP endpoint outside the VPC."
  type        = bool
  default     = false
}

variable "ingress_security_group_ids" {
  description = "The only security groups allowed to reach the container port: the ALB's for web and gateway, the gateway's for the APIs. Keyed by a name known at plan time."
  type        = map(string)

  validation {
    condition     = length(var.ingress_security_group_ids) > 0
    error_message = "At least one source security group is needed; tasks never accept traffic from CIDR ranges."
  }
}

variable "load_balancer" {
  description = "The ALB target groups the service registers in (blue; green only for canary), their ALB's metric suffix, and the listeners CodeDeploy shifts. null for services reached through Cloud Map only."
  type = object({
    alb_arn_suffix                    = string
    target_groups                     = map(object({ arn = string, arn_suffix = string, name = string }))
    prod_listener_arn                 = string
    test_listener_arn                 = optional(string)
    health_check_grace_period_seconds = optional(number, 60)
  })
  default = null
}

variable "service_discovery" {
  description = "Register the tasks as <name>.<namespace> in this Cloud Map private DNS namespace ({ namespace_id }), or null. Needs the ECS deployment controller (rolling)."
  type = object({
    namespace_id = string
  })
  default = null
}

variable "drain_seconds" {
  description = "How long the service drains in-flight requests after SIGTERM (its SHUTDOWN_GRACE_SECONDS). ECS waits this plus a margin before SIGKILL."
  type        = number
  default     = 20

  validation {
    condition     = var.drain_seconds >= 0 && var.drain_seconds <= 100
    error_message = "drain_seconds must be 0-100: Fargate kills a container at most 120 s after SIGTERM."
  }
}

variable "deployment_strategy" {
  description = "rolling: ECS rolling update with the deployment circuit breaker rolling back; canary: CodeDeploy blue/green shifting traffic in linear steps, rolled back on the new version's 5xx or latency alarm."
  type        = string
  default     = "rolling"

  validation {
    condition     = contains(["rolling", "canary"], var.deployment_strategy)
    error_message = "deployment_strategy must be rolling or canary."
  }
}

variable "canary" {
  description = "Canary settings: percentage of traffic moved per step, minutes between steps, and the new version's thresholds that stop and roll back the deployment."
  type = object({
    step_percentage         = optional(number, 10)
    step_interval_minutes   = optional(number, 1)
    error_rate_percent      = optional(number, 1)
    latency_p95_seconds     = optional(number, 1)
    terminate_after_minutes = optional(number, 5)
  })
  default = {}

  validation {
    condition     = var.canary.step_percentage >= 1 && var.canary.step_percentage <= 100 && var.canary.step_interval_minutes >= 1
    error_message = "canary.step_percentage must be 1-100 and step_interval_minutes at least 1."
  }
}

variable "log_retention_days" {
  description = "Days to keep the service's logs."
  type        = number
  default     = 365
}

variable "kms_key_arn" {
  description = "KMS key for the service's log group."
  type        = string
}

variable "permissions_boundary" {
  description = "ARN of the IAM policy set as the permissions boundary of every role this module creates, or null. The CI deploy roles may only create roles that carry it (infra/bootstrap)."
  type        = string
  default     = null
}
