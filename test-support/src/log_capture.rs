//! Log lines captured by a tracing subscriber installed for the current thread, for
//! the tests that look at what the engine logs (each in its own test binary: tracing
//! caches per-callsite interest globally).

use std::sync::{Arc, Mutex};

use tracing::subscriber::DefaultGuard;

/// Everything logged at `level` or above on this thread while the guard lives.
pub struct Captured {
    logs: Arc<Mutex<Vec<u8>>>,
    _default: DefaultGuard,
}

impl Captured {
    /// Starts capturing on this thread.
    pub fn start(level: tracing::Level) -> Self {
        let logs = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = Arc::clone(&logs);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_ansi(false)
            .with_writer(move || Capture(Arc::clone(&sink)))
            .finish();
        Self {
            logs,
            _default: tracing::subscriber::set_default(subscriber),
        }
    }

    /// The lines so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.logs.lock().unwrap().clone()).unwrap()
    }
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
