# Adopting a whole gateway, for example after its Terraform state was lost: one `import`
# block per resource type, each with `for_each` over the same locals the resources use.
# The map keys are the import IDs: a connection's name for the connection and its NAT
# context, `<connection>/<cidr>` for a remote subnet.
#
# List what the gateway holds in `local.sites` (its files under config_dir:
# swanctl/conf.d/<name>.conf and nftables/<name>.nft), give the keys in
# `var.preshared_keys`, run `terraform plan`: it should show only imports
# ("12 to import, 0 to add, 0 to change, 0 to destroy" here). Anything else means the
# locals do not match the gateway yet; fix them before `terraform apply`. Afterwards the
# `import` blocks may stay (they do nothing once imported) or be deleted.

terraform {
  required_version = ">= 1.11"
  required_providers {
    ipsec = { source = "ipsec-vpn/ipsec" }
  }
}

provider "ipsec" {
  config_dir = ".ipsec-gateway"
}

variable "preshared_keys" {
  description = "Each connection's pre-shared key, by connection name."
  type        = map(string)
  sensitive   = true
  default = {
    dc1 = "example-only-change-me-1"
    dc2 = "example-only-change-me-2"
    dc3 = "example-only-change-me-3"
  }
}

locals {
  # One entry per connection on the gateway, keyed by its name.
  sites = {
    dc1 = {
      peer_address   = "203.0.113.10"
      local_subnets  = ["10.1.0.0/16"]
      remote_subnets = ["192.168.10.0/24", "192.168.20.0/24"]
      nat = {
        static_nat_subnet = "10.1.255.88/29"
        translations = {
          "billing-db" = { local_ip = "10.1.255.92", customer_ip = "192.168.10.15" }
        }
      }
    }
    dc2 = {
      peer_address   = "203.0.113.20"
      local_subnets  = ["10.2.0.0/16"]
      remote_subnets = ["192.168.30.0/24", "192.168.40.0/24"]
      nat = {
        static_nat_subnet = "10.2.255.88/29"
        translations = {
          "crm" = { local_ip = "10.2.255.90", customer_ip = "192.168.30.7" }
        }
      }
    }
    dc3 = {
      peer_address   = "2001:db8::30"
      local_subnets  = ["10.3.0.0/16", "fd00:3::/64"]
      remote_subnets = ["192.168.50.0/24", "fd00:50::/64"]
      nat = {
        static_nat_subnet = "10.3.255.0/29"
        translations = {
          "erp" = { local_ip = "10.3.255.2", customer_ip = "192.168.50.20" }
        }
      }
    }
  }

  connections = local.sites

  # "<connection>/<cidr>" => { connection, cidr }: the key is the remote subnet's import ID.
  remote_subnets = merge([
    for name, site in local.sites : {
      for cidr in site.remote_subnets : "${name}/${cidr}" => { connection = name, cidr = cidr }
    }
  ]...)

  # Connections that have static NAT, keyed by connection name (the NAT context's ID).
  nat_contexts = { for name, site in local.sites : name => site.nat if site.nat != null }
}

import {
  for_each = local.connections
  to       = ipsec_vpn_connection.site[each.key]
  id       = each.key
}

import {
  for_each = local.remote_subnets
  to       = ipsec_remote_subnet.site[each.key]
  id       = each.key
}

import {
  for_each = local.nat_contexts
  to       = ipsec_nat_context.site[each.key]
  id       = each.key
}

resource "ipsec_vpn_connection" "site" {
  for_each = local.connections

  name          = each.key
  peer_address  = each.value.peer_address
  preshared_key = var.preshared_keys[each.key]
  local_subnets = each.value.local_subnets
}

resource "ipsec_remote_subnet" "site" {
  for_each = local.remote_subnets

  connection_name = ipsec_vpn_connection.site[each.value.connection].name
  cidr            = each.value.cidr
}

resource "ipsec_nat_context" "site" {
  for_each = local.nat_contexts

  connection_name   = ipsec_vpn_connection.site[each.key].name
  static_nat_subnet = each.value.static_nat_subnet
  translations      = each.value.translations

  # A translation's customer_ip lies in one of the connection's remote subnets.
  depends_on = [ipsec_remote_subnet.site]
}
