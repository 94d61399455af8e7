variable "aws_region" {
  description = "Region of the state bucket and the registry (the environments' region)."
  type        = string
}

variable "aws_account_id" {
  description = "The account being bootstrapped."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.aws_account_id))
    error_message = "aws_account_id must be 12 digits."
  }
}

variable "project" {
  description = "Project name: prefix of the bucket, roles and repositories."
  type        = string
  default     = "lending"
}

variable "state_bucket_name" {
  description = "Name of the Terraform state bucket; null means <project>-tfstate-<account id>."
  type        = string
  default     = null
}

variable "github_repository" {
  description = "The GitHub repository (owner/name) whose workflows may assume the CI roles."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name."
  }
}

variable "deploy_environments" {
  description = "GitHub environment => the infra/envs directory (the stack's environment) it deploys. Each gets a deploy role trusted only by environment:<name> and a read-only plan role trusted only by environment:<name>-plan, as deploy.yml uses them. In one account per environment, list only that account's environment."
  type        = map(string)
  default = {
    staging    = "staging"
    production = "prod"
  }

  validation {
    condition     = alltrue([for env in values(var.deploy_environments) : contains(["dev", "staging", "prod"], env)])
    error_message = "Each deploy environment must deploy dev, staging or prod (an infra/envs directory)."
  }

  validation {
    condition     = alltrue([for name in keys(var.deploy_environments) : can(regex("^[a-z][a-z0-9-]{0,20}$", name)) && !endswith(name, "-plan")])
    error_message = "GitHub environment names must be lower-case letters, digits and dashes (at most 21), not ending in -plan (the plan environments add that)."
  }
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub OIDC provider; false when the account already has one (there can be only one per URL)."
  type        = bool
  default     = true
}

variable "images" {
  description = "Images that get an ECR repository."
  type        = set(string)
  default     = ["loan-api", "portfolio-api", "gateway", "web", "edge", "internal"]
}
