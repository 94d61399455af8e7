# RDS: encrypted, private, TLS-only, password managed by RDS, Multi-AZ when asked.

mock_provider "aws" {
  source = "../../tests/mocks"
}

variables {
  name                      = "lending-test"
  vpc_id                    = "vpc-0123456789abcdef0"
  subnet_ids                = ["subnet-a", "subnet-b", "subnet-c"]
  client_security_group_ids = { loan-api = "sg-0loanapi", portfolio-api = "sg-0portfolio" }
  instance_class            = "db.t4g.small"
  multi_az                  = false
  kms_key_arn               = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
}

run "single_az" {
  command = plan

  assert {
    condition     = aws_db_instance.this.storage_encrypted
    error_message = "RDS storage must be encrypted."
  }

  assert {
    condition     = aws_db_instance.this.manage_master_user_password && aws_db_instance.this.password == null
    error_message = "The master password must be managed by RDS in Secrets Manager, never set in Terraform."
  }

  assert {
    condition     = aws_db_instance.this.publicly_accessible == false
    error_message = "The database must not be publicly accessible."
  }

  assert {
    condition     = aws_db_instance.this.backup_retention_period >= 1
    error_message = "Backups (and point-in-time restore) must be on."
  }

  assert {
    condition     = one([for p in aws_db_parameter_group.this.parameter : p.value if p.name == "rds.force_ssl"]) == "1"
    error_message = "Connections must be forced to TLS."
  }

  assert {
    condition = alltrue([
      for r in aws_vpc_security_group_ingress_rule.clients : r.cidr_ipv4 == null && r.from_port == 5432
    ]) && length(aws_vpc_security_group_ingress_rule.clients) == 2
    error_message = "Only the given security groups may connect, on 5432."
  }

  assert {
    condition     = aws_db_instance.this.multi_az == false
    error_message = "multi_az must follow the variable."
  }

  assert {
    condition     = length([for p in aws_db_parameter_group.this.parameter : p if p.name == "log_statement" && contains(["ddl", "mod", "all"], p.value)]) == 0
    error_message = "log_statement must not log DDL: ALTER ROLE ... PASSWORD would put the service roles' passwords in the logs."
  }
}

run "final_snapshot_name_is_unique" {
  command = apply

  assert {
    condition     = aws_db_instance.this.skip_final_snapshot == false && can(regex("^lending-test-final-[0-9]{14}$", aws_db_instance.this.final_snapshot_identifier))
    error_message = "Destroying the database must leave a final snapshot under a name of its own (the instance's creation time)."
  }
}

run "multi_az" {
  command = plan

  variables {
    multi_az       = true
    instance_class = "db.m7g.large"
  }

  assert {
    condition     = aws_db_instance.this.multi_az && aws_db_instance.this.storage_encrypted
    error_message = "With multi_az the instance must be Multi-AZ and encrypted."
  }
}
