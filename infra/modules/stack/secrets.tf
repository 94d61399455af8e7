# Application secrets. Terraform creates the secrets but never their values, so no password
# or key ever lands in Terraform state or in a plan; docs/deploy.md shows how to put them.
# The RDS master password is separate: RDS generates and rotates it (manage_master_user_password).

locals {
  app_secrets = {
    loans-db-password     = "Password of the loans database role (loan-api's DATABASE_PASSWORD)."
    portfolio-db-password = "Password of the portfolio database role (portfolio-api's DATABASE_PASSWORD)."
    gateway-api-keys      = "The gateway's API keys as id:sha256hex:scope+scope,... (its API_KEYS); include the web tier's key with loans:write."
    web-api-key           = "The web tier's own API key (its API_KEY), whose SHA-256 is in gateway-api-keys."
    web-csrf-secret       = "Signs the web tier's CSRF tokens (its CSRF_SECRET), 32+ characters, shared by all replicas."
  }
}

resource "aws_secretsmanager_secret" "app" {
  #checkov:skip=CKV2_AWS_57:Rotating these needs coordinated changes (role password plus restart, key hash in the gateway plus the web tier); docs/deploy.md describes the manual rotation. The RDS master secret rotates automatically.
  for_each = local.app_secrets

  name                    = "${local.name}/${each.key}"
  description             = each.value
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = 7
}
