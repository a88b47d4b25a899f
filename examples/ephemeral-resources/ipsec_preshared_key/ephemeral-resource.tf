# One key for both ends of a tunnel managed in one configuration, each end a provider
# alias: it reaches the two gateways' 0600 secrets and no plan, state or log.
provider "ipsec" {
  alias      = "hq"
  engine     = "strongswan"
  config_dir = "/srv/ipsec/hq"
  vici_uri   = "tcp://10.0.0.1:4502" # charon's VICI on a management network
}

provider "ipsec" {
  alias      = "branch"
  engine     = "strongswan"
  config_dir = "/srv/ipsec/branch"
  vici_uri   = "tcp://10.0.0.2:4502"
}

ephemeral "ipsec_preshared_key" "hq_branch" {
  provider      = ipsec.hq
  length        = 64
  character_set = "alphanumeric"
}

resource "ipsec_vpn_connection" "hq_to_branch" {
  provider                 = ipsec.hq
  name                     = "branch"
  local_address            = "192.0.2.1"
  peer_address             = "192.0.2.2"
  preshared_key_wo         = ephemeral.ipsec_preshared_key.hq_branch.value
  preshared_key_wo_version = 1 # increase to apply a new key at both ends
  local_subnets            = ["10.1.0.0/16"]
}

resource "ipsec_vpn_connection" "branch_to_hq" {
  provider                 = ipsec.branch
  name                     = "hq"
  local_address            = "192.0.2.2"
  peer_address             = "192.0.2.1"
  preshared_key_wo         = ephemeral.ipsec_preshared_key.hq_branch.value
  preshared_key_wo_version = 1
  local_subnets            = ["10.2.0.0/16"]
}
