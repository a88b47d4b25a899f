# Bringing a gateway's existing configuration under Terraform with `import` blocks.
# The IDs: a connection's name; `<connection>/<cidr>` for a remote subnet; the
# connection's name for its NAT context. After `terraform apply` imports them, a plan
# with a matching configuration is empty.

terraform {
  required_version = ">= 1.11"
  required_providers {
    ipsec = { source = "ipsec-vpn/ipsec" }
  }
}

provider "ipsec" {
  config_dir = ".ipsec-gateway"
}

variable "dc1_psk" {
  type      = string
  sensitive = true
  default   = "example-only-change-me"
}

import {
  to = ipsec_vpn_connection.dc1
  id = "dc1"
}

import {
  to = ipsec_remote_subnet.dc1_apps
  id = "dc1/192.168.10.0/24"
}

import {
  to = ipsec_nat_context.dc1
  id = "dc1"
}

resource "ipsec_vpn_connection" "dc1" {
  name          = "dc1"
  peer_address  = "203.0.113.10"
  preshared_key = var.dc1_psk
  local_subnets = ["10.1.0.0/16"]
}

resource "ipsec_remote_subnet" "dc1_apps" {
  connection_name = ipsec_vpn_connection.dc1.name
  cidr            = "192.168.10.0/24"
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
