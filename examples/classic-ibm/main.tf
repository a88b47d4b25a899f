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
