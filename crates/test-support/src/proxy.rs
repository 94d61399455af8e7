//! A TCP proxy a test can cut or slow down, to take a dependency away and bring it back.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Connections pass through.
    Forward,
    /// Existing connections are closed and new ones refused (the port is closed), like a server
    /// that has gone away.
    Cut,
    /// Existing connections are closed; new ones are accepted and never answered, like a
    /// network that drops packets.
    Blackhole,
}

/// The mode, and how many times connections were cut: a forwarder started in one epoch closes
/// when the epoch changes, even if the proxy was restored before it noticed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct State {
    mode: Mode,
    epoch: u64,
}

/// A loopback proxy in front of one upstream address.
#[derive(Debug)]
pub struct TcpProxy {
    address: SocketAddr,
    state: watch::Sender<State>,
    latency_ms: Arc<AtomicU64>,
    accept_loop: JoinHandle<()>,
}

impl TcpProxy {
    /// Starts forwarding from a free loopback port to `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> Self {
        let upstream = tokio::net::lookup_host(upstream)
            .await
            .expect("cannot resolve the proxy's upstream")
            .next()
            .expect("the proxy's upstream has no address");
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("cannot bind the proxy");
        let address = listener.local_addr().expect("proxy address");
        let (state, watcher) = watch::channel(State {
            mode: Mode::Forward,
            epoch: 0,
        });
        let latency_ms = Arc::new(AtomicU64::new(0));
        let accept_loop = tokio::spawn(accept(listener, upstream, watcher, latency_ms.clone()));
        Self {
            address,
            state,
            latency_ms,
            accept_loop,
        }
    }

    /// The address clients connect to.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Drops every connection and refuses new ones until [`TcpProxy::restore`].
    pub fn cut(&self) {
        self.set(Mode::Cut);
    }

    /// Drops every connection and lets new ones hang unanswered until [`TcpProxy::restore`].
    pub fn blackhole(&self) {
        self.set(Mode::Blackhole);
    }

    /// Forwards again.
    pub fn restore(&self) {
        self.set(Mode::Forward);
    }

    fn set(&self, mode: Mode) {
        self.state.send_modify(|state| {
            if mode != Mode::Forward {
                state.epoch += 1;
            }
            state.mode = mode;
        });
    }

    /// Holds every chunk of data, in either direction, for `latency` before passing it on, like a
    /// slow network or an overloaded server. Zero turns it off.
    pub fn set_latency(&self, latency: Duration) {
        let millis = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.latency_ms.store(millis, Ordering::Relaxed);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

async fn accept(
    listener: TcpListener,
    upstream: SocketAddr,
    mut state: watch::Receiver<State>,
    latency_ms: Arc<AtomicU64>,
) {
    let address = listener.local_addr().expect("proxy address");
    let mut listener = Some(listener);
    loop {
        let current = *state.borrow_and_update();
        match (current.mode, &listener) {
            // A cut closes the port itself, so connecting is refused as with a dead server.
            (Mode::Cut, Some(_)) => listener = None,
            (Mode::Forward | Mode::Blackhole, None) => {
                listener = Some(
                    TcpListener::bind(address)
                        .await
                        .expect("re-opening the proxy port"),
                );
            }
            _ => {}
        }
        let Some(open) = &listener else {
            if state.changed().await.is_err() {
                return;
            }
            continue;
        };
        tokio::select! {
            accepted = open.accept() => {
                let Ok((client, _)) = accepted else { return };
                if current.mode == Mode::Blackhole {
                    tokio::spawn(hold_until_changed(client, state.clone(), current));
                } else {
                    tokio::spawn(forward(client, upstream, state.clone(), current.epoch, latency_ms.clone()));
                }
            }
            changed = state.changed() => if changed.is_err() { return },
        }
    }
}

async fn hold_until_changed(client: TcpStream, mut state: watch::Receiver<State>, held_in: State) {
    let _ = state.wait_for(|state| *state != held_in).await;
    drop(client);
}

async fn forward(
    client: TcpStream,
    upstream: SocketAddr,
    mut state: watch::Receiver<State>,
    epoch: u64,
    latency_ms: Arc<AtomicU64>,
) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    tokio::select! {
        () = pipe(client_read, server_write, latency_ms.clone()) => {}
        () = pipe(server_read, client_write, latency_ms) => {}
        _ = state.wait_for(|state| state.mode != Mode::Forward || state.epoch != epoch) => {}
    }
}

/// Copies one direction, delaying each chunk by the current latency.
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    latency_ms: Arc<AtomicU64>,
) {
    let mut buffer = vec![0_u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        let latency = latency_ms.load(Ordering::Relaxed);
        if latency > 0 {
            tokio::time::sleep(Duration::from_millis(latency)).await;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}
