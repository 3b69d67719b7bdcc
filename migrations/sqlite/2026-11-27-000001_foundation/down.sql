DROP TABLE audit_log;
DROP TABLE refresh_tokens;
DROP TABLE sessions;
DROP TABLE accounts;
DROP TABLE districts;
DROP TABLE municipalities;
