-- 保存期間・廃棄 (retention and disposition, 仕様 5-(21)).
--
-- The tenant's rule for counting a contract's retention (the default years stay in
-- tenants.retention_years, a contract's own years in contracts.retention_years). No row: the
-- defaults (fiscal year, from the conclusion date).
CREATE TABLE retention_rules (
    tenant_id TEXT PRIMARY KEY NOT NULL REFERENCES tenants(id),
    -- fiscal_year (翌年度4月1日起算) | anniversary
    convention TEXT NOT NULL CHECK (convention IN ('fiscal_year', 'anniversary')),
    -- concluded_on | period_end
    basis TEXT NOT NULL CHECK (basis IN ('concluded_on', 'period_end')),
    updated_at BIGINT NOT NULL
);

-- 廃棄保留 (legal hold): while a row exists the contract can never be disposed of.
CREATE TABLE legal_holds (
    contract_id TEXT PRIMARY KEY NOT NULL REFERENCES contracts(id),
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    reason TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at BIGINT NOT NULL
);
CREATE INDEX legal_holds_tenant ON legal_holds (tenant_id);

-- 廃棄申請: one administrator requests, another approves (or rejects); the requester may cancel.
CREATE TABLE disposition_requests (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'cancelled')),
    reason TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT,
    comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX disposition_requests_tenant ON disposition_requests (tenant_id, state);

CREATE TABLE disposition_items (
    request_id TEXT NOT NULL REFERENCES disposition_requests(id),
    contract_id TEXT NOT NULL REFERENCES contracts(id),
    tenant_id TEXT NOT NULL,
    PRIMARY KEY (request_id, contract_id)
);
CREATE INDEX disposition_items_contract ON disposition_items (tenant_id, contract_id);

-- The tombstone of a disposed contract: what remains once its files and personal data are
-- deleted (the contracts row stays too, in state 'disposed', and the audit chain is untouched).
CREATE TABLE disposal_records (
    contract_id TEXT PRIMARY KEY NOT NULL REFERENCES contracts(id),
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    request_id TEXT NOT NULL REFERENCES disposition_requests(id),
    contract_number TEXT NOT NULL,
    title TEXT NOT NULL,
    prior_state TEXT NOT NULL,
    concluded_on TEXT,
    period_start TEXT,
    period_end TEXT,
    retention_years INTEGER NOT NULL,
    retention_end TEXT NOT NULL,
    -- JSON: [{"role": "sealed", "sha256": "…", "size": 123}, …]
    files TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_by_name TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    approved_by TEXT NOT NULL,
    approved_by_name TEXT NOT NULL,
    disposed_at BIGINT NOT NULL
);
CREATE INDEX disposal_records_tenant ON disposal_records (tenant_id, disposed_at);
