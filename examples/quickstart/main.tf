# One tunnel to a data centre, two protected remote networks and one static NAT,
# applied to the embedded `local` engine (files under .ipsec-gateway/).

terraform {
  required_version = ">= 1.11"
  required_providers {
    ipsec = { source = "ipsec-vpn/ipsec" }
  }
}

provider "ipsec" {
  engine     = "local"
  config_dir = ".ipsec-gateway"
}

variable "dc1_psk" {
  description = "Pre-shared key of the dc1 tunnel (8-255 characters)."
  type        = string
  sensitive   = true
  default     = "example-only-change-me"
}

resource "ipsec_vpn_connection" "dc1" {
  name          = "dc1"
  peer_address  = "203.0.113.10"
  preshared_key = var.dc1_psk
  local_subnets = ["10.1.0.0/16"]
  description   = "Quickstart: primary data centre"
}

resource "ipsec_remote_subnet" "dc1_apps" {
  connection_name = ipsec_vpn_connection.dc1.name
  cidr            = "192.168.10.0/24"
}

resource "ipsec_remote_subnet" "dc1_users" {
  connection_name = ipsec_vpn_connection.dc1.name
  cidr            = "192.168.20.0/24"
}

resource "ipsec_nat_context" "dc1" {
  connection_name   = ipsec_vpn_connection.dc1.name
  static_nat_subnet = "10.1.255.88/29"
  translations = {
    "billing-db" = {
      local_ip    = "10.1.255.92"
      customer_ip = "192.168.10.15"
    }
  }
  depends_on = [ipsec_remote_subnet.dc1_apps]
}
