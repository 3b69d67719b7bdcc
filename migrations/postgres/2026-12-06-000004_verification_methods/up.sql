-- How each resident's registration was proven (domain/verification.rs): one row per method,
-- recorded by service::residents::verifications::record on every path that verifies.
CREATE TABLE resident_verifications (
    account_id TEXT NOT NULL REFERENCES residents (account_id),
    method TEXT NOT NULL,
    verified_at TIMESTAMP NOT NULL,
    verified_by TEXT REFERENCES accounts (id),
    PRIMARY KEY (account_id, method)
);

-- The methods a municipality offers. Every existing municipality keeps the three that verified
-- residents before methods could be chosen, so whoever could vote still can.
ALTER TABLE municipalities ADD COLUMN verification_methods TEXT NOT NULL
    DEFAULT '["open","review","roll"]';

-- The methods that count for voting in a budget; empty, as for every existing budget: any the
-- municipality offers.
ALTER TABLE budgets ADD COLUMN accepted_verifications TEXT NOT NULL DEFAULT '[]';

-- Residents verified already: by review when an official decided; otherwise by `open` under the
-- open policy, and by the roll under the others (only the roll verifies without an official
-- there).
INSERT INTO resident_verifications (account_id, method, verified_at, verified_by)
SELECT r.account_id,
       CASE WHEN r.reviewed_by IS NOT NULL THEN 'review'
            WHEN m.registration_policy = 'open' THEN 'open'
            ELSE 'roll' END,
       COALESCE(r.reviewed_at, r.created_at),
       r.reviewed_by
FROM residents r
JOIN municipalities m ON m.id = r.municipality_id
WHERE r.status = 'verified';
