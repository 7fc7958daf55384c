DROP INDEX document_seals_tenant_at;
DROP INDEX audit_events_tenant_at;
DROP TABLE monthly_reports;
