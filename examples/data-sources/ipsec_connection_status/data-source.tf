# Warn at every plan and apply when the tunnel is not up.
check "dc1_tunnel" {
  data "ipsec_connection_status" "dc1" {
    name = ipsec_vpn_connection.dc1.name # read after the connection is applied
  }

  assert {
    condition     = data.ipsec_connection_status.dc1.state == "established"
    error_message = "The dc1 tunnel is ${data.ipsec_connection_status.dc1.state}."
  }
}
