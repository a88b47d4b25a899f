resource "ipsec_remote_subnet" "dc1_apps" {
  connection_name = ipsec_vpn_connection.dc1.name
  cidr            = "192.168.10.0/24"
}

resource "ipsec_remote_subnet" "dc1_users" {
  connection_name = ipsec_vpn_connection.dc1.name
  cidr            = "192.168.20.0/24"
}
