# A tunnel on a live strongSwan gateway and a check that it is up, with the algorithms
# it was configured for. `terraform plan` and `apply` read the status after every run
# and warn (never fail) when the check does not hold.

terraform {
  required_version = ">= 1.11"
  required_providers {
    ipsec = { source = "ipsec-vpn/ipsec" }
  }
}

provider "ipsec" {
  engine     = "strongswan"
  config_dir = "/etc/swanctl-terraform"
  vici_uri   = "unix:///var/run/charon.vici"
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
  start_action  = "start" # bring the tunnel up now, not at the first packet

  # Make apply fail, with charon's reason (wrong key, proposals, networks, no answer),
  # when the tunnel does not come up within the timeout.
  wait_until_established = true
  timeouts               = { create = "3m", update = "3m" }
}

resource "ipsec_remote_subnet" "dc1_apps" {
  connection_name = ipsec_vpn_connection.dc1.name
  cidr            = "192.168.10.0/24"
}

check "dc1_tunnel" {
  # Read after the connection and its subnet are applied.
  data "ipsec_connection_status" "dc1" {
    name       = ipsec_vpn_connection.dc1.name
    depends_on = [ipsec_remote_subnet.dc1_apps]
  }

  assert {
    condition     = data.ipsec_connection_status.dc1.state == "established"
    error_message = "The dc1 tunnel is ${data.ipsec_connection_status.dc1.state}, not established."
  }

  assert {
    condition = (
      data.ipsec_connection_status.dc1.ike_sa == null
      ? true
      : data.ipsec_connection_status.dc1.ike_sa.encryption == ipsec_vpn_connection.dc1.phase1.encryption
    )
    error_message = "The dc1 IKE SA was not negotiated with the configured phase 1 encryption."
  }
}

# The counters of the tunnel's CHILD SAs, shown after every apply.
data "ipsec_connection_status" "dc1_traffic" {
  name       = ipsec_vpn_connection.dc1.name
  depends_on = [ipsec_remote_subnet.dc1_apps]
}

output "dc1_tunnel" {
  value = {
    state     = data.ipsec_connection_status.dc1_traffic.state
    bytes_in  = sum(concat([0], data.ipsec_connection_status.dc1_traffic.child_sas[*].bytes_in))
    bytes_out = sum(concat([0], data.ipsec_connection_status.dc1_traffic.child_sas[*].bytes_out))
  }
}
