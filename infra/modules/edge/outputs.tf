output "arn" {
  description = "The load balancer's ARN."
  value       = aws_lb.this.arn
}

output "arn_suffix" {
  description = "The load balancer's ARN suffix: the LoadBalancer dimension of its CloudWatch metrics."
  value       = aws_lb.this.arn_suffix
}

output "dns_name" {
  description = "The load balancer's DNS name (point the public record, or the private zone, at it)."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "The load balancer's hosted zone, for Route 53 alias records."
  value       = aws_lb.this.zone_id
}

output "security_group_id" {
  description = "The load balancer's security group; the service admits traffic only from it."
  value       = aws_security_group.alb.id
}

output "target_groups" {
  description = "The target groups by role (blue, and green with blue_green): arn, arn_suffix and name."
  value = {
    for role, tg in local.target_groups : role => {
      arn        = tg.arn
      arn_suffix = tg.arn_suffix
      name       = tg.name
    }
  }
}

output "https_listener_arn" {
  description = "The production (HTTPS) listener."
  value       = aws_lb_listener.https.arn
}

output "test_listener_arn" {
  description = "The CodeDeploy test listener, or null without blue_green."
  value       = var.blue_green ? aws_lb_listener.test[0].arn : null
}

output "web_acl_arn" {
  description = "The WAF web ACL protecting the load balancer, or null."
  value       = var.waf.enabled ? aws_wafv2_web_acl.this[0].arn : null
}

output "blocked_paths_rule" {
  description = "The listener rule that answers blocked_paths with 404 (a list: empty when nothing is blocked)."
  value       = [for r in aws_lb_listener_rule.blocked_paths : { arn = r.arn, paths = var.blocked_paths }]
}
