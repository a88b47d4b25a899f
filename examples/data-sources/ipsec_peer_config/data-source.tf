# The configuration the other end needs: a swanctl.conf for a strongSwan peer (holds
# the key, so it is sensitive) and the parameters any other vendor must match.
data "ipsec_peer_config" "dc1" {
  connection_name = ipsec_vpn_connection.dc1.name
}

# `terraform output -raw dc1_peer_swanctl_conf > /etc/swanctl/conf.d/dc1.conf` on the peer.
output "dc1_peer_swanctl_conf" {
  value     = data.ipsec_peer_config.dc1.swanctl_conf
  sensitive = true
}

output "dc1_peer_parameters" {
  value = data.ipsec_peer_config.dc1.parameters
}
