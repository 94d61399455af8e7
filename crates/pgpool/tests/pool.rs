//! The pool against a real PostgreSQL: reuse, recovery from failed and cancelled work,
//! bounded waits, and what happens when the database goes away.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::str::FromStr;
use std::time::{Duration, Instant};

use pgpool::{Pool, Settings};
use sqlx::postgres::{PgConnectOptions, PgConnection};
use test_support::{TcpProxy, TestDatabase};

fn pool(url: &str, settings: Settings) -> Pool {
    Pool::new(PgConnectOptions::from_str(url).unwrap(), settings)
}

fn small(max_connections: u32) -> Settings {
    Settings {
        max_connections,
        acquire_timeout: Duration::from_millis(500),
        ..Settings::default()
    }
}

async fn backend_pid(pool: &Pool) -> i32 {
    pool.run(async |connection: &mut PgConnection| {
        sqlx::query_scalar::<_, i32>("SELECT pg_backend_pid()")
            .fetch_one(connection)
            .await
    })
    .await
    .unwrap()
}

/// Waits for a connection reset in the background to finish.
async fn settle(pool: &Pool, idle: usize) {
    let started = Instant::now();
    while pool.num_idle() != idle {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "pool never settled"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn completed_work_gives_the_same_connection_back_without_a_round_trip() {
    let db = TestDatabase::create().await;
    let pool = pool(&db.url(), small(4));
    let first = backend_pid(&pool).await;
    assert_eq!(pool.num_idle(), 1, "back in the pool at once");
    assert_eq!(backend_pid(&pool).await, first);
    assert_eq!(pool.size(), 1);
}

#[tokio::test]
async fn failed_work_leaves_a_usable_connection() {
    let db = TestDatabase::create().await;
    let pool = pool(&db.url(), small(1));
    let failed: Result<i32, sqlx::Error> = pool
        .run(async |connection: &mut PgConnection| {
            sqlx::query_scalar("SELECT 1 / 0")
                .fetch_one(connection)
                .await
        })
        .await;
    assert!(failed.is_err());
    settle(&pool, 1).await;
    let answer: i32 = pool
        .run(async |connection: &mut PgConnection| {
            sqlx::query_scalar("SELECT 42").fetch_one(connection).await
        })
        .await
        .unwrap();
    assert_eq!(answer, 42);
}

#[tokio::test]
async fn cancelled_work_never_leaks_its_reply_into_the_next_query() {
    let db = TestDatabase::create().await;
    let pool = pool(&db.url(), small(1));
    let cancelled = tokio::time::timeout(
        Duration::from_millis(100),
        pool.run(async |connection: &mut PgConnection| {
            sqlx::query_scalar::<_, i32>("SELECT 7 FROM pg_sleep(0.5)")
                .fetch_one(connection)
                .await
        }),
    )
    .await;
    assert!(cancelled.is_err(), "the slow query was cancelled");
    for expected in [1, 2, 3] {
        let answer: i32 = pool
            .run(async |connection: &mut PgConnection| {
                sqlx::query_scalar("SELECT $1")
                    .bind(expected)
                    .fetch_one(connection)
                    .await
            })
            .await
            .unwrap();
        assert_eq!(answer, expected);
    }
}

#[tokio::test]
async fn a_transaction_abandoned_by_failed_work_is_rolled_back_at_once() {
    let db = TestDatabase::create().await;
    let pool = pool(&db.url(), small(2));
    pool.run(async |connection: &mut PgConnection| {
        sqlx::query("CREATE TABLE t (id INT PRIMARY KEY, n INT)")
            .execute(&mut *connection)
            .await?;
        sqlx::query("INSERT INTO t VALUES (1, 0)")
            .execute(connection)
            .await
            .map(|_| ())
    })
    .await
    .unwrap();

    let failed: Result<(), sqlx::Error> = pool
        .run(async |connection: &mut PgConnection| {
            let mut transaction = sqlx::Connection::begin(connection).await?;
            sqlx::query("UPDATE t SET n = 1 WHERE id = 1")
                .execute(&mut *transaction)
                .await?;
            Err(sqlx::Error::RowNotFound)
        })
        .await;
    assert!(failed.is_err());

    // Another session can take the row lock quickly: the abandoned transaction did not sit idle.
    let mut other = db.connect().await;
    sqlx::query("SET lock_timeout = '2s'")
        .execute(&mut other)
        .await
        .unwrap();
    sqlx::query("UPDATE t SET n = 2 WHERE id = 1")
        .execute(&mut other)
        .await
        .unwrap();
    let n: i32 = sqlx::query_scalar("SELECT n FROM t WHERE id = 1")
        .fetch_one(&mut other)
        .await
        .unwrap();
    assert_eq!(n, 2, "the abandoned update was rolled back");
}

#[tokio::test]
async fn waiting_for_a_busy_pool_is_bounded_by_the_acquire_timeout() {
    let db = TestDatabase::create().await;
    let pool = pool(&db.url(), small(1));
    let held = pool.acquire().await.unwrap();
    let started = Instant::now();
    let second = pool.acquire().await;
    assert!(
        matches!(second, Err(sqlx::Error::PoolTimedOut)),
        "{second:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    held.release();
    assert!(
        pool.acquire().await.is_ok(),
        "a released connection serves the next caller"
    );
}

#[tokio::test]
async fn an_unanswering_server_is_bounded_by_the_acquire_timeout() {
    let db = TestDatabase::create().await;
    let proxy = TcpProxy::start(&db.server_address()).await;
    proxy.blackhole();
    let pool = pool(&db.url_through(proxy.address()), small(2));
    let started = Instant::now();
    let result = pool.acquire().await;
    assert!(
        matches!(result, Err(sqlx::Error::PoolTimedOut)),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(pool.size(), 0);
}

#[tokio::test]
async fn connecting_retries_while_the_server_refuses_and_succeeds_when_it_is_back() {
    let db = TestDatabase::create().await;
    let proxy = TcpProxy::start(&db.server_address()).await;
    proxy.cut();
    let pool = pool(
        &db.url_through(proxy.address()),
        Settings {
            acquire_timeout: Duration::from_secs(5),
            ..small(1)
        },
    );
    let waiting = tokio::spawn({
        let pool = pool.clone();
        async move { backend_pid(&pool).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.restore();
    assert!(waiting.await.unwrap() > 0);
}

#[tokio::test]
async fn a_connection_killed_under_the_pool_is_replaced() {
    let db = TestDatabase::create().await;
    let proxy = TcpProxy::start(&db.server_address()).await;
    let pool = pool(&db.url_through(proxy.address()), small(1));
    let first = backend_pid(&pool).await;

    proxy.cut();
    proxy.restore();
    let broken: Result<i32, sqlx::Error> = pool
        .run(async |connection: &mut PgConnection| {
            sqlx::query_scalar("SELECT 1").fetch_one(connection).await
        })
        .await;
    assert!(
        broken.is_err(),
        "the first query on the dead connection fails"
    );
    settle(&pool, 0).await;
    assert_ne!(
        backend_pid(&pool).await,
        first,
        "a fresh connection serves the next"
    );
    assert_eq!(pool.size(), 1);
}

#[tokio::test]
async fn idle_connections_past_their_timeout_are_not_reused() {
    let db = TestDatabase::create().await;
    let pool = pool(
        &db.url(),
        Settings {
            idle_timeout: Duration::from_millis(50),
            ..small(2)
        },
    );
    let first = backend_pid(&pool).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_ne!(backend_pid(&pool).await, first);
}

#[tokio::test]
async fn a_closed_pool_refuses_work_and_closes_its_connections() {
    let db = TestDatabase::create().await;
    let pool = pool(&db.url(), small(2));
    backend_pid(&pool).await;
    pool.close().await;
    assert!(pool.is_closed());
    assert_eq!(pool.num_idle(), 0);
    assert_eq!(pool.size(), 0);
    assert!(matches!(pool.acquire().await, Err(sqlx::Error::PoolClosed)));
}
