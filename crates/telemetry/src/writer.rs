//! Log lines batched in memory and written out by a background thread every few milliseconds.
//!
//! Writing each line as it comes costs a system call per line; handing each line to a writer
//! thread costs a wake-up per line. Here a line is appended to a shared buffer under a short
//! lock, and a thread writes the whole buffer out every [`FLUSH_INTERVAL`]: under load that is
//! one `write` per interval whatever the request rate. A buffer that grows past
//! [`MAX_BUFFERED`] is written out by the logging thread itself, so memory stays bounded.

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// How long a line may wait before it is written.
const FLUSH_INTERVAL: Duration = Duration::from_millis(20);
/// Past this many buffered bytes, the thread that logs writes the buffer out itself.
const MAX_BUFFERED: usize = 1 << 20;

#[derive(Debug, Default)]
struct Shared {
    buffer: Mutex<State>,
    stop: Condvar,
}

#[derive(Debug, Default)]
struct State {
    pending: Vec<u8>,
    stopping: bool,
}

/// The [`MakeWriter`] handed to the fmt layer.
#[derive(Debug, Clone)]
pub(crate) struct BatchWriter {
    shared: Arc<Shared>,
}

/// Stops the flushing thread and writes out what is left when dropped.
#[derive(Debug)]
pub(crate) struct FlushGuard {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// A batching writer to standard output, and the guard that flushes it at exit.
pub(crate) fn stdout() -> (BatchWriter, FlushGuard) {
    let shared = Arc::new(Shared::default());
    let flusher = shared.clone();
    let thread = std::thread::Builder::new()
        .name("log-writer".to_owned())
        .spawn(move || flush_periodically(&flusher))
        .ok();
    (
        BatchWriter {
            shared: shared.clone(),
        },
        FlushGuard { shared, thread },
    )
}

fn flush_periodically(shared: &Shared) {
    let mut state = shared.buffer.lock().unwrap_or_else(PoisonError::into_inner);
    loop {
        let (next, _) = shared
            .stop
            .wait_timeout(state, FLUSH_INTERVAL)
            .unwrap_or_else(PoisonError::into_inner);
        state = next;
        let pending = std::mem::take(&mut state.pending);
        let stopping = state.stopping;
        drop(state);
        write_out(&pending);
        if stopping {
            return;
        }
        state = shared.buffer.lock().unwrap_or_else(PoisonError::into_inner);
    }
}

fn write_out(bytes: &[u8]) {
    if !bytes.is_empty() {
        let mut stdout = io::stdout().lock();
        // Nowhere to report a failure to write logs; the next batch tries again.
        let _ = stdout.write_all(bytes).and_then(|()| stdout.flush());
    }
}

impl Drop for FlushGuard {
    fn drop(&mut self) {
        self.shared
            .buffer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .stopping = true;
        self.shared.stop.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let rest = std::mem::take(
            &mut self
                .shared
                .buffer
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pending,
        );
        write_out(&rest);
    }
}

/// One log line being formatted; appended to the shared buffer when the formatter is done.
#[derive(Debug)]
pub(crate) struct Line<'a> {
    shared: &'a Shared,
    bytes: Vec<u8>,
}

impl Write for Line<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.bytes.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for Line<'_> {
    fn drop(&mut self) {
        let mut state = self
            .shared
            .buffer
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if state.stopping {
            drop(state);
            write_out(&self.bytes);
            return;
        }
        state.pending.extend_from_slice(&self.bytes);
        if state.pending.len() > MAX_BUFFERED {
            let pending = std::mem::take(&mut state.pending);
            drop(state);
            write_out(&pending);
        }
    }
}

impl<'a> MakeWriter<'a> for BatchWriter {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        Line {
            shared: &self.shared,
            bytes: Vec::with_capacity(256),
        }
    }
}
