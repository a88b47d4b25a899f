# The connection's name.
terraform import ipsec_vpn_connection.dc1 dc1
