-- Contracts: the contract journey (draft → internal approval → counterparties → sealed).
-- Same conventions as the foundation: TEXT uuid ids, BIGINT Unix-millisecond times, dates as
-- ISO 8601 TEXT (YYYY-MM-DD), JSON as TEXT.

ALTER TABLE tenants ADD COLUMN approval_required BOOLEAN NOT NULL DEFAULT TRUE;
-- {fy}: Japanese fiscal year in the Reiwa era (R8 = April 2026 – March 2027), {seq:N}: N digits.
ALTER TABLE tenants ADD COLUMN contract_number_pattern TEXT NOT NULL DEFAULT 'R{fy}-{seq:6}';
ALTER TABLE tenants ADD COLUMN retention_years INTEGER NOT NULL DEFAULT 10;
ALTER TABLE tenants ADD COLUMN link_expiry_days INTEGER NOT NULL DEFAULT 14;

CREATE TABLE contract_number_counters (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    fiscal_year INTEGER NOT NULL,
    next_value BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, fiscal_year)
);

CREATE TABLE contracts (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    -- The QR code's /v/{public_id}: random, says nothing of the content.
    public_id TEXT NOT NULL UNIQUE,
    contract_number TEXT NOT NULL,
    title TEXT NOT NULL,
    department_id TEXT REFERENCES departments(id),
    organization_id TEXT REFERENCES organizations(id),
    counterparty_name TEXT NOT NULL,
    amount_yen BIGINT,
    period_start TEXT,
    period_end TEXT,
    concluded_on TEXT,
    retention_years INTEGER NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    custom_fields TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL,
    recipient_order TEXT NOT NULL DEFAULT 'sequential',
    allow_forwarding BOOLEAN NOT NULL DEFAULT FALSE,
    message TEXT NOT NULL DEFAULT '',
    -- Visible stamp placement as JSON {page,x,y,w,h}; NULL: invisible signatures.
    stamp TEXT,
    approval_round INTEGER NOT NULL DEFAULT 0,
    expires_at BIGINT,
    sent_at BIGINT,
    concluded_at BIGINT,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (tenant_id, contract_number)
);
CREATE INDEX contracts_tenant_state ON contracts (tenant_id, state, updated_at);
CREATE INDEX contracts_tenant_updated ON contracts (tenant_id, updated_at);

-- Files: immutable; content-addressed on disk by sha256. Roles: main, attachment, sealed (the
-- main PDF after each seal; the newest is current), certificate (合意締結証明書).
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    contract_id TEXT NOT NULL REFERENCES contracts(id),
    role TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    page_count INTEGER,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    removed_at BIGINT
);
CREATE INDEX documents_contract ON documents (contract_id, role);
CREATE INDEX documents_sha256 ON documents (tenant_id, sha256);

-- Approval route templates per department (steps as JSON: [{name, rule, approver_ids}]).
CREATE TABLE approval_route_templates (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    department_id TEXT REFERENCES departments(id),
    name TEXT NOT NULL,
    steps TEXT NOT NULL,
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A contract's route: ordered steps, each with approvers (JSON array of user ids) and a rule.
CREATE TABLE approval_steps (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    contract_id TEXT NOT NULL REFERENCES contracts(id),
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    rule TEXT NOT NULL,
    approver_ids TEXT NOT NULL
);
-- Position 0: a step of an earlier route, kept because decisions refer to it.
CREATE INDEX approval_steps_contract ON approval_steps (contract_id, position);

-- Every decision, kept for the record; `round` ties it to one submission (editing resets).
CREATE TABLE approval_decisions (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    contract_id TEXT NOT NULL REFERENCES contracts(id),
    step_id TEXT NOT NULL REFERENCES approval_steps(id),
    round INTEGER NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    decision TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL
);
CREATE INDEX approval_decisions_contract ON approval_decisions (contract_id, round);

-- Counterparty signers. Tokens and codes are stored as SHA-256 hex, never in clear.
CREATE TABLE recipients (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    contract_id TEXT NOT NULL REFERENCES contracts(id),
    position INTEGER NOT NULL,
    organization_name TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    access_code_hash TEXT,
    state TEXT NOT NULL,
    link_token_hash TEXT UNIQUE,
    link_expires_at BIGINT,
    otp_hash TEXT,
    otp_expires_at BIGINT,
    otp_failures INTEGER NOT NULL DEFAULT 0,
    locked_until BIGINT,
    session_token_hash TEXT UNIQUE,
    session_expires_at BIGINT,
    notified_at BIGINT,
    viewed_at BIGINT,
    verified_at BIGINT,
    agreed_at BIGINT,
    declined_at BIGINT,
    decline_reason TEXT,
    forwarded_from TEXT REFERENCES recipients(id),
    -- The sealed file made on this recipient's agreement (set once, by the sealing job).
    sealed_document_id TEXT REFERENCES documents(id),
    forwarded_at BIGINT,
    action_ip TEXT,
    action_user_agent TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX recipients_contract ON recipients (contract_id, position);
