//! The provider settings that choose an engine and say how to reach the gateway, and
//! opening the engine they describe.

use std::sync::Arc;

use super::strongswan::ViciUri;
use super::{LocalGateway, StrongswanGateway};
use crate::diag::{quote, AttributePath, Diagnostics, Problem};
use crate::gateway::{Gateway, GatewayError};
use crate::model::NatTable;
use crate::suggest::did_you_mean;
use crate::validate::Unknowns;

/// The engines, as the `engine` setting spells them.
pub const ENGINES: [&str; 2] = ["local", "strongswan"];

/// The `config_dir` used when none is configured.
pub const DEFAULT_CONFIG_DIR: &str = ".ipsec-gateway";

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Origin {
    /// The provider block (or, when it is null there, the default).
    #[default]
    Configuration,
    /// The environment variable of this name, read because the provider block left the
    /// setting null: a diagnostic about the value names it, since the configuration
    /// does not show the value.
    Environment(&'static str),
}

/// The engine settings as configured (environment fallbacks already applied); `None`
/// means not set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineSettings {
    /// `engine`: `local` (default) or `strongswan`.
    pub engine: Option<String>,
    /// `config_dir`: where the gateway's files live.
    pub config_dir: Option<String>,
    /// `vici_uri`: charon's VICI socket (strongswan only).
    pub vici_uri: Option<String>,
    /// `nat_table`: the nftables table for static NAT.
    pub nat_table: Option<String>,
    /// `netns`: the network namespace whose nftables gets the NAT (strongswan only).
    pub netns: Option<String>,
    /// Where `config_dir` came from.
    pub config_dir_origin: Origin,
    /// Where `vici_uri` came from.
    pub vici_uri_origin: Origin,
}

impl EngineSettings {
    /// `diags` with every diagnostic about a setting taken from the environment saying
    /// which variable it came from.
    pub fn name_origins(&self, diags: Diagnostics) -> Diagnostics {
        diags
            .into_iter()
            .map(|mut diagnostic| {
                let origin = [
                    ("config_dir", self.config_dir_origin),
                    ("vici_uri", self.vici_uri_origin),
                ]
                .into_iter()
                .find(|(setting, _)| diagnostic.path == AttributePath::root(setting));
                if let Some((setting, Origin::Environment(variable))) = origin {
                    diagnostic.detail = format!(
                        "{setting} comes from the environment variable {variable}: {}",
                        diagnostic.detail
                    );
                }
                diagnostic
            })
            .collect()
    }
}

/// Checks the settings; values in `unknown` are not judged.
pub fn check_settings(settings: &EngineSettings, unknown: &Unknowns) -> Diagnostics {
    settings.name_origins(check_values(settings, unknown))
}

fn check_values(settings: &EngineSettings, unknown: &Unknowns) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let engine_path = AttributePath::root("engine");
    let engine = settings.engine.as_deref().unwrap_or(ENGINES[0]);
    let engine_known = !unknown.contains(&engine_path);
    if engine_known && !ENGINES.contains(&engine) {
        diags.add(
            Problem::error(
                "Unknown engine",
                format!(
                    "{} is not an engine; use \"local\" or \"strongswan\".{}",
                    quote(engine),
                    did_you_mean(engine, &ENGINES)
                ),
            ),
            engine_path.clone(),
        );
    }
    if let Some(dir) = &settings.config_dir {
        if dir.is_empty() && !unknown.contains(&AttributePath::root("config_dir")) {
            diags.add(
                Problem::error(
                    "Empty config_dir",
                    format!("config_dir must name a directory, such as {DEFAULT_CONFIG_DIR:?}."),
                ),
                AttributePath::root("config_dir"),
            );
        }
    }
    if let Some(table) = &settings.nat_table {
        unknown.take(
            &mut diags,
            &AttributePath::root("nat_table"),
            NatTable::parse(table),
        );
    }
    if let Some(uri) = &settings.vici_uri {
        let path = AttributePath::root("vici_uri");
        if !unknown.contains(&path) {
            if let Err(problem) = check_vici_uri(uri) {
                diags.add(problem, path);
            }
        }
    }
    if let Some(netns) = &settings.netns {
        let path = AttributePath::root("netns");
        let valid = !netns.is_empty()
            && netns.len() <= 64
            && netns
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && !netns.starts_with('.');
        if !valid && !unknown.contains(&path) {
            diags.add(
                Problem::error(
                    "Invalid netns",
                    format!("{} is not a network namespace name; use letters, digits, '-', '_' and '.', as `ip netns add` does.", quote(netns)),
                ),
                path,
            );
        }
    }
    if engine_known && engine == "local" {
        for (setting, value) in [("vici_uri", &settings.vici_uri), ("netns", &settings.netns)] {
            if value.is_some() {
                diags.add(
                    Problem::warning(
                        format!("{setting} is ignored by the local engine"),
                        format!("The local engine only writes files under config_dir; {setting} applies to engine = \"strongswan\"."),
                    ),
                    AttributePath::root(setting),
                );
            }
        }
    }
    diags
}

/// Opens the engine the settings describe.
pub async fn open(settings: &EngineSettings) -> Result<Arc<dyn Gateway>, Diagnostics> {
    let diags = check_settings(settings, &Unknowns::none());
    if diags.has_error() {
        return Err(diags);
    }
    let nat_table = match &settings.nat_table {
        Some(table) => NatTable::parse(table)
            .map_err(|p| Diagnostics::from(p.at(AttributePath::root("nat_table"))))?,
        None => NatTable::default(),
    };
    let config_dir = settings.config_dir.as_deref().unwrap_or(DEFAULT_CONFIG_DIR);
    let opened: Result<Arc<dyn Gateway>, GatewayError> =
        match settings.engine.as_deref().unwrap_or(ENGINES[0]) {
            "local" => LocalGateway::open(config_dir, nat_table)
                .map(|gateway| Arc::new(gateway) as Arc<dyn Gateway>),
            _ => {
                let raw = settings.vici_uri.as_deref().unwrap_or(ViciUri::DEFAULT);
                // check_settings accepted the URI, so it parses.
                let Some(uri) = ViciUri::parse(raw) else {
                    let problem = Problem::error(
                        "Invalid vici_uri",
                        format!("{} is not a VICI URI", quote(raw)),
                    );
                    let diags = problem.at(AttributePath::root("vici_uri")).into();
                    return Err(settings.name_origins(diags));
                };
                StrongswanGateway::open(config_dir, nat_table, uri, settings.netns.clone())
                    .await
                    .map(|gateway| Arc::new(gateway) as Arc<dyn Gateway>)
            }
        };
    opened.map_err(|error| settings.name_origins(error.to_diagnostic().into()))
}

fn check_vici_uri(uri: &str) -> Result<(), Problem> {
    let invalid = |why: &str| {
        Problem::error(
            "Invalid vici_uri",
            format!(
                "{} {why}; use unix:///path/to/charon.vici or tcp://host:port.",
                quote(uri)
            ),
        )
    };
    if let Some(path) = uri.strip_prefix("unix://") {
        if !path.starts_with('/') {
            return Err(invalid("does not name an absolute socket path"));
        }
        return Ok(());
    }
    if let Some(address) = uri.strip_prefix("tcp://") {
        let port_ok = address.rsplit_once(':').is_some_and(|(host, port)| {
            !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0)
        });
        return if port_ok {
            Ok(())
        } else {
            Err(invalid("does not name a host and port"))
        };
    }
    Err(invalid("has an unsupported scheme"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(engine: &str) -> EngineSettings {
        EngineSettings {
            engine: Some(engine.to_owned()),
            ..EngineSettings::default()
        }
    }

    #[test]
    fn unknown_engines_are_errors_at_engine() {
        let diags = check_settings(&settings("Local"), &Unknowns::none());
        let error = diags.errors().next().unwrap();
        assert_eq!(error.path.to_string(), "engine");
        assert!(error.detail.contains("local"), "{}", error.detail);
    }

    #[test]
    fn vici_uris_need_a_supported_scheme() {
        assert!(check_vici_uri("unix:///var/run/charon.vici").is_ok());
        assert!(check_vici_uri("tcp://10.0.0.1:4502").is_ok());
        for bad in [
            "http://x",
            "unix://relative",
            "tcp://host",
            "tcp://:1",
            "tcp://h:0",
        ] {
            assert!(check_vici_uri(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn strongswan_only_settings_warn_with_the_local_engine() {
        let mut local = settings("local");
        local.netns = Some("gw1".into());
        let diags = check_settings(&local, &Unknowns::none());
        assert!(!diags.has_error());
        assert_eq!(diags.warnings().next().unwrap().path.to_string(), "netns");
    }

    #[tokio::test]
    async fn an_unreachable_charon_is_an_error_at_vici_uri() {
        let dir = tempfile::tempdir().unwrap();
        let mut strongswan = settings("strongswan");
        strongswan.config_dir = Some(dir.path().display().to_string());
        strongswan.vici_uri = Some(format!("unix://{}/no-charon.vici", dir.path().display()));
        let diags = open(&strongswan).await.err().unwrap();
        let error = diags.errors().next().unwrap();
        assert_eq!(error.path.to_string(), "vici_uri");
        assert!(
            error.detail.contains("cannot reach charon"),
            "{}",
            error.detail
        );
    }

    #[tokio::test]
    async fn a_missing_netns_is_an_error_at_netns() {
        let dir = tempfile::tempdir().unwrap();
        let mut strongswan = settings("strongswan");
        strongswan.config_dir = Some(dir.path().display().to_string());
        strongswan.netns = Some("no-such-namespace-here".into());
        let diags = open(&strongswan).await.err().unwrap();
        assert_eq!(diags.errors().next().unwrap().path.to_string(), "netns");
        strongswan.netns = Some("../etc".into());
        let diags = check_settings(&strongswan, &Unknowns::none());
        assert_eq!(diags.errors().next().unwrap().path.to_string(), "netns");
    }

    #[test]
    fn unknown_values_are_not_judged() {
        let unknown: Unknowns = [AttributePath::root("engine")].into_iter().collect();
        assert!(check_settings(&settings("???"), &unknown).is_empty());
    }

    #[tokio::test]
    async fn an_unusable_config_dir_is_an_error_at_config_dir() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, "").unwrap();
        let mut local = settings("local");
        local.config_dir = Some(file.join("gateway").display().to_string());
        let diags = open(&local).await.err().unwrap();
        let error = diags.errors().next().unwrap();
        assert_eq!(error.path.to_string(), "config_dir");
        assert!(!error.detail.contains("environment"), "{}", error.detail);
    }

    #[tokio::test]
    async fn a_bad_value_from_the_environment_names_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, "").unwrap();
        let mut local = settings("local");
        local.config_dir = Some(file.display().to_string());
        local.config_dir_origin = Origin::Environment("IPSEC_CONFIG_DIR");
        let diags = open(&local).await.err().unwrap();
        let error = diags.errors().next().unwrap();
        assert_eq!(error.path.to_string(), "config_dir");
        assert!(
            error
                .detail
                .starts_with("config_dir comes from the environment variable IPSEC_CONFIG_DIR: ")
                && error.detail.contains("is a file, not a directory"),
            "{}",
            error.detail
        );

        local.config_dir = Some(String::new());
        let diags = check_settings(&local, &Unknowns::none());
        assert!(diags
            .errors()
            .next()
            .unwrap()
            .detail
            .contains("IPSEC_CONFIG_DIR"));

        let mut strongswan = settings("strongswan");
        strongswan.config_dir = Some(dir.path().display().to_string());
        strongswan.vici_uri = Some("http://charon:4502".into());
        strongswan.vici_uri_origin = Origin::Environment("IPSEC_VICI_URI");
        let diags = check_settings(&strongswan, &Unknowns::none());
        let error = diags.errors().next().unwrap();
        assert_eq!(error.path.to_string(), "vici_uri");
        assert!(error.detail.contains("IPSEC_VICI_URI"), "{}", error.detail);
        strongswan.vici_uri = Some(format!("unix://{}/no-charon.vici", dir.path().display()));
        let diags = open(&strongswan).await.err().unwrap();
        assert!(
            diags
                .errors()
                .next()
                .unwrap()
                .detail
                .contains("IPSEC_VICI_URI"),
            "{diags}"
        );
    }
}
