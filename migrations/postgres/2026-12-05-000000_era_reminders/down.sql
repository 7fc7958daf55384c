ALTER TABLE recipients DROP COLUMN auto_reminded_at;
ALTER TABLE tenants DROP COLUMN japanese_era;
