# Replace with the real account and repository before the first apply (docs/deploy.md).
aws_region        = "us-east-1"
aws_account_id    = "123456789012"
github_repository = "lending-workload/lending-workload"
