//! Graceful shutdown: one signal future for SIGTERM and Ctrl-C, and a server loop that stops
//! accepting at the signal, lets in-flight requests finish, and gives up after a grace period.

use std::future::Future;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Resolves on SIGTERM (what `docker stop` and ECS send) or Ctrl-C.
pub async fn signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();

    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}

/// Serves `router` on `listener` until `shutdown` resolves, then drains in-flight requests for
/// at most `grace` before returning.
///
/// # Errors
/// An I/O error from the listener.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let (started_draining, draining) = oneshot::channel::<()>();
    // Connection info lets handlers see the peer's address (the gateway rate-limits by it).
    let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = axum::serve(listener, service).with_graceful_shutdown(async move {
        shutdown.await;
        let _ = started_draining.send(());
    });
    let deadline = async move {
        if draining.await.is_ok() {
            tokio::time::sleep(grace).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        result = server => {
            tracing::info!("all connections drained");
            result
        }
        () = deadline => {
            tracing::warn!(grace_seconds = grace.as_secs_f64(), "grace period over; dropping remaining connections");
            Ok(())
        }
    }
}
