# The roles GitHub Actions assumes for each deploy environment (var.deploy_environments):
#
#   <project>-github-plan-<gh env>    trusted by environment:<gh env>-plan  deploy.yml's plan job
#   <project>-github-deploy-<gh env>  trusted by environment:<gh env>       deploy.yml's deploy job
#
# Only the GitHub environment of that name can assume each role, so the environment's protection
# rules (required reviewers, deployment branches) gate every use. Both roles reach only their
# environment's state (envs/<env>/ in the bucket, enforced again by the bucket policy), and the
# deploy role manages IAM only for roles named <project>-<env>-*, with the workload boundary.

locals {
  # The AWS managed policies the stack attaches to its roles; the deploy roles may attach these
  # and no other (iam:PolicyARN).
  workload_managed_policies = [
    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    "arn:aws:iam::aws:policy/AWSCodeDeployRoleForECS",
    "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
  ]
  # The services the stack hands its roles to (iam:PassedToService).
  workload_role_services = [
    "codedeploy.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "monitoring.rds.amazonaws.com",
    "vpc-flow-logs.amazonaws.com",
  ]
  workload_boundary_arn = "arn:aws:iam::${var.aws_account_id}:policy/${var.project}-workload-boundary"
}

# --- The permissions boundary of every role the stack creates (infra/modules/stack defaults to
# this name). A role created by a deploy role can never do more than PowerUserAccess, which the
# deploy role already has: no IAM or Organizations changes, and it can pass only the project's
# own roles. Without it, "may create roles" would be "may create an administrator".

data "aws_iam_policy_document" "workload_boundary" {
  #checkov:skip=CKV_AWS_107:A permissions boundary grants nothing; it caps what the workload roles' own policies can grant (at most PowerUserAccess).
  #checkov:skip=CKV_AWS_108:A permissions boundary grants nothing; it caps what the workload roles' own policies can grant (at most PowerUserAccess).
  #checkov:skip=CKV_AWS_109:A permissions boundary grants nothing; it caps what the workload roles' own policies can grant (at most PowerUserAccess).
  #checkov:skip=CKV_AWS_110:A permissions boundary grants nothing, and it is what prevents escalation: it excludes every IAM change.
  #checkov:skip=CKV_AWS_111:A permissions boundary grants nothing; it caps what the workload roles' own policies can grant (at most PowerUserAccess).
  #checkov:skip=CKV_AWS_356:A permissions boundary grants nothing; Resource "*" here is the cap, the roles' own policies name their resources.
  statement {
    sid         = "AtMostPowerUser"
    not_actions = ["iam:*", "organizations:*", "account:*"]
    resources   = ["*"]
  }

  statement {
    sid       = "PassTheProjectsRoles"
    actions   = ["iam:GetRole", "iam:PassRole"]
    resources = ["arn:aws:iam::${var.aws_account_id}:role/${var.project}-*"]
  }
}

resource "aws_iam_policy" "workload_boundary" {
  name        = "${var.project}-workload-boundary"
  description = "Permissions boundary of the ${var.project} workload roles: at most PowerUserAccess, no IAM changes."
  policy      = data.aws_iam_policy_document.workload_boundary.json
}

# --- Trust: one GitHub environment each.

data "aws_iam_policy_document" "deploy_assume" {
  for_each = local.deploy_environments

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
      test     = "StringEquals"
      variable = "${local.github_oidc}:sub"
      values   = ["repo:${var.github_repository}:environment:${each.key}"]
    }
  }
}

data "aws_iam_policy_document" "plan_assume" {
  for_each = local.deploy_environments

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
      test     = "StringEquals"
      variable = "${local.github_oidc}:sub"
      values   = ["repo:${var.github_repository}:environment:${each.key}-plan"]
    }
  }
}

# --- Deploy: Terraform manages most services, so PowerUserAccess (everything but IAM,
# Organizations and the account) plus what is below. PowerUserAccess is account-wide: a deploy
# role can change any non-IAM resource in the account, including another environment's. Give
# each environment its own account (docs/deploy.md, "One account per environment"); the
# statements below keep what they can to the environment and protect the shared foundation.

data "aws_iam_policy_document" "deploy" {
  for_each = local.deploy_environments

  # Create and change only this environment's roles, and only with the workload boundary.
  statement {
    sid = "ManageEnvironmentRolesWithinTheBoundary"
    actions = [
      "iam:CreateRole",
      "iam:DeleteRolePolicy",
      "iam:PutRolePermissionsBoundary",
      "iam:PutRolePolicy",
    ]
    resources = ["arn:aws:iam::${var.aws_account_id}:role/${var.project}-${each.value}-*"]
    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.workload_boundary_arn]
    }
  }

  statement {
    sid       = "AttachOnlyTheStacksManagedPolicies"
    actions   = ["iam:AttachRolePolicy", "iam:DetachRolePolicy"]
    resources = ["arn:aws:iam::${var.aws_account_id}:role/${var.project}-${each.value}-*"]
    condition {
      test     = "StringEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.workload_boundary_arn]
    }
    condition {
      test     = "ArnEquals"
      variable = "iam:PolicyARN"
      values   = local.workload_managed_policies
    }
  }

  statement {
    sid = "ReadAndRetireEnvironmentRoles"
    actions = [
      "iam:DeleteRole",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListInstanceProfilesForRole",
      "iam:ListRolePolicies",
      "iam:ListRoleTags",
      "iam:TagRole",
      "iam:UntagRole",
      "iam:UpdateAssumeRolePolicy",
      "iam:UpdateRole",
      "iam:UpdateRoleDescription",
    ]
    resources = ["arn:aws:iam::${var.aws_account_id}:role/${var.project}-${each.value}-*"]
  }

  statement {
    sid       = "ReadTheManagedPolicies"
    actions   = ["iam:GetPolicy", "iam:GetPolicyVersion"]
    resources = concat(local.workload_managed_policies, [local.workload_boundary_arn])
  }

  statement {
    sid       = "PassEnvironmentRolesToTheirServices"
    actions   = ["iam:PassRole"]
    resources = ["arn:aws:iam::${var.aws_account_id}:role/${var.project}-${each.value}-*"]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = local.workload_role_services
    }
  }

  statement {
    sid       = "ServiceLinkedRoles"
    actions   = ["iam:CreateServiceLinkedRole"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "iam:AWSServiceName"
      values = [
        "ecs.amazonaws.com",
        "ecs.application-autoscaling.amazonaws.com",
        "elasticloadbalancing.amazonaws.com",
        "rds.amazonaws.com",
      ]
    }
  }

  statement {
    sid       = "ListStateBucket"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.state.arn]
  }

  statement {
    sid       = "ThisEnvironmentsState"
    actions   = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.state.arn}/${local.state_prefix[each.key]}*"]
  }

  statement {
    sid       = "StateKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.state.arn]
  }

  # PowerUserAccess would let a deploy role delete what every environment shares: the image
  # repositories, the state and registry keys. Deny it explicitly.
  statement {
    sid    = "KeepTheSharedFoundation"
    effect = "Deny"
    actions = [
      "ecr:BatchDeleteImage",
      "ecr:DeleteLifecyclePolicy",
      "ecr:DeleteRepository",
      "ecr:DeleteRepositoryPolicy",
      "ecr:PutImageTagMutability",
      "ecr:PutLifecyclePolicy",
      "ecr:SetRepositoryPolicy",
      "kms:DisableKey",
      "kms:PutKeyPolicy",
      "kms:ScheduleKeyDeletion",
    ]
    resources = concat(
      values(module.registry.repository_arns),
      [aws_kms_key.state.arn, module.registry.kms_key_arn],
    )
  }
}

resource "aws_iam_role" "deploy" {
  for_each = local.deploy_environments

  name               = "${var.project}-github-deploy-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.deploy_assume[each.key].json
  # A production deployment (migrations, apply, rollout, two canaries) can take hours;
  # deploy.yml asks for role-duration-seconds 10800 and refreshes the session before the canaries.
  max_session_duration = 10800
}

resource "aws_iam_role_policy_attachment" "deploy_power_user" {
  for_each = local.deploy_environments

  role       = aws_iam_role.deploy[each.key].name
  policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess"
}

resource "aws_iam_role_policy" "deploy" {
  for_each = local.deploy_environments

  name   = "environment-iam-and-state"
  role   = aws_iam_role.deploy[each.key].id
  policy = data.aws_iam_policy_document.deploy[each.key].json
}

# --- Plan: read-only. ReadOnlyAccess for the refresh, the environment's state, and the state
# lock, which is the one object it writes (S3 lock file beside the state).

data "aws_iam_policy_document" "plan" {
  for_each = local.deploy_environments

  statement {
    sid       = "ListStateBucket"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.state.arn]
  }

  statement {
    sid       = "ReadThisEnvironmentsState"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.state.arn}/${local.state_prefix[each.key]}*"]
  }

  statement {
    sid       = "HoldTheStateLock"
    actions   = ["s3:DeleteObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.state.arn}/${local.state_prefix[each.key]}terraform.tfstate.tflock"]
  }

  statement {
    sid       = "StateKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.state.arn]
  }
}

resource "aws_iam_role" "plan" {
  for_each = local.deploy_environments

  name                 = "${var.project}-github-plan-${each.key}"
  assume_role_policy   = data.aws_iam_policy_document.plan_assume[each.key].json
  max_session_duration = 3600
}

resource "aws_iam_role_policy_attachment" "plan_read_only" {
  for_each = local.deploy_environments

  role       = aws_iam_role.plan[each.key].name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_role_policy" "plan" {
  for_each = local.deploy_environments

  name   = "environment-state"
  role   = aws_iam_role.plan[each.key].id
  policy = data.aws_iam_policy_document.plan[each.key].json
}
