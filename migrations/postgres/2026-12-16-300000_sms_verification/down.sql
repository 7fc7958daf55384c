ALTER TABLE recipients DROP COLUMN sms_sends;
ALTER TABLE recipients DROP COLUMN sms_window_started_at;
ALTER TABLE recipients DROP COLUMN sms_verified_at;
ALTER TABLE recipients DROP COLUMN sms_code_expires_at;
ALTER TABLE recipients DROP COLUMN sms_code_hash;
ALTER TABLE recipients DROP COLUMN sms_phone;
