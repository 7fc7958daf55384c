-- The ID of the request that queued the job, so the worker's log lines name it.
ALTER TABLE jobs ADD COLUMN request_id TEXT;
