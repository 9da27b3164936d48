-- calibration_ece_state: the partial state of ece_agg (no Brier sum, no
-- second moments: CALIB_F_NO_MOMENTS) reads back through its own text
-- input, as Citus ships it, and merges to the single-scan result; the
-- accessors that need what it does not track refuse it.
CREATE TABLE ece_state AS
SELECT i, (i % 97) / 128.0::float8 AS p, i % 3 = 0 AS y, (i % 5) / 4.0::float8 AS soft,
       ARRAY[(i % 7) / 16.0, 0.25, 0.75 - (i % 7) / 16.0]::float8[] AS probs, i % 3 AS label
FROM generate_series(1, 1000) i;
-- ece_agg's transitions with no final function: its partial states (the
-- values are multiples of 2^-k, so sums are exact in any order)
CREATE AGGREGATE pg_temp.ece_part(float8, boolean) (sfunc = ece_agg_trans, stype = calibration_state);
CREATE AGGREGATE pg_temp.ece_part(float8, boolean, integer) (sfunc = ece_agg_trans, stype = calibration_state);
CREATE AGGREGATE pg_temp.ece_part(float8, float8, integer) (sfunc = ece_agg_trans, stype = calibration_state);
CREATE AGGREGATE pg_temp.ece_part(float8[], integer, integer) (sfunc = ece_agg_trans, stype = calibration_state);
SELECT pg_temp.ece_part(p, soft, 4) FROM ece_state;
-- each part's state through text out and in, merged, equals one scan
WITH parts AS (
  SELECT pg_temp.ece_part(p, y)::text::calibration_state AS a,
         pg_temp.ece_part(p, soft, 7)::text::calibration_state AS b,
         pg_temp.ece_part(probs, label, 10)::text::calibration_state AS c
  FROM ece_state GROUP BY i % 4
)
SELECT calibration_ece(calibration_state_merge(a)) = (SELECT ece_agg(p, y) FROM ece_state) AS a_ok,
       calibration_ece(calibration_state_merge(b)) = (SELECT ece_agg(p, soft, 7) FROM ece_state) AS b_ok,
       calibration_ece(calibration_state_merge(c)) = (SELECT ece_agg(probs, label, 10) FROM ece_state) AS c_ok,
       calibration_state_merge(c)::text AS c
FROM parts;
-- a one-row state, and the binary form (send) carries the flag (0x0002)
SELECT s::text, substr(calibration_state_send(s), 1, 4) AS header
FROM (SELECT pg_temp.ece_part(p, y) AS s FROM ece_state WHERE i = 5) x;
-- what it tracks works; what it does not is refused
SELECT calibration_n(s), calibration_ece(s), calibration_mce(s), round(calibration_rmsce(s)::numeric, 12) AS rmsce
FROM (SELECT pg_temp.ece_part(p, y) AS s FROM ece_state) x;
SELECT calibration_brier(pg_temp.ece_part(p, y)) FROM ece_state;
SELECT calibration_decomposition(pg_temp.ece_part(p, y)) FROM ece_state;
SELECT calibration_smooth_ece(pg_temp.ece_part(p, y)) FROM ece_state;
SELECT calibration_log_loss(pg_temp.ece_part(p, y)) FROM ece_state;
-- merged with a full state: the result tracks only what both track
SELECT calibration_state_merge(s)::text
FROM (SELECT pg_temp.ece_part(p, y, 2) AS s FROM ece_state WHERE i < 4
      UNION ALL SELECT calibration_state_agg(p, y, 2) FROM ece_state WHERE i < 4) x;
SELECT calibration_ece(calibration_state_merge(s)) = (SELECT ece_agg(p, y, 2) FROM (SELECT * FROM ece_state UNION ALL SELECT * FROM ece_state) u) AS ok
FROM (SELECT pg_temp.ece_part(p, y, 2) AS s FROM ece_state
      UNION ALL SELECT calibration_state_agg(p, y, 2) FROM ece_state) x;
-- the input checks of the untracked form
SELECT 'version=1 nbins=2 classes=0 w=1 brier=untracked logloss=untracked bins=[1:(1,0.25,1)]'::calibration_state;
SELECT 'version=1 nbins=2 classes=0 w=1 brier=untracked logloss=untracked bins=[1:(1,0.25,1,0,0,0)]'::calibration_state;
SELECT 'version=1 nbins=2 classes=0 w=1 brier=untracked logloss=untracked bins=[1:(1,0.75,1)]'::calibration_state;
SELECT 'version=1 nbins=2 classes=0 w=2 brier=untracked logloss=untracked bins=[1:(1,0.25,1)]'::calibration_state;
SELECT 'version=1 nbins=2 classes=0 w=1 brier=untracked logloss=0.5 logloss_comp=0 bins=[1:(1,0.25,1)]'::calibration_state;
SELECT 'version=1 nbins=0 classes=0 w=1 brier=untracked logloss=untracked bins=[]'::calibration_state;
DROP TABLE ece_state;
