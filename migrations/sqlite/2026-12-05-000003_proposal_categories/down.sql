ALTER TABLE municipalities DROP COLUMN proposal_categories;
