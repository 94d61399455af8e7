# ECR: immutable tags, scan on push, a customer-managed key and a lifecycle policy on every
# repository.

mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  name_prefix = "lending"
}

run "repositories" {
  command = plan

  assert {
    condition     = toset(keys(aws_ecr_repository.this)) == toset(["loan-api", "portfolio-api", "gateway", "web", "edge", "internal"])
    error_message = "There must be one repository per image."
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.image_tag_mutability == "IMMUTABLE"])
    error_message = "ECR tags must be IMMUTABLE."
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.image_scanning_configuration[0].scan_on_push])
    error_message = "ECR must scan images on push."
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.encryption_configuration[0].encryption_type == "KMS"])
    error_message = "Repositories must be encrypted with the KMS key."
  }

  assert {
    condition     = length(aws_ecr_lifecycle_policy.this) == length(aws_ecr_repository.this)
    error_message = "Every repository needs a lifecycle policy."
  }

  assert {
    condition     = jsondecode(aws_ecr_lifecycle_policy.this["web"].policy).rules[1].selection.countNumber == 100
    error_message = "The lifecycle policy must keep keep_images images."
  }
}
