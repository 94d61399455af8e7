-- POST /api/loans with a valid application (no Idempotency-Key: every request creates a loan).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"borrower_id":"bench_writer","amount":"1500.00","currency":"KES","term_months":6,"interest_rate_apr":28}'
