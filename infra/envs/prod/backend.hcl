# terraform init -backend-config=backend.hcl
# The bucket is created by infra/bootstrap (its state_bucket output).
bucket       = "lending-tfstate-123456789012"
key          = "envs/prod/terraform.tfstate"
region       = "us-east-1"
encrypt      = true
use_lockfile = true
# State and lock file encrypted with the state key (infra/bootstrap): the bucket refuses
# uploads without SSE-KMS, so this line is required, not optional.
kms_key_id = "arn:aws:kms:us-east-1:123456789012:alias/lending-tfstate"
