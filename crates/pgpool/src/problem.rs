//! How a database error is answered over HTTP.

use http::StatusCode;
use http_kit::Problem;

/// 503 when the database is unreachable, busy or restarting (the client may retry); 409 for a
/// uniqueness clash; 500 for anything else.
pub fn status(error: &sqlx::Error) -> StatusCode {
    match error {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => StatusCode::SERVICE_UNAVAILABLE,
        sqlx::Error::Database(db) => match db.code().as_deref() {
            Some("23505") => StatusCode::CONFLICT,
            // Connection exceptions, statement timeout, server shutting down or starting,
            // too many connections, serialization failure, deadlock.
            Some(code)
                if code.starts_with("08")
                    || code.starts_with("57P")
                    || matches!(code, "57014" | "53300" | "40001" | "40P01") =>
            {
                StatusCode::SERVICE_UNAVAILABLE
            }
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        },
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The problem body for `error`: a retryable 503 naming `what` is unavailable, a 409, or an
/// opaque 500. The error itself is attached as the cause to log, never sent.
pub fn problem(error: &sqlx::Error, what: &str) -> Problem {
    match status(error) {
        StatusCode::SERVICE_UNAVAILABLE => {
            Problem::unavailable(format!("The {what} is unavailable; retry shortly."), 1)
                .with_cause(error)
        }
        StatusCode::CONFLICT => Problem::new(
            StatusCode::CONFLICT,
            "The request conflicts with an existing record.",
        )
        .with_cause(error),
        _ => Problem::internal().with_cause(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_database_is_a_retryable_503() {
        for error in [
            sqlx::Error::PoolTimedOut,
            sqlx::Error::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset)),
        ] {
            let problem = problem(&error, "loan database");
            assert_eq!(problem.status, 503);
            assert_eq!(
                problem.detail,
                "The loan database is unavailable; retry shortly."
            );
        }
        assert_eq!(
            status(&sqlx::Error::RowNotFound),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
