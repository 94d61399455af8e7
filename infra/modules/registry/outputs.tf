output "repository_urls" {
  description = "Repository URLs by image name (push to <url>:<git sha>)."
  value       = { for name, repo in aws_ecr_repository.this : name => repo.repository_url }
}

output "repository_arns" {
  description = "Repository ARNs by image name, for IAM policies."
  value       = { for name, repo in aws_ecr_repository.this : name => repo.arn }
}

output "registry" {
  description = "The registry host and namespace, <account>.dkr.ecr.<region>.amazonaws.com/<name_prefix>."
  value       = "${split("/", values(aws_ecr_repository.this)[0].repository_url)[0]}/${var.name_prefix}"
}

output "kms_key_arn" {
  description = "The repositories' KMS key (infra/bootstrap keeps the CI roles from disabling or deleting it)."
  value       = aws_kms_key.this.arn
}
