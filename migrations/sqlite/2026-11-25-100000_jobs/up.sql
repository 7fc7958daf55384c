-- Durable jobs (backend/src/jobs): sealing, mail, reminders and expiry run from this table.
-- A job is enqueued in the same transaction as the state change that calls for it; workers
-- claim one at a time with a lease (locked_by/locked_until), so a job whose worker died is
-- claimed again once the lease has run out. IDs are UUID text and times Unix milliseconds.

CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    tenant_id TEXT REFERENCES tenants(id),
    kind TEXT NOT NULL,
    -- JSON text, read only by the handler of `kind`.
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at BIGINT NOT NULL,
    locked_by TEXT,
    locked_until BIGINT,
    last_error TEXT,
    -- Enqueuing a second job with the same key is a no-op (NULLs are distinct).
    dedupe_key TEXT UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX jobs_state_run_at ON jobs (state, run_at);
CREATE INDEX jobs_tenant ON jobs (tenant_id);
