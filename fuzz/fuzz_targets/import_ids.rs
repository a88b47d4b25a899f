//! Any text as an import ID: a name or `<connection>/<cidr>`, or a diagnostic, never a
//! panic; an accepted ID is the canonical one the resource's `id` shows.
#![no_main]

use ipsec_core::model::ConnectionName;
use ipsec_core::validate::{parse_remote_subnet_id, remote_subnet_id};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|id: &str| {
    // What `ipsec_vpn_connection` and `ipsec_nat_context` import by.
    if let Ok(name) = ConnectionName::parse(id) {
        assert_eq!(name.to_string(), id);
    }
    let (parsed, diags) = parse_remote_subnet_id(id);
    match parsed {
        Some((connection, cidr)) => assert_eq!(remote_subnet_id(&connection, &cidr), id),
        None => assert!(diags.has_error(), "refused without an error: {id:?}"),
    }
});
