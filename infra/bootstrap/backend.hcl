# Used after the first apply, to move this root's state into the bucket it created.
bucket       = "lending-tfstate-123456789012"
key          = "bootstrap/terraform.tfstate"
region       = "us-east-1"
encrypt      = true
use_lockfile = true
# The state key this root creates (aws_kms_alias.state): the bucket refuses uploads without it.
kms_key_id = "arn:aws:kms:us-east-1:123456789012:alias/lending-tfstate"
