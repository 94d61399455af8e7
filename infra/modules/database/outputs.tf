output "address" {
  description = "The instance's DNS name (follows a Multi-AZ failover)."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "The PostgreSQL port."
  value       = aws_db_instance.this.port
}

output "identifier" {
  description = "The DB instance identifier (CloudWatch dimension, point-in-time restore source)."
  value       = aws_db_instance.this.identifier
}

output "posture" {
  description = "What the instance is protected by: Multi-AZ, storage encryption, deletion protection, backup retention."
  value = {
    multi_az              = aws_db_instance.this.multi_az
    storage_encrypted     = aws_db_instance.this.storage_encrypted
    deletion_protection   = aws_db_instance.this.deletion_protection
    backup_retention_days = aws_db_instance.this.backup_retention_period
  }
}

output "master_user_secret_arn" {
  description = "The Secrets Manager secret RDS manages for the master user (JSON with username and password)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "security_group_id" {
  description = "The database's security group."
  value       = aws_security_group.db.id
}
