DROP TABLE tsa_health;
DROP TABLE tsa_servers;
DROP TABLE document_seals;
DROP INDEX seal_keys_one_active;
DROP TABLE seal_keys;
