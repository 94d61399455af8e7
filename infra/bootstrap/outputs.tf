output "state_bucket" {
  description = "The Terraform state bucket: put it in every backend.hcl."
  value       = aws_s3_bucket.state.id
}

output "registry" {
  description = "Registry and namespace the images are pushed to: <registry>/<image>:<git sha>."
  value       = module.registry.registry
}

output "repository_urls" {
  description = "ECR repository URLs by image."
  value       = module.registry.repository_urls
}

output "ecr_push_role_arn" {
  description = "Role images.yml assumes to push to ECR: the repository variable AWS_ECR_ROLE_ARN."
  value       = aws_iam_role.ecr_push.arn
}

output "deploy_role_arns" {
  description = "Role each GitHub environment's deploy job assumes, by GitHub environment."
  value       = { for env, role in aws_iam_role.deploy : env => role.arn }
}

output "plan_role_arns" {
  description = "Read-only role each <environment>-plan GitHub environment's plan job assumes, by deploy environment."
  value       = { for env, role in aws_iam_role.plan : env => role.arn }
}

output "workload_boundary_arn" {
  description = "Permissions boundary every role of the stack carries (infra/modules/stack's default)."
  value       = aws_iam_policy.workload_boundary.arn
}

output "github_variables" {
  description = "The GitHub Actions variables to set, exactly as the workflows read them (docs/ci.md, \"Setting up the repository\"): repository variables, and per GitHub environment."
  value = {
    repository = {
      AWS_REGION            = var.aws_region
      AWS_ECR_ROLE_ARN      = aws_iam_role.ecr_push.arn
      ECR_REPOSITORY_PREFIX = var.project
    }
    environments = merge(
      { for env, role in aws_iam_role.deploy : env => { AWS_ROLE_ARN = role.arn, AWS_REGION = var.aws_region } },
      { for env, role in aws_iam_role.plan : "${env}-plan" => { AWS_ROLE_ARN = role.arn, AWS_REGION = var.aws_region } },
    )
  }
}
