-- Idempotency keys (Idempotency-Key header): the first answer to a POST, kept for 24 hours so
-- that a retry with the same key gets it again instead of acting twice. One row per tenant,
-- principal ('user:<id>' or 'token:<digest>'), method, path and key; the primary key is what
-- lets exactly one of two concurrent requests claim a key (insert first, then act).
-- state: 'in_flight' | 'done' | 'not_stored'. response_headers: JSON object of the kept
-- headers; response_body: base64 (at most 1 MB before encoding). Times: Unix milliseconds.
CREATE TABLE idempotency_keys (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    principal TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    response_status INTEGER,
    response_headers TEXT,
    response_body TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, principal, method, path, idempotency_key)
);
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);

-- A tenant's own API rate limit (requests per minute and API token); no row: the server's
-- default (rate_limit_token_per_minute).
CREATE TABLE tenant_rate_limits (
    tenant_id TEXT PRIMARY KEY REFERENCES tenants (id),
    token_requests_per_minute INTEGER NOT NULL,
    updated_at BIGINT NOT NULL
);
