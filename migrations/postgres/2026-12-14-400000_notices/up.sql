-- Maintenance and outage notices (メンテナンス・障害のお知らせ, 仕様 6-(6)).
-- tenant_id: NULL for a service-wide notice (published by the operator), else the tenant whose
-- staff and counterparties see it. kind: 'planned' | 'outage' | 'recovered'. starts_at and
-- ends_at: Unix milliseconds. withdrawn_at: set when withdrawn; the row stays for the audit log.
CREATE TABLE notices (
    id TEXT PRIMARY KEY,
    tenant_id TEXT REFERENCES tenants (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    withdrawn_at BIGINT
);
-- The banners' query: not ended yet, of one tenant or service-wide.
CREATE INDEX notices_by_end ON notices (ends_at, tenant_id);
CREATE INDEX notices_by_tenant ON notices (tenant_id, created_at);
