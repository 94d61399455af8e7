variable "name_prefix" {
  description = "Repository namespace, such as lending: repositories are <name_prefix>/<image>."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name_prefix))
    error_message = "name_prefix must be lower-case letters, digits and dashes."
  }
}

variable "images" {
  description = "One repository per image. The four Rust services run on ECS; edge and internal are the nginx tiers of the compose deployment (ALBs replace them on AWS)."
  type        = set(string)
  default     = ["loan-api", "portfolio-api", "gateway", "web", "edge", "internal"]
}

variable "keep_images" {
  description = "How many images each repository keeps (older ones expire). Every image still deployed or needed for a rollback must be among them."
  type        = number
  default     = 100

  validation {
    condition     = var.keep_images >= 10
    error_message = "keep_images must be at least 10, to leave room for rollbacks."
  }
}

variable "untagged_expiry_days" {
  description = "Days after which untagged images (interrupted pushes, layers of multi-arch indexes that lost their tag) are deleted."
  type        = number
  default     = 14
}
