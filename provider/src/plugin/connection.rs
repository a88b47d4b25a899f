//! Which client connection a request arrived on.
//!
//! In managed mode Terraform starts one plugin process per provider configuration, but
//! a debug server is shared: Terraform dials it once per provider configuration
//! (`provider "ipsec" { alias = … }`), over separate connections. Every accepted stream
//! is therefore wrapped in [`Conn`], whose [`ConnectionId`] tonic puts into each
//! request's extensions, so that the provider keeps one configuration per connection.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tonic::transport::server::Connected;

/// A client connection's identity, unique within the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConnectionId(pub u64);

impl ConnectionId {
    fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Self(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// An accepted stream with its [`ConnectionId`].
#[derive(Debug)]
pub(crate) struct Conn<S> {
    stream: S,
    id: ConnectionId,
}

impl<S> Conn<S> {
    /// Wraps a freshly accepted stream under a new identity.
    pub(crate) fn new(stream: S) -> Self {
        Self {
            stream,
            id: ConnectionId::next(),
        }
    }
}

impl<S: Send + 'static> Connected for Conn<S> {
    type ConnectInfo = ConnectionId;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.id
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Conn<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Conn<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}
