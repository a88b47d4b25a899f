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
    /// Remote subnets written beside it (see [`Connection::with_remote_subnet`]).
    remote_subnets: Vec<String>,
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
        remote_subnets: Vec::new(),
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

    /// Writes an `ipsec_remote_subnet` for `cidr` beside it (labelled
    /// `<label>_<n>`), so that the connection has its child: until its first remote
    /// subnet a connection has none.
    pub fn with_remote_subnet(mut self, cidr: &str) -> Self {
        self.remote_subnets.push(cidr.into());
        self
    }

    /// The HCL block, and those of its remote subnets.
    pub fn hcl(&self) -> String {
        let mut hcl = block("ipsec_vpn_connection", &self.label, &self.attrs);
        for (n, cidr) in self.remote_subnets.iter().enumerate() {
            let label = format!("{}_{n}", self.label);
            hcl += &remote_subnet(&label, &self.name_ref(), cidr);
        }
        hcl
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
    acceptance_tests::leaks::hex(text)
}

/// The pre-shared key of the examples (a sensitive variable's default).
pub const EXAMPLE_KEY: &str = "example-only-change-me";

/// `examples/<name>/main.tf` as a user copies it, its `config_dir` pointed at the test's
/// gateway.
pub fn example(name: &str) -> String {
    let path = format!("{}/../examples/{name}/main.tf", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let config = text.replace(
        "\".ipsec-gateway\"",
        &format!("\"{}\"", acceptance_tests::CONFIG_DIR),
    );
    assert_ne!(config, text, "{path} no longer sets config_dir");
    config
}

/// The quickstart: connection dc1, remote subnets `dc1_apps` (192.168.10.0/24) and
/// `dc1_users` (192.168.20.0/24), NAT context dc1 with translation `billing-db`.
pub fn quickstart() -> String {
    example("quickstart")
}

/// `connection` (named dc1) with remote subnets `apps` (192.168.10.0/24) and `users`
/// (192.168.20.0/24) and NAT context dc1 of two translations, one into each: every file
/// and section a hand edit can touch.
pub fn dc1_site(connection: &Connection) -> String {
    format!(
        "{}{}{}{}",
        connection.hcl(),
        remote_subnet("apps", "ipsec_vpn_connection.dc1.name", "192.168.10.0/24"),
        remote_subnet("users", "ipsec_vpn_connection.dc1.name", "192.168.20.0/24"),
        nat_context(
            "dc1",
            "ipsec_vpn_connection.dc1.name",
            "10.1.255.88/29",
            &[
                ("billing-db", "10.1.255.92", "192.168.10.15"),
                ("crm", "10.1.255.93", "192.168.20.7"),
            ],
            &["ipsec_remote_subnet.apps", "ipsec_remote_subnet.users"],
        )
    )
}

/// Panics unless `output` matches `pattern`.
pub fn assert_shows(output: &str, pattern: &str, context: &str) {
    let regex = regex::Regex::new(pattern).expect("a valid pattern");
    assert!(
        regex.is_match(output),
        "{context}: the output does not show {pattern}:\n{output}"
    );
}

fn block(kind: &str, label: &str, attrs: &[(String, String)]) -> String {
    let mut text = format!("resource \"{kind}\" \"{label}\" {{\n");
    for (attr, value) in attrs {
        text.push_str(&format!("  {attr} = {value}\n"));
    }
    text.push_str("}\n");
    text
}
