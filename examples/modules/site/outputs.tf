output "connection_name" {
  description = "The connection's name, for data \"ipsec_connection_status\"."
  value       = ipsec_vpn_connection.this.name
}

output "remote_subnets" {
  description = "The remote subnets, sorted."
  value       = sort([for subnet in ipsec_remote_subnet.this : subnet.cidr])
}

output "nat_local_ips" {
  description = "The local address of each translation, by translation name."
  value       = var.site.nat == null ? {} : { for name, t in ipsec_nat_context.this[0].translations : name => t.local_ip }
}
