import {
  to = ipsec_nat_context.dc1
  id = "dc1"
}
