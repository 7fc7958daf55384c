-- Dates in lists and mails may be shown in the Japanese era (令和8年4月1日), per tenant.
ALTER TABLE tenants ADD COLUMN japanese_era BOOLEAN NOT NULL DEFAULT FALSE;

-- When the automatic reminder before the answer deadline went to a recipient (once per sending).
ALTER TABLE recipients ADD COLUMN auto_reminded_at BIGINT;
