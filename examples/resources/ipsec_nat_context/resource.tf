# Static 1:1 NAT: local hosts reach 192.168.10.15 at 10.1.255.92, and its traffic
# appears to them as coming from 10.1.255.92.
resource "ipsec_nat_context" "dc1" {
  connection_name   = ipsec_vpn_connection.dc1.name
  static_nat_subnet = "10.1.255.88/29"
  translations = {
    "billing-db" = {
      local_ip    = "10.1.255.92"
      customer_ip = "192.168.10.15"
    }
  }
  # The customer IPs lie in this remote subnet, which must exist first.
  depends_on = [ipsec_remote_subnet.dc1_apps]
}
