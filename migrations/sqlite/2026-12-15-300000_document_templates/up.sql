-- Document templates (ひな形): a department's reusable contract (files, field defaults, the
-- approval route template it copies, counterparty slots, stamp position). department_id NULL:
-- every department. defaults and recipient_slots are JSON (shared::dto::TemplateFields,
-- Vec<RecipientSlot>).
CREATE TABLE document_templates (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    department_id TEXT REFERENCES departments (id),
    name TEXT NOT NULL,
    route_template_id TEXT REFERENCES approval_route_templates (id),
    defaults TEXT NOT NULL,
    recipient_slots TEXT NOT NULL,
    archived BOOLEAN NOT NULL DEFAULT FALSE,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX document_templates_by_tenant ON document_templates (tenant_id, name);

-- A template's files (main PDF, attachments), blobs by SHA-256 like documents; removed_at set
-- when replaced or removed.
CREATE TABLE template_documents (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    template_id TEXT NOT NULL REFERENCES document_templates (id),
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
CREATE INDEX template_documents_by_template ON template_documents (tenant_id, template_id);
CREATE INDEX template_documents_by_sha256 ON template_documents (sha256);
