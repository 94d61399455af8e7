//! The probe behind every binary's `healthcheck` subcommand.
//!
//! Runtime images have no shell and no curl, so container health checks run the service binary
//! itself: `loan-api healthcheck` asks `http://127.0.0.1:$PORT/ready` and exits 0 on a 200.
//! Plain blocking HTTP/1.1 over a `TcpStream` keeps the probe free of a runtime and a client.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Why the probe failed.
#[derive(Debug)]
pub enum ProbeError {
    /// The URL is not `http://host:port/path`.
    InvalidUrl(String),
    /// No connection, or no answer within the timeout.
    Io(std::io::Error),
    /// The service answered with a status other than 200.
    Status(String),
}

impl std::fmt::Display for ProbeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidUrl(url) => write!(
                f,
                "invalid probe URL `{url}` (expected http://host:port/path)"
            ),
            Self::Io(error) => write!(f, "no answer: {error}"),
            Self::Status(line) => write!(f, "not ready: {line}"),
        }
    }
}

impl std::error::Error for ProbeError {}

/// GETs `url` (plain `http://` only) and succeeds on a 200 status.
///
/// # Errors
/// [`ProbeError`] when the URL is malformed, nothing answers within `timeout`, or the status is
/// not 200.
pub fn probe(url: &str, timeout: Duration) -> Result<(), ProbeError> {
    let invalid = || ProbeError::InvalidUrl(url.to_owned());
    let rest = url.strip_prefix("http://").ok_or_else(invalid)?;
    let (authority, path) = rest
        .find('/')
        .map_or((rest, "/"), |i| (&rest[..i], &rest[i..]));
    let address: SocketAddr = authority
        .to_socket_addrs()
        .map_err(|_| invalid())?
        .next()
        .ok_or_else(invalid)?;

    let mut stream = TcpStream::connect_timeout(&address, timeout).map_err(ProbeError::Io)?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(ProbeError::Io)?;
    stream
        .set_write_timeout(Some(timeout))
        .map_err(ProbeError::Io)?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: healthcheck\r\nConnection: close\r\n\r\n"
    )
    .map_err(ProbeError::Io)?;

    let mut head = [0_u8; 64];
    let read = stream.read(&mut head).map_err(ProbeError::Io)?;
    let status_line = String::from_utf8_lossy(&head[..read]);
    let status_line = status_line.lines().next().unwrap_or_default().to_owned();
    let mut parts = status_line.split_whitespace();
    match (parts.next(), parts.next()) {
        (Some(version), Some("200")) if version.starts_with("HTTP/1.") => Ok(()),
        _ => Err(ProbeError::Status(status_line)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_urls_it_cannot_probe() {
        for url in ["https://localhost:1/ready", "localhost:1", "http://:/"] {
            assert!(
                matches!(
                    probe(url, Duration::from_millis(100)),
                    Err(ProbeError::InvalidUrl(_))
                ),
                "{url}"
            );
        }
    }

    #[test]
    fn a_closed_port_is_an_io_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let result = probe(
            &format!("http://127.0.0.1:{port}/ready"),
            Duration::from_millis(500),
        );
        assert!(matches!(result, Err(ProbeError::Io(_))), "{result:?}");
    }
}
