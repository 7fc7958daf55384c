-- Bulk sending from CSV (一括送信): one row per accepted file, one bulk_send_rows row per CSV
-- line (its values as JSON shared::dto::TemplateContractRequest). A row's state: 'pending',
-- 'created' (contract_id set, in the same transaction as the contract), 'sent', 'submitted'
-- (the template has an approval route) or 'failed' (error_code and messages kept).
CREATE TABLE bulk_sends (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    template_id TEXT NOT NULL REFERENCES document_templates (id),
    file_name TEXT NOT NULL,
    total BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX bulk_sends_by_tenant ON bulk_sends (tenant_id, created_at);

CREATE TABLE bulk_send_rows (
    bulk_send_id TEXT NOT NULL REFERENCES bulk_sends (id),
    line INTEGER NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    input TEXT NOT NULL,
    state TEXT NOT NULL,
    contract_id TEXT REFERENCES contracts (id),
    error_code TEXT,
    error_ja TEXT,
    error_en TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (bulk_send_id, line)
);
