-- Who voted, coarsely, for participation statistics: the voter's district and age band when
-- the counted ballot was cast (never the person; paper ballots have neither).
ALTER TABLE ballots ADD COLUMN voter_district_id TEXT;
ALTER TABLE ballots ADD COLUMN voter_age_band TEXT;
