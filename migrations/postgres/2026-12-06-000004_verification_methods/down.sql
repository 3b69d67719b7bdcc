ALTER TABLE budgets DROP COLUMN accepted_verifications;
ALTER TABLE municipalities DROP COLUMN verification_methods;
DROP TABLE resident_verifications;
