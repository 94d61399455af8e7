//! The binary itself: configuration errors, subcommands, health check, SIGTERM.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use test_support::TestDatabase;

const BINARY: &str = env!("CARGO_BIN_EXE_portfolio-api");

fn portfolio_api(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(BINARY)
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn each_bad_setting_is_named_and_no_secret_is_echoed() {
    let url = "postgres://portfolio:hunter2-secret@db.invalid:5432/portfolio";
    for (variable, value) in [
        ("CACHE_TTL_MS", "soon"),
        ("PORT", "0"),
        ("DB_MAX_CONNECTIONS", "-3"),
    ] {
        let output = portfolio_api(&["serve"], &[("DATABASE_URL", url), (variable, value)]);
        let text = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(2), "{variable}: {text}");
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(
            text.contains(variable) && !text.contains("hunter2-secret"),
            "{text}"
        );
    }
    let output = portfolio_api(&["serve"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("DATABASE_URL"));
}

#[tokio::test]
async fn migrate_seed_serve_healthcheck_and_sigterm() {
    let db = TestDatabase::create().await;
    let url = db.url();
    let env = [("DATABASE_URL", url.as_str())];
    assert!(portfolio_api(&["migrate"], &env).status.success());
    for expected in [20, 0] {
        let output = portfolio_api(&["seed"], &env);
        assert!(output.status.success());
        let logs = String::from_utf8_lossy(&output.stdout);
        assert!(
            logs.contains(&format!("\"inserted\":{expected}")),
            "seed is idempotent: {logs}"
        );
    }

    let port = free_port().to_string();
    assert_eq!(
        portfolio_api(&["healthcheck"], &[("PORT", &port)])
            .status
            .code(),
        Some(1)
    );
    let mut server = Command::new(BINARY)
        .args(["serve", "--no-migrate"])
        .env_clear()
        .envs([("DATABASE_URL", url.as_str()), ("PORT", port.as_str())])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !portfolio_api(&["healthcheck"], &[("PORT", &port)])
        .status
        .success()
    {
        assert!(started.elapsed() < Duration::from_secs(20), "never ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        Command::new("kill")
            .args(["-TERM", &server.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "no exit within 10 s of SIGTERM");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "SIGTERM is a clean exit: {status}");
}
