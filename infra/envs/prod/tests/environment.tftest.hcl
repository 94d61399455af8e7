# Plans this environment with its own terraform.tfvars on a fake AWS: the values are valid
# together, and the environment meets its floor (production: Multi-AZ, deletion protection).
# Identical in every infra/envs/* directory.

mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  image_tag = "0123abc"
}

run "plan_with_this_environments_tfvars" {
  command = plan

  assert {
    condition     = output.database_posture.storage_encrypted
    error_message = "The database must be encrypted in every environment."
  }

  assert {
    condition     = var.environment != "prod" || (output.database_posture.multi_az && output.database_posture.deletion_protection)
    error_message = "prod must run the database Multi-AZ with deletion protection."
  }

  assert {
    condition     = var.environment != "prod" || output.database_posture.backup_retention_days >= 7
    error_message = "prod needs at least a week of point-in-time restore."
  }
}
