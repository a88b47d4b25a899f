//! The typed model of a context. Values here are valid by construction: they are made by
//! the parsers in this module and in [`crate::validate`], never from raw strings elsewhere.

mod address;
mod algorithms;
mod connection;
mod context;
mod dpd;
mod identity;
mod names;
mod nat;
mod random_key;
mod secret;

pub use address::{Cidr, EndpointAddress, HostAddress};
pub use algorithms::{Authentication, DhGroup, Encryption};
pub use connection::{
    Connection, EspProposal, IkeProposal, IkeVersion, Keylife, Phase1, Phase2, StartAction,
};
pub use context::Context;
pub use dpd::{Dpd, DpdAction, DpdDelay, DpdTimeout};
pub use identity::Identity;
pub use names::{ConnectionName, NatTable, TranslationName};
pub use nat::{NatContext, Translation};
pub use random_key::{KeyAlphabet, KeyLength};
pub use secret::PresharedKey;
