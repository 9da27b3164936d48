-- test/data/make-labeling-db.sql: generate the bundled labeling database
-- with prefcal's seeded simulator (simulate_annotations) and write it as
-- CSV files under test/data/labeling/.  Run by make-labeling-db.sh from the
-- repository root, in a database where prefcal is installed.
--
-- The design, chosen so the consistency classes can be told apart: every
-- annotator sees each of their pairs 8 times, under display order (a first,
-- b first) x framing (1, 2) x 2 repeats.  Two domains, "code" and
-- "creative_writing", with a stronger position bias for creative writing.
\set ON_ERROR_STOP on
CREATE TEMP TABLE sim AS
SELECT * FROM simulate_annotations(
	seed => 20261126,
	n_items => 60,
	n_annotators => 160,
	pairs_per_annotator => 30,
	repeats => 2,
	framings => 2,
	p_genuine => 0.55,
	p_non_attitude => 0.25,
	p_constructed => 0.20,
	genuine_strength => 0.9,
	position_bias => 0.15,
	n_domains => 2,
	utility_sd => 1.2,
	framing_share => 0.5,
	position_bias_by_domain => '{0.05, 0.25}');

-- items with their latent utility (the truth a real labeling table lacks)
\copy (SELECT item, domain, u FROM (SELECT item_a AS item, domain, u_a AS u FROM sim UNION SELECT item_b, domain, u_b FROM sim) i ORDER BY item) TO 'test/data/labeling/items.csv' CSV HEADER
-- the judgments, as a labeling tool would store them
\copy (SELECT row_number() OVER (ORDER BY annotator, item_a, item_b, rep, framing, a_shown_first DESC) AS judgment_id, annotator, item_a, item_b, a_shown_first, framing, rep, chose_a FROM sim ORDER BY judgment_id) TO PROGRAM 'gzip -9n > test/data/labeling/judgments.csv.gz' CSV HEADER
-- the latent response type of each (annotator, pair): truth again
\copy (SELECT DISTINCT annotator, item_a, item_b, true_type FROM sim ORDER BY 1, 2, 3) TO PROGRAM 'gzip -9n > test/data/labeling/truth.csv.gz' CSV HEADER
