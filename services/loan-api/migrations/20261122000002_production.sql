-- What the rewrite adds: optimistic concurrency, keyset paging, filters, idempotent creates and
-- an audit trail of status changes.

-- Incremented on every change; served as the loan's ETag.
ALTER TABLE loans ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- The API already enforces these; the database holds the line for any other writer. NOT VALID
-- leaves rows written by the original service unchecked instead of failing the migration.
ALTER TABLE loans
    ADD CONSTRAINT ck_loans_currency CHECK (currency ~ '^[A-Z]{3}$') NOT VALID,
    ADD CONSTRAINT ck_loans_term_months CHECK (term_months IS NULL OR term_months BETWEEN 1 AND 600) NOT VALID,
    ADD CONSTRAINT ck_loans_interest_rate CHECK (interest_rate_apr IS NULL OR interest_rate_apr BETWEEN 0 AND 100) NOT VALID;

-- Newest first, ties broken by id: the list order and its cursor.
CREATE INDEX ix_loans_created_at_id ON loans (created_at DESC, id DESC);
CREATE INDEX ix_loans_borrower ON loans (borrower_id, created_at DESC, id DESC);
CREATE INDEX ix_loans_status ON loans (status, created_at DESC, id DESC);
CREATE INDEX ix_loans_currency ON loans (currency, created_at DESC, id DESC);

-- One row per Idempotency-Key seen on POST /api/loans, with the response to replay.
CREATE TABLE idempotency_keys (
    key           VARCHAR(255) PRIMARY KEY,
    fingerprint   BYTEA NOT NULL,
    loan_id       UUID NOT NULL REFERENCES loans (id),
    response_body BYTEA NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX ix_idempotency_keys_expires_at ON idempotency_keys (expires_at);

-- Who moved which loan from what to what, and when.
CREATE TABLE loan_status_changes (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    loan_id     UUID NOT NULL REFERENCES loans (id),
    from_status VARCHAR NOT NULL,
    to_status   VARCHAR NOT NULL,
    request_id  VARCHAR(128) NULL,
    changed_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX ix_loan_status_changes_loan ON loan_status_changes (loan_id, changed_at);
