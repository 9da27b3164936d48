#!/bin/bash
# test/ref/consistency/make_accuracy.sh: regenerate ceilings.csv and
# accuracy.md (committed; test/t/030_consistency_accuracy.t reads them).
#
# Needs a PostgreSQL where prefcal is installed (PG* environment, psql on
# PATH) and /usr/bin/python3 with numpy and scipy.  For every difficulty
# level it exports the responses made by prefcal's simulate_annotations
# with the evaluation settings below, computes the Bayes-optimal ceiling
# with bayes_optimal.py, and prefcal's accuracy in the database.
#
# The evaluation settings differ from the tuning settings the priors were
# chosen on (seed 1001, mixture 0.6/0.2/0.2, framing_share 0.5, position
# bias 0.1 in both domains, utility_sd 1) in seeds, mixture, framing
# share, per-domain position bias and utility spread.
set -euo pipefail
cd "$(dirname "$0")"
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# the simulator call of one level; keep in sync with 030_consistency_accuracy.t
sim() {	# seed repeats strength
	echo "simulate_annotations($1, n_items => 40, n_annotators => 150, pairs_per_annotator => 20, repeats => $2, framings => 2, p_genuine => 0.45, p_non_attitude => 0.3, p_constructed => 0.25, genuine_strength => $3, n_domains => 2, utility_sd => 1.5, framing_share => 0.3, position_bias_by_domain => '{0.05,0.15}')"
}

echo "level,seed,repeats,genuine_strength,n_groups,bayes_optimal,prefcal" > ceilings.csv
seed=3000
for r in 2 4 8; do
	for s in 0.8 0.95; do
		seed=$((seed + 1))
		psql -X -q -c "\copy (SELECT annotator,item_a,item_b,domain,a_shown_first,framing,chose_a,true_type,true_p FROM $(sim $seed $r $s)) TO '$tmp/rows.csv' CSV HEADER"
		psql -X -q -c "\copy (SELECT annotator,item_a,item_b,(c).label,(c).p_genuine,(c).p_non_attitude,(c).p_constructed FROM (SELECT annotator,item_a,item_b,classify_preference_consistency(chose_a, condition) c FROM $(sim $seed $r $s) GROUP BY 1,2,3) x) TO '$tmp/groups.csv' CSV HEADER"
		read -r ceil ngroups < <($PY bayes_optimal.py ceiling "$tmp/rows.csv" --s "$s" --pg 0.45 --pn 0.3 --pc 0.25 --fs 0.3 --bias code=0.05,creative_writing=0.15 --framings 2)
		check=$($PY bayes_optimal.py prefcal "$tmp/rows.csv" "$tmp/groups.csv")
		acc=$(psql -X -A -t -q -c "SELECT round(avg((CASE WHEN tt LIKE 'constructed%' THEN 'constructed' ELSE tt END = (c).label)::int)::numeric, 6) FROM (SELECT min(true_type) tt, classify_preference_consistency(chose_a, condition) c FROM $(sim $seed $r $s) GROUP BY annotator, item_a, item_b) x")
		echo "r${r}_s${s},$seed,$r,$s,$ngroups,$ceil,$acc" >> ceilings.csv
		echo "r=$r s=$s ceiling=$ceil prefcal=$acc; C vs documented formulas: $check" >&2
	done
done

{
	echo "# classify_preference_consistency: accuracy against the Bayes-optimal ceiling"
	echo
	echo "Made by \`test/ref/consistency/make_accuracy.sh\` (data: \`ceilings.csv\`)."
	echo "Each level: 150 annotators x 20 pairs = 3000 (annotator, pair) groups from"
	echo "\`simulate_annotations\` with mixture 0.45/0.30/0.25, framing_share 0.3,"
	echo "position bias 0.05 (code) / 0.15 (creative_writing), utility_sd 1.5, 2 framings"
	echo "(4 conditions), \`repeats\` responses per condition.  The classifier's priors were"
	echo "chosen on other seeds and settings (mixture 0.6/0.2/0.2, framing_share 0.5, bias 0.1,"
	echo "utility_sd 1).  Accuracy counts \`insufficient\` as wrong; constructed_* = constructed."
	echo "The ceiling is the MAP classifier that knows every true parameter, the mixture and each"
	echo "pair's true_p (\`bayes_optimal.py\`)."
	echo
	echo "| repeats/condition | genuine_strength | Bayes-optimal | prefcal | ratio | target (>= 0.95 where ceiling >= 0.6) |"
	echo "|---|---|---|---|---|---|"
	tail -n +2 ceilings.csv | while IFS=, read -r lv sd r s n c p; do
		ratio=$($PY -c "print(f'{$p/$c:.3f}')")
		ok=$($PY -c "print('met' if $c < 0.6 or $p >= 0.95*$c else 'NOT met')")
		echo "| $r | $s | $c | $p | $ratio | $ok |"
	done
} > accuracy.md
cat accuracy.md
