//! The live static NAT: a connection's two chains in table `nat_table`, replaced in one
//! atomic `nft -f` transaction and read back with `nft list chain`, inside the gateway's
//! network namespace when the provider setting `netns` names one.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;
use tokio::sync::Mutex;

use crate::gateway::{EngineError, GatewayError, NftStep};
use crate::model::{Cidr, ConnectionName, NatContext, NatTable};
use crate::parse::parse_nftables;
use crate::render::{chain_names, rule_specs, METADATA_PREFIX};

/// How long one `nft` run may take before it is killed and fails with
/// [`EngineError::NftDeadline`]: a transaction of one connection's chains takes
/// milliseconds; one that does not end holds the engine's writer lock for ever.
pub const NFT_DEADLINE: Duration = Duration::from_secs(30);

/// `nft` in one network namespace, for one table.
#[derive(Debug, Clone)]
pub struct Nft {
    netns: Option<String>,
    table: NatTable,
    /// The table's chains as listed once and then kept up to date by [`Nft::replace`]:
    /// a new connection without NAT needs a transaction only to clear chains left by an
    /// earlier connection of its name, and an `nft` process costs about half of loading
    /// a connection. Chains made by hand meanwhile are not this engine's to judge.
    chains: Arc<Mutex<Option<BTreeSet<String>>>>,
}

impl Nft {
    /// `nft` for `table`, in `netns` or the provider's own namespace.
    pub fn new(netns: Option<String>, table: NatTable) -> Self {
        Self {
            netns,
            table,
            chains: Arc::default(),
        }
    }

    /// `nft` in the same namespace for another table (the one a NAT was stored in before
    /// the provider's `nat_table` changed).
    pub fn for_table(&self, table: NatTable) -> Self {
        Self::new(self.netns.clone(), table)
    }

    /// The network namespace it runs in (`None`: the provider's own).
    pub fn netns(&self) -> Option<&str> {
        self.netns.as_deref()
    }

    /// The table this `nft` works on.
    pub fn table(&self) -> &NatTable {
        &self.table
    }

    /// Whether the table holds either chain of connection `name`.
    pub async fn has_chains(&self, name: &ConnectionName) -> Result<bool, GatewayError> {
        let mut cache = self.chains.lock().await;
        let chains = match &mut *cache {
            Some(chains) => chains,
            empty => empty.insert(self.list_chains().await?),
        };
        let (pre, post) = chain_names(name);
        Ok(chains.contains(&pre) || chains.contains(&post))
    }

    /// Replaces the connection's NAT with `nat` (removes it for `None`), atomically:
    /// `nft -f` applies a whole transaction or nothing.
    pub async fn replace(
        &self,
        name: &ConnectionName,
        nat: Option<&NatContext>,
    ) -> Result<(), GatewayError> {
        let outcome = self
            .run(&["-f", "-"], Some(&self.transaction(name, nat)))
            .await;
        let (table, netns, nat_rules) = (&self.table, &self.netns, nat.is_some());
        match &outcome {
            Ok(_) => {
                tracing::debug!(connection = %name, %table, ?netns, nat_rules, "nft transaction applied")
            }
            Err(error) => {
                tracing::debug!(connection = %name, %table, ?netns, nat_rules, %error, "nft transaction failed")
            }
        }
        let mut cache = self.chains.lock().await;
        match (&outcome, cache.as_mut()) {
            (Ok(_), Some(chains)) => {
                let (pre, post) = chain_names(name);
                if nat.is_some() {
                    chains.extend([pre, post]);
                } else {
                    chains.remove(&pre);
                    chains.remove(&post);
                }
            }
            // What a refused transaction left is not known: list again when asked.
            (Err(_), _) => *cache = None,
            (Ok(_), None) => {}
        }
        drop(cache);
        outcome?;
        if nat.is_none() {
            self.remove_table_if_empty().await?;
        }
        Ok(())
    }

    /// Deletes the table once no chain is left in it (the last NAT context is gone), so
    /// that a destroy leaves nothing behind. Judged on a fresh listing, not the cache:
    /// chains made by hand keep the table.
    async fn remove_table_if_empty(&self) -> Result<(), GatewayError> {
        if !self.list_chains().await?.is_empty() {
            return Ok(());
        }
        let table = self.table.as_str();
        match self.run(&["delete", "table", "inet", table], None).await {
            Ok(_) => {
                tracing::debug!(%table, netns = ?self.netns, "empty nft table deleted");
                Ok(())
            }
            // Gone already (another writer deleted it meanwhile).
            Err(GatewayError::Engine(EngineError::NftNotFound { .. })) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// The names of the table's chains (none when the table does not exist).
    async fn list_chains(&self) -> Result<BTreeSet<String>, GatewayError> {
        let table = self.table.as_str();
        match self.run(&["list", "table", "inet", table], None).await {
            Ok(text) => Ok(text
                .lines()
                .filter_map(|line| line.trim().strip_prefix("chain "))
                .map(|rest| rest.trim_end_matches('{').trim().to_owned())
                .collect()),
            Err(GatewayError::Engine(EngineError::NftNotFound { .. })) => Ok(BTreeSet::new()),
            Err(error) => Err(error),
        }
    }

    /// The connection's live NAT; `static_nat_subnet` is not in nftables and comes from
    /// the files. `None` when neither chain exists.
    pub async fn read(
        &self,
        name: &ConnectionName,
        static_nat_subnet: Cidr,
    ) -> Result<Option<NatContext>, GatewayError> {
        let (pre, post) = chain_names(name);
        let mut listing = format!("{METADATA_PREFIX}static_nat_subnet {static_nat_subnet}\n");
        let mut found = false;
        for chain in [&pre, &post] {
            let table = self.table.as_str();
            match self
                .run(&["list", "chain", "inet", table, chain], None)
                .await
            {
                Ok(text) => {
                    listing.push_str(&text);
                    found = true;
                }
                Err(GatewayError::Engine(EngineError::NftNotFound { .. })) => {}
                Err(error) => return Err(error),
            }
        }
        if !found {
            return Ok(None);
        }
        parse_nftables(&listing).map(Some).map_err(|error| {
            EngineError::ForeignLiveNat {
                connection: name.clone(),
                table: self.table.clone(),
                message: error.message,
            }
            .into()
        })
    }

    /// The transaction text. `add` is idempotent for tables and chains, so a chain is
    /// made sure to exist before it is flushed or deleted.
    fn transaction(&self, name: &ConnectionName, nat: Option<&NatContext>) -> String {
        let table = &self.table;
        let (pre, post) = chain_names(name);
        let mut text = format!(
            "add table inet {table}\n\
             add chain inet {table} {pre} {{ type nat hook prerouting priority dstnat; policy accept; }}\n\
             add chain inet {table} {post} {{ type nat hook postrouting priority srcnat; policy accept; }}\n"
        );
        match nat {
            Some(nat) => {
                text.push_str(&format!(
                    "flush chain inet {table} {pre}\nflush chain inet {table} {post}\n"
                ));
                let (dnat, snat) = rule_specs(nat);
                for (chain, rules) in [(&pre, dnat), (&post, snat)] {
                    for spec in rules {
                        // Translation names are [A-Za-z0-9._-]: nothing in them needs quoting.
                        text.push_str(&format!(
                            "add rule inet {table} {chain} {} comment \"{}\"\n",
                            spec.rule, spec.comment
                        ));
                    }
                }
            }
            None => text.push_str(&format!(
                "delete chain inet {table} {pre}\ndelete chain inet {table} {post}\n"
            )),
        }
        text
    }

    /// Runs `nft` with `args`, killed after [`NFT_DEADLINE`].
    async fn run(&self, args: &[&str], input: Option<&str>) -> Result<String, GatewayError> {
        let outcome =
            match tokio::time::timeout(NFT_DEADLINE, self.run_unbounded(args, input)).await {
                Ok(outcome) => outcome,
                // Dropping the child (kill_on_drop) stops it.
                Err(_) => Err(EngineError::NftDeadline {
                    netns: self.netns.clone(),
                    after: NFT_DEADLINE,
                }
                .into()),
            };
        outcome
    }

    async fn run_unbounded(
        &self,
        args: &[&str],
        input: Option<&str>,
    ) -> Result<String, GatewayError> {
        let mut command = match &self.netns {
            Some(netns) => {
                let mut command = Command::new("ip");
                command.args(["netns", "exec", netns, "nft"]);
                command
            }
            None => Command::new("nft"),
        };
        command
            .args(args)
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let io = |step| {
            let netns = self.netns.clone();
            move |source| EngineError::NftIo {
                step,
                netns,
                source,
            }
        };
        let mut child = command.spawn().map_err(io(NftStep::Run))?;
        if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
            stdin
                .write_all(text.as_bytes())
                .await
                .map_err(io(NftStep::Feed))?;
        }
        let output = child.wait_with_output().await.map_err(io(NftStep::Wait))?;
        if output.status.success() {
            return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
        }
        let netns = self.netns.clone();
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        Err(if names_nothing(output.status.code(), &stderr) {
            EngineError::NftNotFound { netns, stderr }
        } else {
            EngineError::NftFailed { netns, stderr }
        }
        .into())
    }
}

/// Whether nft itself said that a listed table or chain does not exist, which it says
/// only in its message. `ip netns exec` failing to enter the namespace or to find `nft`
/// says "No such file or directory" too, but exits 255 and without nft's `Error:`: that
/// is nft not running, never "no such chain", or a read would take live NAT for gone.
fn names_nothing(code: Option<i32>, stderr: &str) -> bool {
    code == Some(1) && stderr.starts_with("Error: No such file or directory")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::{HostAddress, Translation, TranslationName};

    #[test]
    fn a_transaction_replaces_both_chains_or_removes_them() {
        let nft = Nft::new(None, NatTable::default());
        let name = ConnectionName::parse("dc1").unwrap();
        let nat = NatContext {
            static_nat_subnet: Cidr::parse("10.1.255.88/29").unwrap(),
            translations: BTreeMap::from([(
                TranslationName::parse("db").unwrap(),
                Translation {
                    local_ip: HostAddress::parse("10.1.255.92").unwrap(),
                    customer_ip: HostAddress::parse("192.168.10.15").unwrap(),
                },
            )]),
        };
        let put = nft.transaction(&name, Some(&nat));
        assert!(
            put.contains("flush chain inet ipsec_nat dc1_prerouting"),
            "{put}"
        );
        assert!(put.contains("add rule inet ipsec_nat dc1_prerouting ip daddr 10.1.255.92 dnat ip to 192.168.10.15 comment \"db\""));
        assert!(put.contains("add rule inet ipsec_nat dc1_postrouting ip saddr 192.168.10.15 snat ip to 10.1.255.92 comment \"db\""));
        let remove = nft.transaction(&name, None);
        assert!(
            remove.ends_with("delete chain inet ipsec_nat dc1_postrouting\n"),
            "{remove}"
        );
    }
}
