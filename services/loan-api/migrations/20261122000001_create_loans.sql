-- The table of the original Flask service, unchanged, so that its data carries over as is.
CREATE TABLE IF NOT EXISTS loans (
    id                UUID PRIMARY KEY,
    borrower_id       VARCHAR NOT NULL,
    amount            NUMERIC(12, 2) NOT NULL,
    currency          VARCHAR(3) NOT NULL,
    status            VARCHAR NOT NULL,
    term_months       INTEGER NULL,
    interest_rate_apr NUMERIC(5, 2) NULL,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT ck_loans_amount CHECK (amount > 0 AND amount <= 50000),
    CONSTRAINT ck_loans_status CHECK (
        status IN ('pending', 'approved', 'rejected', 'disbursed', 'repaid', 'defaulted')
    )
);
