#!/bin/bash
# test/ref/consistency/make_direction_ref.sh: regenerate the reference
# vectors of sql/consistency_direction.sql (direction_states.csv,
# direction_prior.csv, direction_ref.csv; committed).
#
# Needs a PostgreSQL where prefcal is installed (PG* environment, psql on
# PATH) for the input only: the per-group states of a small simulated
# table.  Everything else (EM prior, direction votes, Bradley-Terry fit,
# posteriors) is computed by numpy in make_direction_ref.py.
set -euo pipefail
cd "$(dirname "$0")"
psql -X -q -c "\copy (SELECT item_a, item_b, preference_consistency_state_agg(chose_a, condition)::text AS state FROM simulate_annotations(21, n_items => 16, n_annotators => 40, pairs_per_annotator => 10, repeats => 2, genuine_strength => 0.8, utility_sd => 1.5) GROUP BY annotator, item_a, item_b ORDER BY annotator, item_a, item_b) TO 'direction_states.csv' CSV HEADER"
/usr/bin/python3 make_direction_ref.py direction_states.csv direction_prior.csv direction_ref.csv
wc -l direction_states.csv direction_ref.csv
