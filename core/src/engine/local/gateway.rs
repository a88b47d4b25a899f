//! [`Gateway`] for the `local` engine: reads under the reader's rules of `read.rs`,
//! changes under the writer lock of `write.rs`.

use async_trait::async_trait;

use super::layout::swanctl_file;
use super::{Inner, LocalGateway};
use crate::gateway::detached::Detached;
use crate::gateway::unanswered::Unanswered;
use crate::gateway::{ApplyError, Change, Edit, Gateway, GatewayError, GatewayIndex};
use crate::model::{ConnectionName, Context, NatTable};

impl LocalGateway {
    /// Runs `read` as a reader. Terraform reads one connection per resource at plan and
    /// refresh: two small files, cheaper to read here than to hand to a blocking thread
    /// and back. Only a writer of another process holding the dir (or a journal to
    /// recover) makes the read wait, and that wait belongs on a blocking thread.
    async fn read_with<T: Send + 'static>(
        &self,
        read: impl Fn(&Inner) -> Result<T, GatewayError> + Send + 'static,
    ) -> Result<T, GatewayError> {
        if let Some(found) = self.inner.read_untouched(&read)? {
            return Ok(found);
        }
        if let Some(_lock) = self.inner.try_lock_for_reading()? {
            return read(&self.inner);
        }
        self.blocking(move |inner| {
            let _lock = inner.lock_for_reading()?;
            Ok(read(inner)?)
        })
        .await
        .map_err(ApplyError::into_gateway_error)
    }
}

#[async_trait]
impl Gateway for LocalGateway {
    fn engine(&self) -> &'static str {
        "local"
    }

    async fn get(&self, name: &ConnectionName) -> Result<Option<Context>, GatewayError> {
        let _guard = self.inner.lock.read().await;
        let name = name.clone();
        self.read_with(move |inner| inner.read(&name)).await
    }

    async fn list(&self) -> Result<Vec<ConnectionName>, GatewayError> {
        let _guard = self.inner.lock.read().await;
        self.read_with(Inner::list).await
    }

    fn detached(&self) -> &Detached {
        &self.inner.detached
    }

    fn unanswered(&self) -> &Unanswered {
        &self.inner.unanswered
    }

    fn nat_table(&self) -> &NatTable {
        &self.inner.nat_table
    }

    async fn stored_nat_table(
        &self,
        name: &ConnectionName,
    ) -> Result<Option<NatTable>, GatewayError> {
        let _guard = self.inner.lock.read().await;
        let name = name.clone();
        self.read_with(move |inner| inner.stored_nat_table(&name))
            .await
    }

    /// At plan time, Terraform asks this once per resource: the index last checked is
    /// answered without touching a file while it can be trusted (`TRUST_FOR`).
    async fn index(&self) -> Result<GatewayIndex, GatewayError> {
        let _guard = self.inner.lock.read().await;
        let stamps = self.inner.dir_stamps();
        if let Some(index) = self.inner.trusted_index(&stamps) {
            return Ok(index);
        }
        self.read_with(Inner::refreshed_index).await
    }

    async fn modify(&self, name: &ConnectionName, edit: Edit) -> Result<Change, ApplyError> {
        let _guard = self.inner.lock.write().await;
        let name = name.clone();
        self.blocking(move |inner| {
            let Some((_lock, change)) = inner.decide(&name, edit)? else {
                return Ok(Change::Keep);
            };
            let before = inner.dir_stamps();
            inner.store(&name, &change)?;
            inner.remember(&before, &name, &change, true);
            tracing::debug!(engine = "local", connection = %name, change = change_kind(&change), "modified context");
            Ok(change)
        })
        .await
    }

    /// Deletes without parsing, so that a file broken by hand can still be destroyed.
    async fn delete(&self, name: &ConnectionName) -> Result<bool, GatewayError> {
        let _guard = self.inner.lock.write().await;
        if !self.inner.root.exists() {
            // Nothing to delete, and nothing to create for it.
            return Ok(false);
        }
        let name = name.clone();
        self.blocking(move |inner| {
            let _lock = inner.lock_for_writing()?;
            let existed = inner.root.join(swanctl_file(&name)).exists();
            let before = inner.dir_stamps();
            inner.remove(&name)?;
            inner.remember(&before, &name, &Change::Delete, false);
            tracing::debug!(engine = "local", connection = %name, existed, "deleted context");
            Ok(existed)
        })
        .await
        .map_err(ApplyError::into_gateway_error)
    }
}

fn change_kind(change: &Change) -> &'static str {
    match change {
        Change::Put(_) => "put",
        Change::Delete => "delete",
        Change::Keep => "keep",
    }
}
