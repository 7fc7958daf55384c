-- The system chain's events stay (the log is append-only); only an empty system chain goes.
DELETE FROM tenants WHERE id = '00000000-0000-0000-0000-000000000000' AND audit_seq = 0;
ALTER TABLE audit_events DROP COLUMN key_id;
