//! The engine's VICI connections: a small pool per gateway, each operation bounded by
//! [`VICI_DEADLINE`], and a connection charon closed an error at once.
//!
//! Why a pool: charon's VICI socket has a small listen backlog, and a fresh connection
//! per operation overran it at Terraform's default parallelism (`connect` fails with
//! EAGAIN, "Resource temporarily unavailable"). So at most [`POOL_SIZE`] connections
//! are open; an operation borrows one, and returns it only when it ended normally (VICI
//! has no sequence numbers: a connection whose answer was not read to the end is
//! dropped, never reused). A connect refused for being busy is retried with a short
//! backoff until the deadline.
//!
//! Why the watch on end of file: rsvici's listener task loops forever on a socket at
//! end of file (it logs the error and reads again, at 99 % CPU) and never answers the
//! request waiting on it. Each socket is wrapped in [`Watched`], which records the end
//! (or a read error) for the operation to return at once, and from then on reports
//! "nothing yet" to the listener, which therefore sleeps until the client is dropped.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::{pin_mut, TryStreamExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::{watch, Semaphore};
use tokio::time::Instant;

use super::vici::ViciUri;
use crate::gateway::{EngineError, GatewayError};

/// How long one VICI operation (a connect included) may take before it fails with
/// [`EngineError::ViciDeadline`]. charon answers every command the engine sends in
/// milliseconds (a `terminate` waits at most 3 s for the peer); a charon that takes
/// longer is stuck, and Terraform must not wait on it for ever.
pub const VICI_DEADLINE: Duration = Duration::from_secs(30);

/// The most VICI connections the engine keeps open to one charon: enough for
/// Terraform's parallel calls, few enough for charon's listen backlog and threads.
pub const POOL_SIZE: usize = 4;

/// The first and the longest pause between connects refused for being busy.
const BUSY_BACKOFF: (Duration, Duration) = (Duration::from_millis(5), Duration::from_millis(200));

/// Open VICI connections to one charon.
#[derive(Debug)]
pub(crate) struct Pool {
    uri: ViciUri,
    deadline: Duration,
    idle: std::sync::Mutex<Vec<Session>>,
    permits: Semaphore,
}

/// One VICI connection and the flag its socket raises at end of file.
struct Session {
    client: rsvici::Client,
    closed: watch::Receiver<bool>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("closed", &*self.closed.borrow())
            .finish_non_exhaustive()
    }
}

/// Why an operation on one connection did not answer.
enum Failure {
    Vici(rsvici::Error),
    Closed,
    Deadline,
}

impl Pool {
    /// Connections to charon at `uri`, each operation bounded by `deadline`.
    pub(crate) fn new(uri: ViciUri, deadline: Duration) -> Self {
        Self {
            uri,
            deadline,
            idle: std::sync::Mutex::new(Vec::new()),
            permits: Semaphore::new(POOL_SIZE),
        }
    }

    /// `command` with `message`, answered by one message.
    pub(crate) async fn request<T, U>(
        &self,
        command: &'static str,
        message: &T,
    ) -> Result<U, GatewayError>
    where
        T: Serialize + Sync,
        U: DeserializeOwned + Send,
    {
        self.run(command, |mut session, deadline| async move {
            let asked = session.client.request::<_, U>(command, message);
            let answer = bounded(&session.closed, deadline, asked).await;
            (session, answer)
        })
        .await
    }

    /// `command` with `message`, answered by `event` messages and a final answer: the
    /// events in order.
    pub(crate) async fn list<T, U>(
        &self,
        command: &'static str,
        event: &'static str,
        message: &T,
    ) -> Result<Vec<U>, GatewayError>
    where
        T: Serialize + Sync,
        U: DeserializeOwned + Send,
    {
        let (items, verdict) = self.logged(command, event, message).await?;
        verdict.map_err(|message| EngineError::ViciRefused { command, message })?;
        Ok(items)
    }

    /// `command` with `message`, whose `event` messages log its progress: the events in
    /// order and charon's verdict (`Err` with its `errmsg` when it answered
    /// `success = no`), so that a refused command still tells what it saw.
    pub(crate) async fn logged<T, U>(
        &self,
        command: &'static str,
        event: &'static str,
        message: &T,
    ) -> Result<(Vec<U>, Result<(), String>), GatewayError>
    where
        T: Serialize + Sync,
        U: DeserializeOwned + Send,
    {
        self.run(command, |mut session, deadline| async move {
            let stream = session
                .client
                .stream_request::<_, U>(command, event, message);
            let collect = async move {
                pin_mut!(stream);
                let mut items = Vec::new();
                loop {
                    match stream.try_next().await {
                        Ok(Some(item)) => items.push(item),
                        Ok(None) => return Ok((items, Ok(()))),
                        Err(error) if error.is_command_failed() => {
                            let text = error.to_string();
                            let errmsg = text.strip_prefix("command failed: ").unwrap_or(&text);
                            return Ok((items, Err(errmsg.to_owned())));
                        }
                        Err(error) => return Err(error),
                    }
                }
            };
            let answer = bounded(&session.closed, deadline, collect).await;
            (session, answer)
        })
        .await
    }

    /// One operation within the deadline, on a pooled connection; once more on a new
    /// one when charon had closed the pooled one (it restarted meanwhile).
    async fn run<U, F, Fut>(&self, command: &'static str, mut attempt: F) -> Result<U, GatewayError>
    where
        F: FnMut(Session, Instant) -> Fut,
        Fut: Future<Output = (Session, Result<U, Failure>)>,
    {
        let deadline = Instant::now() + self.deadline;
        let _permit = self.permit(command, deadline).await?;
        let mut retried = false;
        loop {
            let (session, reused) = self.session(command, deadline).await?;
            let (session, answer) = attempt(session, deadline).await;
            match self.settle(command, session, answer) {
                Err(Retry) if reused && !retried => retried = true,
                Err(Retry) => return Err(self.closed(command)),
                Ok(result) => return result,
            }
        }
    }

    async fn permit(
        &self,
        command: &'static str,
        deadline: Instant,
    ) -> Result<tokio::sync::SemaphorePermit<'_>, GatewayError> {
        match tokio::time::timeout_at(deadline, self.permits.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            // The semaphore is never closed; a timeout is charon being slow for others.
            _ => Err(self.deadline_passed(command)),
        }
    }

    /// An idle connection charon has not closed (`true`: reused), else a new one.
    async fn session(
        &self,
        command: &'static str,
        deadline: Instant,
    ) -> Result<(Session, bool), GatewayError> {
        let reused = {
            let mut idle = self
                .idle
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            idle.retain(|session| !*session.closed.borrow());
            idle.pop()
        };
        match reused {
            Some(session) => Ok((session, true)),
            None => Ok((self.connect(command, deadline).await?, false)),
        }
    }

    /// What an operation's outcome means for its connection: kept for the next one
    /// after a normal end, dropped otherwise; `Retry` when charon had closed it.
    fn settle<U>(
        &self,
        command: &'static str,
        session: Session,
        answer: Result<U, Failure>,
    ) -> Result<Result<U, GatewayError>, Retry> {
        let closed = *session.closed.borrow();
        match answer {
            Ok(value) => {
                if !closed {
                    let mut idle = self
                        .idle
                        .lock()
                        .unwrap_or_else(|poison| poison.into_inner());
                    idle.push(session);
                }
                Ok(Ok(value))
            }
            // A request written to a socket charon had closed fails as a write error.
            Err(Failure::Closed) => Err(Retry),
            Err(Failure::Vici(_)) if closed => Err(Retry),
            Err(Failure::Vici(error)) => Ok(Err(EngineError::ViciFailed {
                command,
                uri: self.uri.clone(),
                source: Box::new(error),
            }
            .into())),
            Err(Failure::Deadline) => Ok(Err(self.deadline_passed(command))),
        }
    }

    /// A new connection, retrying while charon's backlog is full.
    async fn connect(
        &self,
        command: &'static str,
        deadline: Instant,
    ) -> Result<Session, GatewayError> {
        let mut pause = BUSY_BACKOFF.0;
        loop {
            let attempt = tokio::time::timeout_at(deadline, self.open_socket()).await;
            match attempt {
                Err(_) => return Err(self.deadline_passed(command)),
                Ok(Ok(session)) => return Ok(session),
                Ok(Err(error)) if is_busy(&error) => {
                    if Instant::now() + pause >= deadline {
                        return Err(self.busy(&error));
                    }
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(BUSY_BACKOFF.1);
                }
                Ok(Err(error)) => return Err(self.unreachable(&error)),
            }
        }
    }

    async fn open_socket(&self) -> io::Result<Session> {
        let (closing, closed) = watch::channel(false);
        let client = match &self.uri {
            ViciUri::Unix(path) => {
                let stream = tokio::net::UnixStream::connect(path).await?;
                rsvici::Client::new(Watched::new(stream, closing))
            }
            ViciUri::Tcp(address) => {
                let stream = tokio::net::TcpStream::connect(address.as_str()).await?;
                rsvici::Client::new(Watched::new(stream, closing))
            }
        };
        Ok(Session { client, closed })
    }

    fn unreachable(&self, error: &io::Error) -> GatewayError {
        GatewayError::Config {
            setting: "vici_uri",
            message: format!(
                "cannot reach charon at {}: {error}. Is charon running with the vici plugin, is the socket path \
                 right, and may this user open it?",
                self.uri
            ),
        }
    }

    fn busy(&self, error: &io::Error) -> GatewayError {
        GatewayError::Config {
            setting: "vici_uri",
            message: format!(
                "charon at {} is busy: its VICI socket refused new connections for {} s ({error}). Try again, or \
                 with a lower terraform -parallelism.",
                self.uri,
                self.deadline.as_secs()
            ),
        }
    }

    fn closed(&self, command: &'static str) -> GatewayError {
        EngineError::ViciClosed {
            command,
            uri: self.uri.clone(),
        }
        .into()
    }

    fn deadline_passed(&self, command: &'static str) -> GatewayError {
        EngineError::ViciDeadline {
            command,
            uri: self.uri.clone(),
            after: self.deadline,
        }
        .into()
    }
}

/// charon closed the connection an operation used: worth one more try on a new one
/// when the connection was an idle one (charon restarted meanwhile).
struct Retry;

/// A connect refused because the listen backlog is full.
fn is_busy(error: &io::Error) -> bool {
    // EAGAIN ("Resource temporarily unavailable", os error 11) on a unix socket.
    error.kind() == io::ErrorKind::WouldBlock
}

/// `operation`, unless the connection closes or the deadline passes first.
async fn bounded<U>(
    closed: &watch::Receiver<bool>,
    deadline: Instant,
    operation: impl Future<Output = Result<U, rsvici::Error>>,
) -> Result<U, Failure> {
    let mut closed = closed.clone();
    tokio::select! {
        biased;
        answer = operation => answer.map_err(Failure::Vici),
        _ = closed.wait_for(|closed| *closed) => Err(Failure::Closed),
        () = tokio::time::sleep_until(deadline) => Err(Failure::Deadline),
    }
}

/// A socket that raises a flag at end of file or a read or write error, and from then on
/// neither reads nor writes (see the module's doc).
struct Watched<S> {
    inner: S,
    closing: watch::Sender<bool>,
}

impl<S> Watched<S> {
    fn new(inner: S, closing: watch::Sender<bool>) -> Self {
        Self { inner, closing }
    }

    fn is_closed(&self) -> bool {
        *self.closing.borrow()
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.is_closed() {
            // Never ready again: the listener waits on its other inputs, not on us.
            return Poll::Pending;
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) if buf.filled().len() == before && buf.remaining() > 0 => {
                this.closing.send_replace(true);
                Poll::Pending
            }
            Poll::Ready(Err(_)) => {
                this.closing.send_replace(true);
                Poll::Pending
            }
            other => other,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.is_closed() {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        let written = Pin::new(&mut this.inner).poll_write(cx, buf);
        // A write to a connection charon closed (EPIPE) may come before the read that
        // sees the end, when the listener had no turn since charon went away.
        if let Poll::Ready(Err(_)) = written {
            this.closing.send_replace(true);
        }
        written
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
