//! Any bytes as a connection's swanctl.conf (a hand edit gone wrong): the reader answers
//! a model or an error with a line, never panics; what it accepts renders to a file
//! that reads back to the same model.
#![no_main]

use ipsec_core::model::{ConnectionName, Context};
use ipsec_core::parse::parse_swanctl;
use ipsec_core::render::render_swanctl;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let name = ConnectionName::parse("dc1").expect("a valid name");
    let Ok(file) = parse_swanctl(text, &name) else {
        return;
    };
    let context = Context {
        remote_subnets: file.remote_subnets.clone(),
        unmanaged_remote_subnets: file.unmanaged_remote_subnets.clone(),
        ..Context::new(file.connection.clone())
    };
    let again = render_swanctl(&context);
    let reread = parse_swanctl(&again, &name)
        .unwrap_or_else(|e| panic!("re-rendered file does not parse: {e}\n{}", *again));
    assert_eq!(reread.connection, file.connection);
    assert_eq!(reread.remote_subnets, file.remote_subnets);
    assert_eq!(
        reread.unmanaged_remote_subnets,
        file.unmanaged_remote_subnets
    );
});
