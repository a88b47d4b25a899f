# <connection name>/<cidr>
terraform import ipsec_remote_subnet.dc1_apps dc1/192.168.10.0/24
