-- test/data/load-soundquality.sql: load the bundled real data set into
-- schema "soundquality" (run from the repository root: paths are
-- relative).  Paired comparisons of 8 ways of reproducing music by 40
-- listeners, each pair judged about 20 times per listener (4 program
-- materials x 2 sessions x 2-3 repetitions); no display order, no truth.
-- Source, licence and extraction: test/data/soundquality/README.md.
--   soundquality.judgments  judgment_id, listener, time, progmat, session,
--                           repet, item_a, item_b, chose_a
\set ON_ERROR_STOP on
DROP SCHEMA IF EXISTS soundquality CASCADE;
CREATE SCHEMA soundquality;
CREATE TABLE soundquality.judgments (
	judgment_id int PRIMARY KEY,
	listener text NOT NULL,
	"time" text NOT NULL,
	progmat text NOT NULL,
	session int NOT NULL,
	repet int NOT NULL,
	item_a text NOT NULL,
	item_b text NOT NULL,
	chose_a boolean NOT NULL
);
\copy soundquality.judgments FROM PROGRAM 'gzip -dc test/data/soundquality/judgments.csv.gz' CSV HEADER
ANALYZE soundquality.judgments;
