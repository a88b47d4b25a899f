variable "dc1_psk" {
  type      = string
  sensitive = true
}

# A tunnel to a data centre with a key kept in state (as a sensitive value).
resource "ipsec_vpn_connection" "dc1" {
  name          = "dc1"
  peer_address  = "203.0.113.10"
  preshared_key = var.dc1_psk
  local_subnets = ["10.1.0.0/16"]
  phase1        = { encryption = "AES256", dh_group = 19 } # omitted fields take their defaults
  description   = "primary data centre"
}

# A branch behind NAT, known by its identity, with a generated key that is in no plan
# or state: increase preshared_key_wo_version to apply a new one.
ephemeral "ipsec_preshared_key" "branch7" {}

resource "ipsec_vpn_connection" "branch7" {
  name                     = "branch7"
  peer_address             = "198.51.100.77"
  peer_id                  = "branch7.example.net"
  local_id                 = "hq@example.com"
  preshared_key_wo         = ephemeral.ipsec_preshared_key.branch7.value
  preshared_key_wo_version = 1
  local_subnets            = ["10.1.0.0/16"]
  start_action             = "start"
  dpd                      = { delay = 15 }
}
