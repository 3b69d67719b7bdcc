ALTER TABLE ballots DROP COLUMN voter_age_band;
ALTER TABLE ballots DROP COLUMN voter_district_id;
