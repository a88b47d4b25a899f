import {
  to = ipsec_vpn_connection.dc1
  id = "dc1"
}
