//! The binary itself: configuration errors, subcommands, health check, SIGTERM, and secrets
//! kept out of its output.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use test_support::TestDatabase;

const BINARY: &str = env!("CARGO_BIN_EXE_loan-api");

fn loan_api(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(BINARY)
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The test database's URL with a password in it (added when the server trusts local users),
/// so tests can check the password never appears in output.
fn url_with_password(db: &TestDatabase) -> (String, String) {
    let mut url = url::Url::parse(&db.url()).unwrap();
    if url.password().is_none() {
        url.set_password(Some("never-print-this-pw")).unwrap();
    }
    let password = url.password().unwrap().to_owned();
    (url.to_string(), password)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn missing_database_url_stops_start_up_with_one_line_naming_it() {
    let output = loan_api(&["serve"], &[]);
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("DATABASE_URL"), "{text}");
}

#[test]
fn each_bad_setting_is_named_and_no_secret_is_echoed() {
    let url = "postgres://loans:hunter2-secret@db.invalid:5432/loans";
    let cases = [
        ("PORT", "eighty"),
        ("PORT", "0"),
        ("DB_MAX_CONNECTIONS", "0"),
        ("DB_ACQUIRE_TIMEOUT_MS", "soon"),
        ("REQUEST_TIMEOUT_MS", "-1"),
        ("MIGRATE_ON_START", "perhaps"),
        ("SEED_ON_START", "perhaps"),
        ("DATABASE_PASSWORD_FILE", "/nonexistent/loans_db_password"),
        ("LOG_FORMAT", "xml"),
        ("RUST_LOG", "loan_api=loudest"),
    ];
    for (variable, value) in cases {
        let output = loan_api(&["serve"], &[("DATABASE_URL", url), (variable, value)]);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{variable}={value}: {text}");
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains(variable), "{variable}={value}: {text}");
        assert!(!text.contains("hunter2-secret"), "{text}");
    }

    let output = loan_api(
        &["serve"],
        &[("DATABASE_URL", "mysql://root:hunter2-secret@db/loans")],
    );
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text.contains("DATABASE_URL") && !text.contains("hunter2-secret"),
        "{text}"
    );
}

#[test]
fn healthcheck_fails_when_nothing_answers() {
    let port = free_port().to_string();
    let output = loan_api(&["healthcheck"], &[("PORT", &port)]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("healthcheck"));
}

#[tokio::test]
async fn migrate_seed_serve_healthcheck_and_sigterm() {
    let db = TestDatabase::create().await;
    let (url, password) = url_with_password(&db);
    let env = [("DATABASE_URL", url.as_str())];

    let output = loan_api(&["migrate"], &env);
    assert!(output.status.success(), "{}", stderr(&output));
    for expected in [5, 0] {
        let output = loan_api(&["seed"], &env);
        assert!(output.status.success(), "{}", stderr(&output));
        let logs = String::from_utf8_lossy(&output.stdout);
        assert!(
            logs.contains(&format!("\"inserted\":{expected}")),
            "seed is idempotent: {logs}"
        );
    }

    let port = free_port().to_string();
    let mut server = Command::new(BINARY)
        .args(["serve", "--no-migrate"])
        .env_clear()
        .envs([
            ("DATABASE_URL", url.as_str()),
            ("PORT", port.as_str()),
            ("RUST_LOG", "debug"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    let started = Instant::now();
    loop {
        let probe = loan_api(&["healthcheck"], &[("PORT", &port)]);
        if probe.status.success() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "never ready: {}",
            stderr(&probe)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stats: serde_json::Value = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("http://127.0.0.1:{port}/api/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["total_loans"], 5);

    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "no exit within 10 s of SIGTERM");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "SIGTERM is a clean exit: {status}");

    let output = server.wait_with_output().unwrap();
    let logs = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(logs.contains("SIGTERM received"), "{logs}");
    assert!(
        logs.contains("\"request_id\""),
        "request logs carry the request id: {logs}"
    );
    assert!(
        !logs.contains(&password),
        "the database password never reaches the logs"
    );
    for line in logs.lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|_| panic!("not a JSON log line: {line}"));
    }
}
