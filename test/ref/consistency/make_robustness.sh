#!/bin/bash
# test/ref/consistency/make_robustness.sh: regenerate robustness.md
# (committed; not read by any test).
#
# The hardest level of accuracy.md (2 repeats per condition, genuine
# strength 0.8) on eight more seeds with the same evaluation settings:
# the Bayes-optimal ceiling (bayes_optimal.py), EB MAP and EB+BT MAP,
# computed exactly as in make_accuracy.sh.  Nothing is chosen from these
# runs; they show how much the per-seed figures move.  Needs a PostgreSQL
# where prefcal is installed (PG* environment) and /usr/bin/python3 with
# numpy and scipy.
set -euo pipefail
cd "$(dirname "$0")"
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
r=2
s=0.8
{
	echo "# EB MAP and EB+BT MAP at 2 repeats x strength 0.8 on more seeds"
	echo
	echo "Made by \`test/ref/consistency/make_robustness.sh\`: the settings of \`accuracy.md\`"
	echo "(3000 groups per seed), seeds 3101-3108 (\`accuracy.md\` uses 3001 at this level)."
	echo
	echo "| seed | Bayes-optimal | EB MAP | ratio | EB+BT MAP | ratio |"
	echo "|---|---|---|---|---|---|"
} > robustness.md
for seed in 3101 3102 3103 3104 3105 3106 3107 3108; do
	sim="simulate_annotations($seed, n_items => 40, n_annotators => 150, pairs_per_annotator => 20, repeats => $r, framings => 2, p_genuine => 0.45, p_non_attitude => 0.3, p_constructed => 0.25, genuine_strength => $s, n_domains => 2, utility_sd => 1.5, framing_share => 0.3, position_bias_by_domain => '{0.05,0.15}')"
	psql -X -q -c "\copy (SELECT annotator,item_a,item_b,domain,a_shown_first,framing,chose_a,true_type,true_p FROM $sim) TO '$tmp/rows.csv' CSV HEADER"
	read -r ceil ngroups < <($PY bayes_optimal.py ceiling "$tmp/rows.csv" --s $s --pg 0.45 --pn 0.3 --pc 0.25 --fs 0.3 --bias code=0.05,creative_writing=0.15 --framings 2)
	out=$(psql -X -A -t -q <<SQL
SET client_min_messages = warning;
DROP TABLE IF EXISTS g, p, bt;
CREATE TABLE g AS SELECT annotator, item_a, item_b, min(true_type) tt, preference_consistency_state_agg(chose_a, condition) st FROM $sim GROUP BY 1, 2, 3;
CREATE TABLE p AS SELECT preference_consistency_prior(st) pr FROM g;
CREATE TABLE bt AS SELECT (SELECT bt_fit(bt_state_agg(x, y, 1, w), prior => 0.5) FROM (SELECT g.item_a, g.item_b, (classify_preference_consistency(st, pr)).p_genuine pg, preference_consistency_direction(st, pr) d FROM g, p) v, LATERAL (VALUES (item_a::bigint, item_b::bigint, pg * d), (item_b::bigint, item_a::bigint, pg * (1 - d))) x(x, y, w) WHERE w > 0) m;
SELECT round(avg((CASE WHEN tt LIKE 'constructed%' THEN 'constructed' ELSE tt END = (classify_preference_consistency(st, pr, 0)).label)::int)::numeric, 6),
       round(avg((CASE WHEN tt LIKE 'constructed%' THEN 'constructed' ELSE tt END = (classify_preference_consistency(st, pr, 0, bt_predict(m, item_a::bigint, item_b::bigint))).label)::int)::numeric, 6) FROM g, p, bt;
SQL
)
	IFS='|' read -r ebmap ebbt <<< "$out"
	$PY -c "print('| $seed | $ceil | $ebmap | %.3f | $ebbt | %.3f |' % ($ebmap/$ceil, $ebbt/$ceil))" >> robustness.md
done
cat robustness.md
