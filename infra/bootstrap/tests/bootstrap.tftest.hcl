# The account bootstrap on a fake AWS: which GitHub workflow may assume which role, and how far
# each role reaches. The policy documents are mocked, so these read their statements (the
# configuration) rather than the rendered JSON.

mock_provider "aws" {
  source = "../tests/mocks"
}

# Plans only (the state bucket has prevent_destroy, so an applied test could not tear down); the
# ARNs the policies are built from are made known at plan time here.
override_resource {
  target          = aws_s3_bucket.state
  override_during = plan
  values = {
    arn = "arn:aws:s3:::lending-tfstate-123456789012"
    id  = "lending-tfstate-123456789012"
  }
}

override_resource {
  target          = aws_kms_key.state
  override_during = plan
  values = {
    arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111"
  }
}

variables {
  aws_region        = "us-east-1"
  aws_account_id    = "123456789012"
  github_repository = "octo/lending"
}

run "roles_match_the_github_environments" {
  command = plan

  assert {
    condition = (
      toset(keys(aws_iam_role.deploy)) == toset(["staging", "production"])
      && aws_iam_role.deploy["production"].name == "lending-github-deploy-production"
      && aws_iam_role.plan["production"].name == "lending-github-plan-production"
    )
    error_message = "Each GitHub deploy environment (staging, production) needs a deploy and a plan role named after it."
  }

  assert {
    condition = alltrue(flatten([
      for env in ["staging", "production"] : [
        for c in data.aws_iam_policy_document.deploy_assume[env].statement[0].condition :
        c.values == tolist(["repo:octo/lending:environment:${env}"]) if c.variable == "token.actions.githubusercontent.com:sub"
      ]
    ]))
    error_message = "A deploy role must be assumable only from the GitHub environment of the same name (deploy.yml's deploy job)."
  }

  assert {
    condition = alltrue(flatten([
      for env in ["staging", "production"] : [
        for c in data.aws_iam_policy_document.plan_assume[env].statement[0].condition :
        c.values == tolist(["repo:octo/lending:environment:${env}-plan"]) if c.variable == "token.actions.githubusercontent.com:sub"
      ]
    ]))
    error_message = "A plan role must be assumable only from the <environment>-plan GitHub environment (deploy.yml's plan job)."
  }

  assert {
    condition = anytrue([
      for c in data.aws_iam_policy_document.ecr_push_assume.statement[0].condition :
      c.test == "StringLike" && c.variable == "token.actions.githubusercontent.com:sub" && toset(c.values) == toset([
        "repo:octo/lending:ref:refs/heads/main",
        "repo:octo/lending:ref:refs/heads/develop",
        "repo:octo/lending:ref:refs/tags/v*",
      ])
    ])
    error_message = "The ECR push role must be assumable from images.yml on main, develop and v* tags (and nothing else)."
  }

  assert {
    condition = (
      toset(keys(output.github_variables.repository)) == toset(["AWS_REGION", "AWS_ECR_ROLE_ARN", "ECR_REPOSITORY_PREFIX"])
      && toset(keys(output.github_variables.environments)) == toset(["staging", "staging-plan", "production", "production-plan"])
      && alltrue([for env in values(output.github_variables.environments) : toset(keys(env)) == toset(["AWS_ROLE_ARN", "AWS_REGION"])])
    )
    error_message = "github_variables must name exactly the variables and GitHub environments images.yml and deploy.yml read (docs/ci.md)."
  }

  assert {
    condition     = alltrue([for role in aws_iam_role.deploy : role.max_session_duration == 10800])
    error_message = "Deploy roles must allow 3-hour sessions (deploy.yml asks for role-duration-seconds 10800)."
  }

  assert {
    condition = (
      aws_iam_role_policy_attachment.plan_read_only["production"].policy_arn == "arn:aws:iam::aws:policy/ReadOnlyAccess"
      && length([for a in aws_iam_role_policy_attachment.deploy_power_user : a if a.role == aws_iam_role.plan["production"].name]) == 0
    )
    error_message = "The plan role must be read-only (ReadOnlyAccess), never the deploy role's PowerUserAccess."
  }
}

run "deploy_roles_reach_only_their_environment" {
  command = plan

  assert {
    condition = alltrue(flatten([
      for env, infra_env in { staging = "staging", production = "prod" } : [
        for st in data.aws_iam_policy_document.deploy[env].statement : [
          for r in st.resources : r == "arn:aws:iam::123456789012:role/lending-${infra_env}-*"
        ] if length([for a in st.actions : a if startswith(a, "iam:") && !startswith(a, "iam:Get") && a != "iam:CreateServiceLinkedRole"]) > 0
      ]
    ]))
    error_message = "A deploy role may change and pass only its own environment's roles (role/<project>-<env>-*), never role/<project>-github-* or another environment's."
  }

  assert {
    condition = alltrue([
      for st in data.aws_iam_policy_document.deploy["production"].statement :
      anytrue([for c in st.condition : c.variable == "iam:PermissionsBoundary" && c.values == tolist(["arn:aws:iam::123456789012:policy/lending-workload-boundary"])])
      if length(setintersection(st.actions, ["iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy"])) > 0
    ])
    error_message = "A deploy role may create roles and grant them policies only with the workload permissions boundary."
  }

  assert {
    condition = alltrue([
      for st in data.aws_iam_policy_document.deploy["production"].statement :
      anytrue([for c in st.condition : c.variable == "iam:PolicyARN" && !contains(c.values, "arn:aws:iam::aws:policy/AdministratorAccess")])
      if contains(st.actions, "iam:AttachRolePolicy")
    ])
    error_message = "A deploy role may attach only the managed policies the stack uses (iam:PolicyARN)."
  }

  assert {
    condition = alltrue(flatten([
      for st in data.aws_iam_policy_document.deploy["production"].statement : [
        for r in st.resources : startswith(r, "arn:aws:s3:::lending-tfstate-123456789012/envs/prod/")
      ] if length([for a in st.actions : a if contains(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], a)]) > 0
    ]))
    error_message = "A deploy role may read and write only its environment's state (envs/<env>/)."
  }

  assert {
    condition = alltrue(flatten([
      for st in data.aws_iam_policy_document.plan["production"].statement : [
        for r in st.resources : r == "arn:aws:s3:::lending-tfstate-123456789012/envs/prod/terraform.tfstate.tflock"
      ] if contains(st.actions, "s3:PutObject") || contains(st.actions, "s3:DeleteObject")
    ]))
    error_message = "A plan role may write only its environment's state lock file."
  }
}

run "state_bucket_refuses_unencrypted_uploads" {
  command = plan

  assert {
    condition = anytrue([
      for st in data.aws_iam_policy_document.state_bucket.statement :
      st.effect == "Deny" && contains(st.actions, "s3:PutObject") && anytrue([
        for c in st.condition : c.variable == "s3:x-amz-server-side-encryption" && c.test == "StringNotEquals" && c.values == tolist(["aws:kms"])
      ])
    ])
    error_message = "The state bucket must deny uploads without SSE-KMS (backend.hcl kms_key_id)."
  }
}

run "unknown_infra_environment_is_rejected" {
  command = plan

  variables {
    deploy_environments = { production = "production" }
  }

  expect_failures = [var.deploy_environments]
}
