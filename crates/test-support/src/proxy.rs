//! A TCP proxy a test can cut, to take a dependency away and bring it back.

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Connections pass through.
    Forward,
    /// Existing connections are closed; new ones are accepted and closed at once, like a server
    /// that has gone away.
    Cut,
    /// Existing connections are closed; new ones are accepted and never answered, like a
    /// network that drops packets.
    Blackhole,
}

/// A loopback proxy in front of one upstream address.
#[derive(Debug)]
pub struct TcpProxy {
    address: SocketAddr,
    mode: watch::Sender<Mode>,
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
        let (mode, watcher) = watch::channel(Mode::Forward);
        let accept_loop = tokio::spawn(accept(listener, upstream, watcher));
        Self {
            address,
            mode,
            accept_loop,
        }
    }

    /// The address clients connect to.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Drops every connection and refuses new ones until [`TcpProxy::restore`].
    pub fn cut(&self) {
        self.mode.send_replace(Mode::Cut);
    }

    /// Drops every connection and lets new ones hang unanswered until [`TcpProxy::restore`].
    pub fn blackhole(&self) {
        self.mode.send_replace(Mode::Blackhole);
    }

    /// Forwards again.
    pub fn restore(&self) {
        self.mode.send_replace(Mode::Forward);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

async fn accept(listener: TcpListener, upstream: SocketAddr, mode: watch::Receiver<Mode>) {
    while let Ok((client, _)) = listener.accept().await {
        let current = *mode.borrow();
        match current {
            Mode::Cut => drop(client),
            Mode::Blackhole => {
                tokio::spawn(hold_until_mode_changes(client, mode.clone()));
            }
            Mode::Forward => {
                tokio::spawn(forward(client, upstream, mode.clone()));
            }
        }
    }
}

async fn hold_until_mode_changes(client: TcpStream, mut mode: watch::Receiver<Mode>) {
    let _ = mode.wait_for(|mode| *mode != Mode::Blackhole).await;
    drop(client);
}

async fn forward(mut client: TcpStream, upstream: SocketAddr, mut mode: watch::Receiver<Mode>) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = mode.wait_for(|mode| *mode != Mode::Forward) => {}
    }
}
