# The connection's name.
terraform import ipsec_nat_context.dc1 dc1
