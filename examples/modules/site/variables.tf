variable "site" {
  description = "The site: its connection, the networks behind the peer and its static NAT."
  type = object({
    name           = string
    peer_address   = string
    peer_id        = optional(string)
    local_subnets  = list(string)
    remote_subnets = list(string)
    ike_version    = optional(number, 2)
    start_action   = optional(string, "trap")
    description    = optional(string)
    key_version    = optional(number, 1)
    nat = optional(object({
      static_nat_subnet = string
      translations = map(object({
        local_ip    = string
        customer_ip = string
      }))
    }))
  })

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,62}$", var.site.name))
    error_message = "site.name must be 1-63 lowercase letters, digits or hyphens, starting with a letter or digit."
  }
  validation {
    condition     = length(var.site.remote_subnets) > 0
    error_message = "site.remote_subnets must list at least one network: a connection without one carries no traffic."
  }
  validation {
    condition     = alltrue([for cidr in concat(var.site.local_subnets, var.site.remote_subnets) : can(cidrhost(cidr, 0))])
    error_message = "site.local_subnets and site.remote_subnets must hold CIDRs such as 10.1.0.0/16."
  }
  validation {
    condition = var.site.nat == null ? true : alltrue([
      for t in values(var.site.nat.translations) : anytrue([
        for cidr in var.site.remote_subnets : can(cidrhost(cidr, 0)) && cidrhost("${t.customer_ip}/${split("/", cidr)[1]}", 0) == cidrhost(cidr, 0)
      ])
    ])
    error_message = "Every site.nat.translations customer_ip must lie in one of site.remote_subnets."
  }
  validation {
    condition     = var.site.key_version >= 1
    error_message = "site.key_version starts at 1; increase it to apply a new preshared_key."
  }
}

variable "preshared_key" {
  description = "The site's pre-shared key (8-255 characters). Ephemeral: it is written to the gateway's 0600 secrets when site.key_version changes, and kept in no plan or state."
  type        = string
  sensitive   = true
  ephemeral   = true
}
