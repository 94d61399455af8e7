variable "name" {
  description = "Prefix of alarm, topic and dashboard names, such as lending-staging."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key for the SNS topic. Its policy must let CloudWatch use it, or alarms cannot publish."
  type        = string
}

variable "alarm_email" {
  description = "Address subscribed to the alarm topic (confirm the e-mail AWS sends), or null to subscribe something else later (chat, paging)."
  type        = string
  default     = null
}

variable "load_balancers" {
  description = "ALBs to watch, keyed by a plan-time name (edge, internal): the ALB's ARN suffix and its target groups' ARN suffixes by role (blue, green)."
  type = map(object({
    arn_suffix    = string
    target_groups = map(string)
  }))
}

variable "services" {
  description = "ECS services to watch, keyed by service name, with their cluster name and ECS service name. The cluster must have Container Insights on (running-task alarms)."
  type = map(object({
    cluster_name = string
    service_name = string
  }))
}

variable "db_instance_identifier" {
  description = "The RDS instance to watch."
  type        = string
}

variable "thresholds" {
  description = "Alarm thresholds: 5xx (from the ALB itself or the targets) per 5 minutes, p95 latency in seconds, ECS CPU and memory %, RDS CPU % and free storage in GB."
  type = object({
    http_5xx_per_5_min  = optional(number, 10)
    latency_p95_seconds = optional(number, 1)
    ecs_cpu_percent     = optional(number, 85)
    ecs_memory_percent  = optional(number, 85)
    rds_cpu_percent     = optional(number, 80)
    rds_free_storage_gb = optional(number, 5)
  })
  default = {}
}
