# The classic parameter set of older IBM-style concentrators: IKEv1, 3DES/MD5 and
# DH group 2 for an old peer that cannot do better. Terraform accepts it and warns at
# each weak attribute, naming a stronger replacement.

terraform {
  required_version = ">= 1.11"
  required_providers {
    ipsec = { source = "ipsec-vpn/ipsec" }
  }
}

provider "ipsec" {
  config_dir = ".ipsec-gateway"
}

variable "legacy_psk" {
  type      = string
  sensitive = true
  default   = "example-only-change-me"
}

resource "ipsec_vpn_connection" "legacy" {
  name          = "legacy-partner"
  peer_address  = "198.51.100.77"
  preshared_key = var.legacy_psk
  ike_version   = 1
  phase1 = {
    encryption     = "3DES"
    authentication = "MD5"
    dh_group       = 2
    keylife        = 86400
  }
  phase2 = {
    encryption     = "3DES"
    authentication = "MD5"
    dh_group       = 2
    keylife        = 3600
  }
  perfect_forward_secrecy = true
  local_subnets           = ["10.20.0.0/24"]
  start_action            = "start"
}

resource "ipsec_remote_subnet" "legacy_lan" {
  connection_name = ipsec_vpn_connection.legacy.name
  cidr            = "172.16.5.0/24"
}

# Static NAT inside the local network: 10.20.0.88/29 lies in 10.20.0.0/24, so on the
# strongswan engine the gateway answers ARP for each local_ip on that network and local
# hosts reach the partner's host at 10.20.0.92 with no extra route. (A NAT subnet
# outside every network the gateway is attached to needs a route to the gateway.)
resource "ipsec_nat_context" "legacy" {
  connection_name   = ipsec_remote_subnet.legacy_lan.connection_name
  static_nat_subnet = "10.20.0.88/29"
  translations = {
    "partner-db" = {
      local_ip    = "10.20.0.92"
      customer_ip = "172.16.5.15"
    }
  }
}

# The partner's side of the tunnel, read after its remote subnet and NAT are applied: a
# swanctl.conf for a strongSwan peer (it holds the key: sensitive), and the same facts
# for any other vendor.
data "ipsec_peer_config" "partner" {
  connection_name = ipsec_nat_context.legacy.connection_name
}

output "partner_swanctl_conf" {
  value     = data.ipsec_peer_config.partner.swanctl_conf
  sensitive = true
}

output "partner_parameters" {
  value = data.ipsec_peer_config.partner.parameters
}
