-- SMS verification of counterparties (SMS認証): the mobile number the sender gave (E.164, NULL:
-- no SMS step), the pending code (its SHA-256 only, and when it expires), when this session
-- confirmed it, and the hourly sending budget (window start, codes sent in it).
ALTER TABLE recipients ADD COLUMN sms_phone TEXT;
ALTER TABLE recipients ADD COLUMN sms_code_hash TEXT;
ALTER TABLE recipients ADD COLUMN sms_code_expires_at BIGINT;
ALTER TABLE recipients ADD COLUMN sms_verified_at BIGINT;
ALTER TABLE recipients ADD COLUMN sms_window_started_at BIGINT;
ALTER TABLE recipients ADD COLUMN sms_sends INTEGER NOT NULL DEFAULT 0;
