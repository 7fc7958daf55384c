-- Wrong one-time codes escalate, so that guessing cannot go on for ever: each lock of a signing link is longer than the one
-- before, and one round after the last the link is closed until staff send a new one.
-- How many times this link has been locked since it was issued (more than the lock steps:
-- closed).
ALTER TABLE recipients ADD COLUMN code_locks INTEGER NOT NULL DEFAULT 0;
