//! `ipsec_remote_subnet`: its own attributes. Overlaps are checked in [`super::context`].

use super::input::RemoteSubnetInput;
use super::unknowns::Unknowns;
use crate::diag::{AttributePath, Diagnostics};
use crate::model::{Cidr, ConnectionName};

/// Validates a remote subnet on its own: a connection name and a canonical CIDR.
pub fn validate_remote_subnet(
    input: &RemoteSubnetInput,
) -> (Option<(ConnectionName, Cidr)>, Diagnostics) {
    validate_remote_subnet_with(input, &Unknowns::none())
}

/// Validates a configuration in which the attributes in `unknown` are not known yet.
pub fn check_remote_subnet_config(input: &RemoteSubnetInput, unknown: &Unknowns) -> Diagnostics {
    validate_remote_subnet_with(input, unknown).1
}

fn validate_remote_subnet_with(
    input: &RemoteSubnetInput,
    unknown: &Unknowns,
) -> (Option<(ConnectionName, Cidr)>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let connection_path = AttributePath::root("connection_name");
    let cidr_path = AttributePath::root("cidr");
    let connection = unknown.take(
        &mut diags,
        &connection_path,
        ConnectionName::parse(&input.connection),
    );
    let cidr = unknown.take(&mut diags, &cidr_path, Cidr::parse(&input.cidr));
    (connection.zip(cidr), diags)
}

/// The import ID and `id` of a remote subnet: `<connection>/<cidr>`.
pub fn remote_subnet_id(connection: &ConnectionName, cidr: &Cidr) -> String {
    format!("{connection}/{cidr}")
}

/// Splits a remote subnet ID `<connection>/<cidr>` (the CIDR itself contains a `/`).
pub fn parse_remote_subnet_id(id: &str) -> (Option<(ConnectionName, Cidr)>, Diagnostics) {
    let Some((connection, cidr)) = id.split_once('/') else {
        let problem = crate::diag::Problem::error(
            "Invalid remote subnet ID",
            format!("{} is not a remote subnet ID; the form is <connection>/<cidr>, such as dc1/192.168.10.0/24.", crate::diag::quote(id)),
        );
        return (None, problem.at(AttributePath::empty()).into());
    };
    validate_remote_subnet(&RemoteSubnetInput {
        connection: connection.to_owned(),
        cidr: cidr.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_splits_at_the_first_slash_and_round_trips() {
        let (parsed, diags) = parse_remote_subnet_id("dc1/192.168.10.0/24");
        assert!(diags.is_empty(), "{diags}");
        let (connection, cidr) = parsed.unwrap();
        assert_eq!(remote_subnet_id(&connection, &cidr), "dc1/192.168.10.0/24");
        let (_, diags) = parse_remote_subnet_id("dc1/2001:db8::/32");
        assert!(diags.is_empty(), "{diags}");
    }

    #[test]
    fn a_malformed_id_says_what_the_form_is() {
        let (parsed, diags) = parse_remote_subnet_id("dc1");
        assert!(parsed.is_none());
        assert!(diags
            .errors()
            .next()
            .unwrap()
            .detail
            .contains("<connection>/<cidr>"));
        let (parsed, diags) = parse_remote_subnet_id("dc1/192.168.10.5/24");
        assert!(parsed.is_none());
        let error = diags.errors().next().unwrap();
        assert_eq!(error.path.to_string(), "cidr");
        assert!(error.detail.contains("did you mean 192.168.10.0/24"));
    }
}
