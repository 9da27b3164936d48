-- doc/study/sweep/02_output.sql: the sweep's summary (simsweep.summary:
-- per axis, value and remedy the mean over the seeds and the range of the
-- ECE against the truth), its markdown table (simsweep.markdown()) and its
-- plot (simsweep.svg(): one panel per axis, the ECE against the truth of
-- each remedy at each value, bars from the lowest to the highest seed).
-- test/demo/sweep.sh writes them to sweep.md, sweep.csv and sweep.svg.
\set ON_ERROR_STOP on

DROP TABLE IF EXISTS simsweep.summary;
DROP FUNCTION IF EXISTS simsweep.markdown(), simsweep.svg();
CREATE TABLE simsweep.summary AS
SELECT g.axis_ord, r.axis, r.value, g.is_default, m.ord AS remedy_ord, r.remedy,
       count(r.ece_truth) AS seeds,
       avg(r.train_judgments)::float8 AS train_judgments,
       avg(r.ece_truth) AS ece_truth, min(r.ece_truth) AS ece_truth_min, max(r.ece_truth) AS ece_truth_max,
       avg(r.ece_feature) AS ece_feature,
       avg(r.confidence_ratio) AS confidence_ratio,
       avg(r.ece_labels) AS ece_labels,
       string_agg(DISTINCT r.note, '; ') AS note
FROM simsweep.results r
JOIN simsweep.grid g USING (axis, value)
JOIN simsweep.remedies m USING (remedy)
GROUP BY g.axis_ord, r.axis, r.value, g.is_default, m.ord, r.remedy;

-- one row per (axis, value): ECE against the truth, mean [min, max] per remedy
CREATE FUNCTION simsweep.markdown() RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp AS $$
WITH cols AS (SELECT ord, remedy FROM simsweep.remedies),
rows AS (
	SELECT s.axis_ord, s.axis, s.value, bool_or(s.is_default) AS is_default,
	       string_agg(CASE WHEN s.seeds = 0 THEN 'n/a'
	                       ELSE format('%s [%s, %s]', to_char(s.ece_truth, 'FM0.000'),
	                                   to_char(s.ece_truth_min, 'FM0.000'), to_char(s.ece_truth_max, 'FM0.000')) END,
	                  ' | ' ORDER BY s.remedy_ord) AS cells,
	       max(s.seeds) AS seeds
	FROM simsweep.summary s GROUP BY 1, 2, 3
)
SELECT format(E'ECE against the truth (test split, %s seeds per point: mean [lowest, highest]); each axis varies one parameter of simulate_preference_study, the others at their defaults (marked *).\n\n', max(seeds))
       || '| parameter | value | ' || (SELECT string_agg(remedy, ' | ' ORDER BY ord) FROM cols) || E' |\n'
       || '|---|---|' || (SELECT string_agg('---', '|' ORDER BY ord) FROM cols) || E'|\n'
       || string_agg(format('| %s | %s%s | %s |', axis, value, CASE WHEN is_default THEN '*' ELSE '' END, cells),
                     E'\n' ORDER BY axis_ord, value)
       || E'\n'
FROM rows
$$;

-- the plot: panels in three columns, one per axis, a common y axis (ECE
-- against the truth, ticks every fifth of a multiple of 0.05), one colour
-- per remedy, the legend in the last cell
CREATE FUNCTION simsweep.svg() RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp AS $$
WITH colours(remedy, colour) AS (VALUES
	('none', '#000000'), ('counterfactual', '#d62728'), ('position', '#1f77b4'),
	('eb_filter', '#2ca02c'), ('eb_weighted', '#17becf'), ('counterfactual+eb_weighted', '#e377c2'),
	('oracle_filter', '#9467bd'), ('truth_labels+counterfactual', '#ff7f0e'), ('feature_oracle', '#7f7f7f')),
axes AS (
	SELECT axis, axis_ord, row_number() OVER (ORDER BY axis_ord) - 1 AS i, count(DISTINCT value) AS k
	FROM simsweep.summary GROUP BY axis, axis_ord
),
ymax AS (SELECT ceil(max(ece_truth_max) * 20) / 20 AS y FROM simsweep.summary),
pts AS (
	SELECT s.*, a.i, a.k, c.colour,
	       (a.i % 3) * 320 + 60 AS x0, (a.i / 3) * 280 + 52 AS y0,
	       dense_rank() OVER (PARTITION BY s.axis ORDER BY s.value) - 1 AS vi
	FROM simsweep.summary s JOIN axes a USING (axis) JOIN colours c USING (remedy)
	WHERE s.seeds > 0
),
xy AS (
	SELECT p.*, p.x0 + (p.vi + 0.5) * 240.0 / p.k + (p.remedy_ord - 5) * 3 AS x,
	       p.y0 + 190 - 190 * p.ece_truth / y.y AS py,
	       p.y0 + 190 - 190 * p.ece_truth_min / y.y AS plo,
	       p.y0 + 190 - 190 * p.ece_truth_max / y.y AS phi
	FROM pts p, ymax y
),
frames AS (
	SELECT string_agg(format(
		'<g><rect x="%s" y="%s" width="240" height="190" fill="none" stroke="#888"/>'
		'<text x="%s" y="%s" text-anchor="middle" font-size="13">%s</text>%s%s</g>',
		x0, y0, x0 + 120, y0 - 8, axis, ticks, xlabels), E'\n') AS s
	FROM (
		SELECT a.axis, (a.i % 3) * 320 + 60 AS x0, (a.i / 3) * 280 + 52 AS y0,
		       (SELECT string_agg(format('<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#ddd"/>'
		                                 '<text x="%s" y="%s" text-anchor="end" font-size="10">%s</text>',
		                                 (a.i % 3) * 320 + 60, (a.i % 3) * 320 + 300,
		                                 (a.i / 3) * 280 + 242 - 190 * t / y.y, (a.i / 3) * 280 + 242 - 190 * t / y.y,
		                                 (a.i % 3) * 320 + 55, (a.i / 3) * 280 + 246 - 190 * t / y.y,
		                                 to_char(t, 'FM0.00')), '')
		        FROM generate_series(0, 5) n, LATERAL (SELECT y.y * n / 5 AS t) tt) AS ticks,
		       (SELECT string_agg(format('<text x="%s" y="%s" text-anchor="middle" font-size="11">%s%s</text>',
		                                 (a.i % 3) * 320 + 60 + (rn - 0.5) * 240.0 / a.k, (a.i / 3) * 280 + 258,
		                                 value, CASE WHEN d THEN '*' ELSE '' END), '')
		        FROM (SELECT value, bool_or(is_default) d, row_number() OVER (ORDER BY value) rn
		              FROM simsweep.summary s WHERE s.axis = a.axis GROUP BY value) v) AS xlabels
		FROM axes a, ymax y
	) f
),
lines AS (
	SELECT string_agg(format('<polyline fill="none" stroke="%s" stroke-width="1.5" points="%s"/>', colour, pts), E'\n') AS s
	FROM (SELECT axis, remedy, colour, string_agg(format('%s,%s', round(x::numeric, 1), round(py::numeric, 1)), ' ' ORDER BY value) AS pts
	      FROM xy GROUP BY axis, remedy, colour) l
),
marks AS (
	SELECT string_agg(format('<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="%s" stroke-opacity="0.5"/>'
	                         '<circle cx="%s" cy="%s" r="2.5" fill="%s"/>',
	                         round(x::numeric, 1), round(x::numeric, 1), round(plo::numeric, 1), round(phi::numeric, 1), colour,
	                         round(x::numeric, 1), round(py::numeric, 1), colour), E'\n') AS s
	FROM xy
),
legend AS (
	SELECT string_agg(format('<line x1="700" x2="724" y1="%s" y2="%s" stroke="%s" stroke-width="2"/>'
	                         '<text x="730" y="%s" font-size="12">%s</text>',
	                         340 + 20 * r.ord, 340 + 20 * r.ord, c.colour, 344 + 20 * r.ord, r.remedy), E'\n' ORDER BY r.ord) AS s
	FROM simsweep.remedies r JOIN colours c USING (remedy)
)
SELECT '<svg xmlns="http://www.w3.org/2000/svg" width="980" height="580" viewBox="0 0 980 580" font-family="sans-serif">' || E'\n'
       || '<rect width="980" height="580" fill="white"/>' || E'\n'
       || '<text x="490" y="18" text-anchor="middle" font-size="14">ECE against the truth (test split) as one simulator parameter varies (* = default); bars: lowest to highest seed</text>' || E'\n'
       || coalesce(frames.s, '') || E'\n' || coalesce(lines.s, '') || E'\n' || coalesce(marks.s, '') || E'\n'
       || '<text x="700" y="335" font-size="12" font-weight="bold">remedy</text>' || E'\n'
       || coalesce(legend.s, '') || E'\n</svg>\n'
FROM frames, lines, marks, legend
$$;
