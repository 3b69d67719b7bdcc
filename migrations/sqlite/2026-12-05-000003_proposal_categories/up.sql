-- The proposal categories a municipality defines (domain/settings/categories.rs): a JSON array
-- of {"key", "names"}. Empty, as for every existing municipality, means free-text categories.
ALTER TABLE municipalities ADD COLUMN proposal_categories TEXT NOT NULL DEFAULT '[]';
