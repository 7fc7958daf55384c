-- 月次利用状況報告 (monthly usage report): the figures the monthly job computed for a tenant's
-- month (a JST calendar month, 'YYYY-MM'), as the JSON of `MonthlyReportView`. One row per
-- tenant and month: the row is the job's proof that the month was reported (and mailed), and
-- the CSV and PDF offered later are drawn from exactly these figures.
CREATE TABLE monthly_reports (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    month TEXT NOT NULL,
    figures TEXT NOT NULL,
    generated_at BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, month)
);
-- The report counts one month of events per action; and storage and seals by time.
CREATE INDEX audit_events_tenant_at ON audit_events (tenant_id, at);
CREATE INDEX document_seals_tenant_at ON document_seals (tenant_id, created_at);
