-- doc/study/sweep/01_run.sql: every grid point of simsweep.grid, for seeds
-- 1 .. settings.seeds; each prints a progress line.  (To split the work
-- between sessions, call simsweep.run_point(axis, value, seed) directly.)
\set ON_ERROR_STOP on
SELECT format('SELECT ''        '' || simsweep.run_point(%L, %s, %s)', g.axis, g.value, s)
FROM simsweep.grid g, simsweep.settings c, generate_series(1, c.seeds) s
WHERE c.axes IS NULL OR g.axis = ANY (string_to_array(replace(c.axes, ' ', ''), ','))
ORDER BY g.axis_ord, g.value, s
\gexec
