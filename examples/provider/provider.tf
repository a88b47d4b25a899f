terraform {
  required_providers {
    ipsec = { source = "ipsec-vpn/ipsec" }
  }
}

# The `local` engine: strongSwan and nftables files under config_dir, no daemon.
provider "ipsec" {
  config_dir = ".ipsec-gateway" # or IPSEC_CONFIG_DIR
}

# The `strongswan` engine on a gateway: the same files, loaded into charon over VICI
# and nftables at each change.
provider "ipsec" {
  alias      = "gw1"
  engine     = "strongswan"
  config_dir = "/etc/swanctl-terraform"
  vici_uri   = "unix:///var/run/charon.vici" # or IPSEC_VICI_URI
  nat_table  = "ipsec_nat"
}
