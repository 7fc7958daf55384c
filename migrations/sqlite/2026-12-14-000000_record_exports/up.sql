-- Fiscal-year exports (年度別一括出力): one row per requested export, written by the
-- `records.fiscal_year_export` job. state: 'queued' | 'running' | 'done' | 'failed'.
-- department_ids: a JSON array of department IDs ('[]': every department).
-- encoding: 'utf8' | 'cp932'. entries_done / entries_total: the job's progress, in ZIP entries.
-- file_path: the finished ZIP under the data directory (written to a temporary name, renamed).
CREATE TABLE record_exports (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    requested_by TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    department_ids TEXT NOT NULL,
    encoding TEXT NOT NULL,
    state TEXT NOT NULL,
    entries_done BIGINT NOT NULL,
    entries_total BIGINT NOT NULL,
    contracts BIGINT NOT NULL,
    size BIGINT,
    sha256 TEXT,
    manifest_sha256 TEXT,
    timestamped BOOLEAN NOT NULL,
    cp932_replacements BIGINT NOT NULL,
    error TEXT,
    file_path TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX record_exports_tenant ON record_exports (tenant_id, created_at);
