# What an AWS account needs once, before any environment: the Terraform state bucket, the ECR
# repositories every environment pulls from (one image, promoted by digest from dev to prod),
# and the roles GitHub Actions assumes through OIDC (no long-lived access keys).

locals {
  state_bucket = coalesce(var.state_bucket_name, "${var.project}-tfstate-${var.aws_account_id}")
  github_oidc  = "token.actions.githubusercontent.com"
  oidc_arn = (var.create_github_oidc_provider
    ? aws_iam_openid_connect_provider.github[0].arn
  : "arn:aws:iam::${var.aws_account_id}:oidc-provider/${local.github_oidc}")

  # GitHub environment (deploy.yml's inputs.environment) => the infra/envs directory it deploys,
  # which is also the stack's `environment`: its resources are named <project>-<env>-*.
  deploy_environments = var.deploy_environments
  state_prefix        = { for gh, env in local.deploy_environments : gh => "envs/${env}/" }
}

module "registry" {
  source = "../modules/registry"

  name_prefix = var.project
  images      = var.images
}

# --- Terraform state: versioned, KMS-encrypted, private, TLS only. Locking uses S3 lock files
# (use_lockfile), so no DynamoDB table.

data "aws_iam_policy_document" "state_kms" {
  #checkov:skip=CKV_AWS_109:In a key policy Resource "*" means this key; administration is delegated to this account's IAM only.
  #checkov:skip=CKV_AWS_111:In a key policy Resource "*" means this key; use is delegated to this account's IAM only.
  #checkov:skip=CKV_AWS_356:In a key policy Resource "*" means this key, not every resource.
  statement {
    sid       = "AccountAdministersKeyThroughIam"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${var.aws_account_id}:root"]
    }
  }
}

resource "aws_kms_key" "state" {
  description         = "Terraform state of ${var.project}"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.state_kms.json
}

resource "aws_kms_alias" "state" {
  name          = "alias/${var.project}-tfstate"
  target_key_id = aws_kms_key.state.key_id
}

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_18:Access to state is audited through CloudTrail data events rather than S3 server access logs.
  #checkov:skip=CKV_AWS_144:Versioning protects against overwrites; cross-region replication of state is not needed for a sample workload.
  #checkov:skip=CKV2_AWS_62:Nothing consumes state object events.
  bucket = local.state_bucket

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket = aws_s3_bucket.state.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }
    bucket_key_enabled = true
  }
}

# Old state versions are how a bad apply's state is recovered; keep them for 90 days.
resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    id     = "expire-old-state-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = 90
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "state_bucket" {
  statement {
    sid       = "DenyPlainHttp"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # Every object is written with SSE-KMS (backend.hcl: kms_key_id), state and lock files alike;
  # an upload that does not ask for it is refused rather than silently encrypted otherwise.
  statement {
    sid       = "DenyUploadsWithoutKms"
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.state.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "StringNotEquals"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["aws:kms"]
    }
  }

  # The CI roles' managed policies (PowerUserAccess, ReadOnlyAccess) reach every bucket. Here the
  # bucket takes back what they must not do: touch another environment's state, or change the
  # bucket itself (its policy, encryption, versioning).
  dynamic "statement" {
    for_each = local.deploy_environments
    content {
      sid    = "DeployRoleOnlyItsState${replace(title(replace(statement.key, "-", " ")), " ", "")}"
      effect = "Deny"
      actions = [
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:PutObject",
      ]
      not_resources = ["${aws_s3_bucket.state.arn}/${local.state_prefix[statement.key]}*"]
      principals {
        type        = "AWS"
        identifiers = [aws_iam_role.deploy[statement.key].arn]
      }
    }
  }

  dynamic "statement" {
    for_each = local.deploy_environments
    content {
      sid           = "PlanRoleReadsOnlyItsState${replace(title(replace(statement.key, "-", " ")), " ", "")}"
      effect        = "Deny"
      actions       = ["s3:GetObject", "s3:GetObjectVersion"]
      not_resources = ["${aws_s3_bucket.state.arn}/${local.state_prefix[statement.key]}*"]
      principals {
        type        = "AWS"
        identifiers = [aws_iam_role.plan[statement.key].arn]
      }
    }
  }

  dynamic "statement" {
    for_each = local.deploy_environments
    content {
      sid           = "PlanRoleWritesOnlyItsLock${replace(title(replace(statement.key, "-", " ")), " ", "")}"
      effect        = "Deny"
      actions       = ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObject"]
      not_resources = ["${aws_s3_bucket.state.arn}/${local.state_prefix[statement.key]}terraform.tfstate.tflock"]
      principals {
        type        = "AWS"
        identifiers = [aws_iam_role.plan[statement.key].arn]
      }
    }
  }

  statement {
    sid    = "CiRolesNeverReconfigureTheBucket"
    effect = "Deny"
    actions = [
      "s3:DeleteBucket",
      "s3:DeleteBucketPolicy",
      "s3:PutBucketAcl",
      "s3:PutBucketObjectLockConfiguration",
      "s3:PutBucketOwnershipControls",
      "s3:PutBucketPolicy",
      "s3:PutBucketPublicAccessBlock",
      "s3:PutBucketVersioning",
      "s3:PutEncryptionConfiguration",
      "s3:PutLifecycleConfiguration",
    ]
    resources = [aws_s3_bucket.state.arn]
    principals {
      type = "AWS"
      identifiers = concat(
        [for role in aws_iam_role.deploy : role.arn],
        [for role in aws_iam_role.plan : role.arn],
        [aws_iam_role.ecr_push.arn],
      )
    }
  }
}

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id
  policy = data.aws_iam_policy_document.state_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.state]
}

# --- GitHub Actions through OIDC.

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 1 : 0

  url            = "https://${local.github_oidc}"
  client_id_list = ["sts.amazonaws.com"]
  # IAM no longer checks thumbprints for GitHub's provider, but the API still requires one.
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1"]
}

# Pushes images: images.yml on main and develop (staging deploys develop's images from ECR) and
# on release tags. Pull requests, other branches and GitHub environments cannot assume it.
data "aws_iam_policy_document" "ecr_push_assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [local.oidc_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "${local.github_oidc}:sub"
      values = [
        "repo:${var.github_repository}:ref:refs/heads/main",
        "repo:${var.github_repository}:ref:refs/heads/develop",
        "repo:${var.github_repository}:ref:refs/tags/v*",
      ]
    }
  }
}

data "aws_iam_policy_document" "ecr_push" {
  statement {
    sid       = "Login"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  # No KMS statement: ECR encrypts with the repositories' key through its own grant, so pushing
  # and pulling need no permission on the key.
  statement {
    sid = "PushAndScanResults"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImages",
      "ecr:DescribeImageScanFindings",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = values(module.registry.repository_arns)
  }
}

resource "aws_iam_role" "ecr_push" {
  name               = "${var.project}-github-ecr-push"
  assume_role_policy = data.aws_iam_policy_document.ecr_push_assume.json
}

resource "aws_iam_role_policy" "ecr_push" {
  name   = "push-images"
  role   = aws_iam_role.ecr_push.id
  policy = data.aws_iam_policy_document.ecr_push.json
}
