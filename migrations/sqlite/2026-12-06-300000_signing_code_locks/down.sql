ALTER TABLE recipients DROP COLUMN code_locks;
