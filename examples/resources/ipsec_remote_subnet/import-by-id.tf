import {
  to = ipsec_remote_subnet.dc1_apps
  id = "dc1/192.168.10.0/24"
}
