-- The portfolio: one row per asset-backed loan. The original service generated these in
-- memory on every request; here they live in PostgreSQL.
CREATE TABLE assets (
    id            VARCHAR(64) PRIMARY KEY,
    nominal_value NUMERIC(14, 2) NOT NULL,
    status        VARCHAR NOT NULL,
    due_date      DATE NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT ck_assets_nominal_value CHECK (nominal_value > 0),
    CONSTRAINT ck_assets_status CHECK (status IN ('active', 'defaulted', 'paid'))
);
CREATE INDEX ix_assets_status ON assets (status, id);

-- Tells the service's cache that the portfolio changed, once per statement, at commit.
CREATE FUNCTION assets_notify_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('portfolio_changed', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER assets_changed
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON assets
FOR EACH STATEMENT EXECUTE FUNCTION assets_notify_changed();
