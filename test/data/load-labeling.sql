-- test/data/load-labeling.sql: load the bundled labeling database into
-- schema "labeling" (run from the repository root: paths are relative).
--   labeling.items      item, domain, utility (the latent truth)
--   labeling.judgments  judgment_id, annotator, item_a, item_b,
--                       a_shown_first, framing, rep, chose_a
--   labeling.truth      annotator, item_a, item_b, true_type (latent truth)
-- Made by test/data/make-labeling-db.sh with prefcal's seeded simulator.
\set ON_ERROR_STOP on
DROP SCHEMA IF EXISTS labeling CASCADE;
CREATE SCHEMA labeling;
CREATE TABLE labeling.items (item int PRIMARY KEY, domain text NOT NULL, utility float8 NOT NULL);
CREATE TABLE labeling.judgments (
	judgment_id bigint PRIMARY KEY,
	annotator int NOT NULL,
	item_a int NOT NULL REFERENCES labeling.items,
	item_b int NOT NULL REFERENCES labeling.items,
	a_shown_first boolean NOT NULL,
	framing int NOT NULL,
	rep int NOT NULL,
	chose_a boolean NOT NULL
);
CREATE TABLE labeling.truth (
	annotator int, item_a int, item_b int, true_type text NOT NULL,
	PRIMARY KEY (annotator, item_a, item_b)
);
\copy labeling.items FROM 'test/data/labeling/items.csv' CSV HEADER
\copy labeling.judgments FROM PROGRAM 'gzip -dc test/data/labeling/judgments.csv.gz' CSV HEADER
\copy labeling.truth FROM PROGRAM 'gzip -dc test/data/labeling/truth.csv.gz' CSV HEADER
ANALYZE labeling.items;
ANALYZE labeling.judgments;
ANALYZE labeling.truth;
