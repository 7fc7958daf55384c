DROP INDEX contracts_state_expires;
