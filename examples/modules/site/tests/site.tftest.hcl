# `terraform test` of the site module on the `local` engine: files in a directory, no
# daemon. Run from examples/modules/site: `terraform init && terraform test`.

provider "ipsec" {
  engine     = "local"
  config_dir = ".ipsec-gateway-test"
}

variables {
  preshared_key = "test-only-key-not-secret"
  site = {
    name           = "branch7"
    peer_address   = "198.51.100.77"
    peer_id        = "branch7.example.net"
    local_subnets  = ["10.1.0.0/16"]
    remote_subnets = ["192.168.70.0/24", "192.168.71.0/24"]
    nat = {
      static_nat_subnet = "10.1.255.88/29"
      translations = {
        pos = { local_ip = "10.1.255.90", customer_ip = "192.168.70.20" }
      }
    }
  }
}

run "plan_shows_the_site_as_declared" {
  command = plan

  assert {
    condition     = ipsec_vpn_connection.this.name == "branch7"
    error_message = "the connection is not named after the site"
  }
  assert {
    condition     = ipsec_vpn_connection.this.peer_id == "branch7.example.net"
    error_message = "peer_id is not passed through"
  }
  assert {
    condition     = length(ipsec_remote_subnet.this) == 2
    error_message = "one ipsec_remote_subnet per remote subnet"
  }
  assert {
    condition     = ipsec_nat_context.this[0].translations["pos"].customer_ip == "192.168.70.20"
    error_message = "the translation is not planned"
  }
  assert {
    condition     = ipsec_vpn_connection.this.preshared_key_wo == null
    error_message = "a write-only key must never be planned"
  }
}

run "apply_writes_the_site_with_defaults_in_state" {
  command = apply

  assert {
    condition     = ipsec_vpn_connection.this.phase1.encryption == "AES256" && ipsec_vpn_connection.this.phase1.dh_group == 14
    error_message = "phase1 defaults are not in the state"
  }
  assert {
    condition     = output.remote_subnets == tolist(["192.168.70.0/24", "192.168.71.0/24"])
    error_message = "the remote subnets are not applied"
  }
  assert {
    condition     = output.nat_local_ips == tomap({ pos = "10.1.255.90" })
    error_message = "the NAT is not applied"
  }
}

run "a_site_without_nat_has_no_nat_context" {
  command = plan

  variables {
    site = {
      name           = "branch8"
      peer_address   = "198.51.100.78"
      local_subnets  = ["10.1.0.0/16"]
      remote_subnets = ["192.168.80.0/24"]
    }
  }

  assert {
    condition     = length(ipsec_nat_context.this) == 0
    error_message = "a site without nat declares a NAT context"
  }
}
