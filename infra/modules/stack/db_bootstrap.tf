# A one-off task that does on RDS what compose/postgres/10-roles.sh does locally: one role and
# one database per service, each role owning its database and nothing else. Idempotent; it
# also (re)sets the roles' passwords from the secrets, so it is how those passwords rotate.
#
#   aws ecs run-task --task-definition <project>-<env>-db-bootstrap ... (see the outputs)

locals {
  # \getenv keeps the passwords out of the command line; \gexec makes CREATE conditional.
  db_bootstrap_sql = <<-SQL
    \set ON_ERROR_STOP on
    \getenv loans_password LOANS_DB_PASSWORD
    \getenv portfolio_password PORTFOLIO_DB_PASSWORD
    SELECT format('CREATE ROLE %I LOGIN', r) FROM unnest(ARRAY['loans', 'portfolio']) AS r
      WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) \gexec
    ALTER ROLE loans WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'loans_password';
    ALTER ROLE portfolio WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'portfolio_password';
    GRANT loans, portfolio TO CURRENT_USER;
    SELECT format('CREATE DATABASE %I OWNER %I', d, d) FROM unnest(ARRAY['loans', 'portfolio']) AS d
      WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = d) \gexec
    REVOKE ALL ON DATABASE loans FROM PUBLIC;
    REVOKE ALL ON DATABASE portfolio FROM PUBLIC;
    \c loans
    REVOKE ALL ON SCHEMA public FROM PUBLIC;
    ALTER SCHEMA public OWNER TO loans;
    \c portfolio
    REVOKE ALL ON SCHEMA public FROM PUBLIC;
    ALTER SCHEMA public OWNER TO portfolio;
  SQL

  db_bootstrap_container = {
    name      = "db-bootstrap"
    image     = var.db_bootstrap_image
    essential = true
    # The postgres image's own unprivileged user.
    user                   = "70:70"
    readonlyRootFilesystem = true
    linuxParameters        = { capabilities = { drop = ["ALL"] } }
    entryPoint             = ["/bin/sh", "-ec"]
    command                = ["printf '%s\\n' \"$BOOTSTRAP_SQL\" | psql --no-psqlrc --dbname=postgres"]
    environment = [
      { name = "BOOTSTRAP_SQL", value = local.db_bootstrap_sql },
      { name = "PGHOST", value = module.database.address },
      { name = "PGPORT", value = tostring(module.database.port) },
      { name = "PGSSLMODE", value = "require" },
    ]
    secrets = [
      { name = "PGUSER", valueFrom = "${module.database.master_user_secret_arn}:username::" },
      { name = "PGPASSWORD", valueFrom = "${module.database.master_user_secret_arn}:password::" },
      { name = "LOANS_DB_PASSWORD", valueFrom = aws_secretsmanager_secret.app["loans-db-password"].arn },
      { name = "PORTFOLIO_DB_PASSWORD", valueFrom = aws_secretsmanager_secret.app["portfolio-db-password"].arn },
    ]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.db_bootstrap.name
        awslogs-region        = data.aws_region.current.name
        awslogs-stream-prefix = "ecs"
      }
    }
  }
}

resource "aws_cloudwatch_log_group" "db_bootstrap" {
  #checkov:skip=CKV_AWS_338:Retention is a per-environment variable: a year in prod, shorter in dev and staging to bound cost.
  name              = "/ecs/${local.name}-db-bootstrap"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}

data "aws_iam_policy_document" "db_bootstrap_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "db_bootstrap_execution" {
  name                 = "${local.name}-db-bootstrap-execution"
  assume_role_policy   = data.aws_iam_policy_document.db_bootstrap_assume.json
  permissions_boundary = local.permissions_boundary
}

resource "aws_iam_role_policy_attachment" "db_bootstrap_execution" {
  role       = aws_iam_role.db_bootstrap_execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "db_bootstrap_secrets" {
  statement {
    actions = ["secretsmanager:GetSecretValue"]
    resources = [
      module.database.master_user_secret_arn,
      aws_secretsmanager_secret.app["loans-db-password"].arn,
      aws_secretsmanager_secret.app["portfolio-db-password"].arn,
    ]
  }

  statement {
    actions   = ["kms:Decrypt"]
    resources = [aws_kms_key.this.arn]
  }
}

resource "aws_iam_role_policy" "db_bootstrap_secrets" {
  name   = "read-database-secrets"
  role   = aws_iam_role.db_bootstrap_execution.id
  policy = data.aws_iam_policy_document.db_bootstrap_secrets.json
}

resource "aws_ecs_task_definition" "db_bootstrap" {
  family                   = "${local.name}-db-bootstrap"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = aws_iam_role.db_bootstrap_execution.arn
  container_definitions    = jsonencode([local.db_bootstrap_container])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  # Like the services' task definitions: a new revision does not deregister the old one.
  skip_destroy = true
}

resource "aws_security_group" "db_bootstrap" {
  #checkov:skip=CKV2_AWS_5:Attached at run time: aws ecs run-task --network-configuration names it (see the one_off_tasks output).
  name        = "${local.name}-db-bootstrap"
  description = "One-off db-bootstrap task: PostgreSQL and image pulls out, nothing in"
  vpc_id      = module.network.vpc_id

  tags = { Name = "${local.name}-db-bootstrap" }
}

resource "aws_vpc_security_group_egress_rule" "db_bootstrap_vpc" {
  security_group_id = aws_security_group.db_bootstrap.id
  description       = "PostgreSQL and the VPC endpoints"
  ip_protocol       = "tcp"
  from_port         = 0
  to_port           = 65535
  cidr_ipv4         = module.network.vpc_cidr_block
}

# The one-off admin task pulls the public postgres image (psql) through NAT.
#trivy:ignore:AVD-AWS-0104
resource "aws_vpc_security_group_egress_rule" "db_bootstrap_https" {
  security_group_id = aws_security_group.db_bootstrap.id
  description       = "HTTPS to pull the public psql image"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}
