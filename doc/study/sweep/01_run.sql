-- doc/study/sweep/01_run.sql: every grid point of simsweep.grid, for seeds
-- 1 .. settings.seeds; each prints a progress line.  To share the work
-- between sessions, run it in each with sweep_jobs (their number) and
-- sweep_job (0 .. sweep_jobs - 1): a session takes every sweep_jobs-th
-- (point, seed).
\set ON_ERROR_STOP on
\if :{?sweep_jobs}
\else
\set sweep_jobs 1
\endif
\if :{?sweep_job}
\else
\set sweep_job 0
\endif
SELECT format('SELECT ''        '' || simsweep.run_point(%L, %s, %s)', axis, value, s)
FROM (SELECT g.axis, g.value, s,
             row_number() OVER (ORDER BY g.axis_ord, g.value, s) - 1 AS n
      FROM simsweep.grid g, simsweep.settings c, generate_series(1, c.seeds) s
      WHERE c.axes IS NULL OR g.axis = ANY (string_to_array(replace(c.axes, ' ', ''), ','))) w
WHERE n % :sweep_jobs = :sweep_job
ORDER BY n
\gexec
