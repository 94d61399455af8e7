-- Running totals per (status, currency), kept by a trigger in the same transaction as every
-- change to `loans`, so /api/stats reads a handful of rows instead of scanning every loan.
--
-- Each total is split over 16 shards, picked by the writing session, so that concurrent
-- inserts of, say, pending KES loans do not queue on one row lock until each commits.

CREATE TABLE loan_totals (
    status   VARCHAR NOT NULL,
    currency VARCHAR(3) NOT NULL,
    shard    SMALLINT NOT NULL,
    loans    BIGINT NOT NULL,
    amount   NUMERIC NOT NULL,
    PRIMARY KEY (status, currency, shard)
);

CREATE FUNCTION loan_totals_add(p_status VARCHAR, p_currency VARCHAR, p_loans BIGINT, p_amount NUMERIC)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO loan_totals AS t (status, currency, shard, loans, amount)
    VALUES (p_status, p_currency, pg_backend_pid() % 16, p_loans, p_amount)
    ON CONFLICT (status, currency, shard)
    DO UPDATE SET loans = t.loans + EXCLUDED.loans, amount = t.amount + EXCLUDED.amount;
$$;

CREATE FUNCTION loan_totals_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM loan_totals_add(NEW.status, NEW.currency, 1, NEW.amount);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM loan_totals_add(OLD.status, OLD.currency, -1, -OLD.amount);
    ELSIF (OLD.status, OLD.currency, OLD.amount) IS DISTINCT FROM (NEW.status, NEW.currency, NEW.amount) THEN
        -- Touch the two rows in key order, so concurrent changes cannot deadlock.
        IF (OLD.status, OLD.currency) <= (NEW.status, NEW.currency) THEN
            PERFORM loan_totals_add(OLD.status, OLD.currency, -1, -OLD.amount);
            PERFORM loan_totals_add(NEW.status, NEW.currency, 1, NEW.amount);
        ELSE
            PERFORM loan_totals_add(NEW.status, NEW.currency, 1, NEW.amount);
            PERFORM loan_totals_add(OLD.status, OLD.currency, -1, -OLD.amount);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER loans_totals
AFTER INSERT OR UPDATE OR DELETE ON loans
FOR EACH ROW EXECUTE FUNCTION loan_totals_track();

-- Rows already there (for example carried over from the original service).
INSERT INTO loan_totals (status, currency, shard, loans, amount)
SELECT status, currency, 0, count(*), sum(amount) FROM loans GROUP BY status, currency;
