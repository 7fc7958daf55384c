-- Foundation: tenants, departments, users, sessions, address book, audit log.
-- IDs are UUIDs stored as TEXT and times are Unix milliseconds (BIGINT), so the same diesel
-- code runs on SQLite and PostgreSQL.

CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    require_totp BOOLEAN NOT NULL DEFAULT FALSE,
    session_idle_minutes INTEGER NOT NULL DEFAULT 30,
    session_absolute_hours INTEGER NOT NULL DEFAULT 12,
    -- Head of the audit hash chain; appending locks this row, which serialises writers.
    audit_seq BIGINT NOT NULL DEFAULT 0,
    audit_head TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE departments (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    parent_id TEXT REFERENCES departments(id),
    name TEXT NOT NULL,
    code TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX departments_tenant ON departments (tenant_id);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    login_id TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    department_id TEXT REFERENCES departments(id),
    roles TEXT NOT NULL,
    grants TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    totp_secret TEXT,
    totp_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    totp_last_step BIGINT,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until BIGINT,
    last_login_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (tenant_id, login_id)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ip TEXT,
    user_agent TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_failures (
    id TEXT PRIMARY KEY,
    ip TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_ip_at ON login_failures (ip, at);

CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    name TEXT NOT NULL,
    name_kana TEXT,
    address TEXT,
    phone TEXT,
    notes TEXT,
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX organizations_tenant ON organizations (tenant_id, name);

CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    organization_id TEXT NOT NULL REFERENCES organizations(id),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    division TEXT,
    title TEXT,
    phone TEXT,
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX contacts_organization ON contacts (organization_id);

CREATE TABLE audit_events (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor_id TEXT,
    actor_label TEXT NOT NULL,
    ip TEXT,
    user_agent TEXT,
    action TEXT NOT NULL,
    target_type TEXT,
    target_id TEXT,
    result TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_events_action ON audit_events (tenant_id, action);

-- The audit log is append-only: the application never updates or deletes events, and the
-- database refuses it too. (Someone with DDL rights can drop this; the hash chain catches that.)
CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
