# One site: a connection, its remote subnets and (optionally) its static NAT, from one
# object. The caller configures the `ipsec` provider (one provider block = one gateway).

terraform {
  required_version = ">= 1.11"
  required_providers {
    ipsec = { source = "ipsec-vpn/ipsec" }
  }
}

resource "ipsec_vpn_connection" "this" {
  name                     = var.site.name
  peer_address             = var.site.peer_address
  peer_id                  = var.site.peer_id
  local_subnets            = var.site.local_subnets
  ike_version              = var.site.ike_version
  start_action             = var.site.start_action
  description              = var.site.description
  preshared_key_wo         = var.preshared_key
  preshared_key_wo_version = var.site.key_version
}

resource "ipsec_remote_subnet" "this" {
  for_each        = toset(var.site.remote_subnets)
  connection_name = ipsec_vpn_connection.this.name
  cidr            = each.value
}

resource "ipsec_nat_context" "this" {
  count             = var.site.nat == null ? 0 : 1
  connection_name   = ipsec_vpn_connection.this.name
  static_nat_subnet = var.site.nat.static_nat_subnet
  translations      = var.site.nat.translations
  # A translation's customer_ip must lie in a remote subnet that exists first.
  depends_on = [ipsec_remote_subnet.this]
}
