//! Any bytes as a connection's NAT fragment: the reader answers a NAT context or an
//! error with a line, never panics; what it accepts renders to a fragment that reads
//! back to the same NAT context.
#![no_main]

use ipsec_core::model::{ConnectionName, NatTable};
use ipsec_core::parse::parse_nftables;
use ipsec_core::render::render_nftables;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(nat) = parse_nftables(text) else {
        return;
    };
    let name = ConnectionName::parse("dc1").expect("a valid name");
    let again = render_nftables(&name, &nat, &NatTable::default());
    let reread = parse_nftables(&again)
        .unwrap_or_else(|e| panic!("re-rendered fragment does not parse: {e}\n{again}"));
    assert_eq!(reread, nat);
});
