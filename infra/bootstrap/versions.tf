terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # This root creates the state bucket, so its very first apply runs with local state (see
  # docs/deploy.md, step 2) and then moves its state into the bucket:
  #   terraform init -migrate-state -backend-config=backend.hcl
  backend "s3" {}
}

provider "aws" {
  region              = var.aws_region
  allowed_account_ids = [var.aws_account_id]

  default_tags {
    tags = {
      Project     = var.project
      Environment = "shared"
      ManagedBy   = "terraform"
      Repository  = var.github_repository
    }
  }
}
