DROP INDEX audit_events_target;
DROP TABLE api_tokens;
