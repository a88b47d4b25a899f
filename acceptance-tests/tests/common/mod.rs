//! HCL for the suites: resources built from SPEC.md's attribute names, with the values a
//! test does not care about filled in.

#![allow(dead_code)] // each suite binary uses its own part

/// The pre-shared key of every connection built here unless a test sets another.
pub const KEY: &str = "acceptance-key-Zq7w";

/// An `ipsec_vpn_connection` block: attributes in insertion order, values as HCL.
#[derive(Clone)]
pub struct Connection {
    label: String,
    attrs: Vec<(String, String)>,
}

/// A connection named `name` (resource label `name` too) with a peer, the key [`KEY`] and
/// one local subnet; everything else at its default.
pub fn connection(name: &str) -> Connection {
    Connection {
        label: name.into(),
        attrs: vec![
            ("name".into(), quoted(name)),
            ("peer_address".into(), quoted("203.0.113.10")),
            ("preshared_key".into(), quoted(KEY)),
            ("local_subnets".into(), "[\"10.1.0.0/16\"]".into()),
        ],
    }
}

impl Connection {
    /// Sets `attr` to the HCL expression `value` (replacing an earlier value).
    pub fn set(mut self, attr: &str, value: &str) -> Self {
        match self.attrs.iter_mut().find(|(a, _)| a == attr) {
            Some(slot) => slot.1 = value.into(),
            None => self.attrs.push((attr.into(), value.into())),
        }
        self
    }

    /// Sets `attr` to the string `value`.
    pub fn string(self, attr: &str, value: &str) -> Self {
        self.set(attr, &quoted(value))
    }

    /// Leaves `attr` out.
    pub fn unset(mut self, attr: &str) -> Self {
        self.attrs.retain(|(a, _)| a != attr);
        self
    }

    /// Uses another resource label than the name.
    pub fn label(mut self, label: &str) -> Self {
        self.label = label.into();
        self
    }

    /// The resource address.
    pub fn address(&self) -> String {
        format!("ipsec_vpn_connection.{}", self.label)
    }

    /// An expression for its name that makes dependents depend on it.
    pub fn name_ref(&self) -> String {
        format!("ipsec_vpn_connection.{}.name", self.label)
    }

    /// The HCL block.
    pub fn hcl(&self) -> String {
        block("ipsec_vpn_connection", &self.label, &self.attrs)
    }
}

/// An `ipsec_remote_subnet` block labelled `label` whose `connection_name` is the
/// expression `connection` (such as `ipsec_vpn_connection.dc1.name`).
pub fn remote_subnet(label: &str, connection: &str, cidr: &str) -> String {
    block(
        "ipsec_remote_subnet",
        label,
        &[
            ("connection_name".into(), connection.into()),
            ("cidr".into(), quoted(cidr)),
        ],
    )
}

/// An `ipsec_nat_context` block; `depends_on` names the remote subnets that hold its
/// customer IPs, as SPEC.md's cross-resource rule needs them first.
pub fn nat_context(
    label: &str,
    connection: &str,
    static_nat_subnet: &str,
    translations: &[(&str, &str, &str)],
    depends_on: &[&str],
) -> String {
    let mut map = String::from("{\n");
    for (name, local_ip, customer_ip) in translations {
        map.push_str(&format!(
            "    {} = {{\n      local_ip    = {}\n      customer_ip = {}\n    }}\n",
            quoted(name),
            quoted(local_ip),
            quoted(customer_ip)
        ));
    }
    map.push_str("  }");
    let mut attrs = vec![
        ("connection_name".to_string(), connection.to_string()),
        ("static_nat_subnet".into(), quoted(static_nat_subnet)),
        ("translations".into(), map),
    ];
    if !depends_on.is_empty() {
        attrs.push(("depends_on".into(), format!("[{}]", depends_on.join(", "))));
    }
    block("ipsec_nat_context", label, &attrs)
}

/// `text` as an HCL string literal.
pub fn quoted(text: &str) -> String {
    acceptance_tests::case::hcl_string(text)
}

/// The lowercase hex of `text`, as the gateway's `secrets` section holds a key.
pub fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

fn block(kind: &str, label: &str, attrs: &[(String, String)]) -> String {
    let mut text = format!("resource \"{kind}\" \"{label}\" {{\n");
    for (attr, value) in attrs {
        text.push_str(&format!("  {attr} = {value}\n"));
    }
    text.push_str("}\n");
    text
}
