# The module's validation blocks refuse a bad site before the provider sees it.

provider "ipsec" {
  engine     = "local"
  config_dir = ".ipsec-gateway-test"
}

variables {
  preshared_key = "test-only-key-not-secret"
}

run "a_site_without_remote_subnets_is_refused" {
  command = plan

  variables {
    site = {
      name           = "empty"
      peer_address   = "198.51.100.79"
      local_subnets  = ["10.1.0.0/16"]
      remote_subnets = []
    }
  }

  expect_failures = [var.site]
}

run "an_upper_case_name_is_refused" {
  command = plan

  variables {
    site = {
      name           = "Branch9"
      peer_address   = "198.51.100.80"
      local_subnets  = ["10.1.0.0/16"]
      remote_subnets = ["192.168.90.0/24"]
    }
  }

  expect_failures = [var.site]
}

run "a_translation_outside_every_remote_subnet_is_refused" {
  command = plan

  variables {
    site = {
      name           = "branch10"
      peer_address   = "198.51.100.81"
      local_subnets  = ["10.1.0.0/16"]
      remote_subnets = ["192.168.100.0/24"]
      nat = {
        static_nat_subnet = "10.1.255.96/29"
        translations = {
          db = { local_ip = "10.1.255.98", customer_ip = "172.16.0.5" }
        }
      }
    }
  }

  expect_failures = [var.site]
}
