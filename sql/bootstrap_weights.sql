-- bootstrap_weights: the replicate-weight generator (doc/uncertainty.md).
-- Fixed keys and seeds make every figure deterministic; the tolerances are
-- 5 to 7 standard errors of the sample statistic under the generator's
-- claims (Poisson(1) weights, independent across replicates and keys), so
-- they do not flake, yet a generator off by a few percent, or with
-- correlated replicates or neighbouring keys, fails them.
CREATE TEMP TABLE wdraw AS
SELECT k, r, bootstrap_weight('key-' || k, r, 11) AS x
FROM generate_series(1, 5000) k, generate_series(1, 100) r;

-- 500,000 draws: mean 1 (se 0.0014), variance 1 (se 0.0024)
SELECT count(*) AS draws,
       abs(avg(x) - 1) < 0.01 AS mean_is_1,
       abs(var_samp(x) - 1) < 0.017 AS variance_is_1,
       min(x) AS smallest, max(x) >= 7 AS reaches_7
FROM wdraw;

-- the distribution: chi-square against Poisson(1) over 0, 1, 2, 3, 4, >= 5
-- (5 degrees of freedom; 0.9999 quantile 25.7)
WITH obs AS (
  SELECT least(x, 5) AS k, count(*)::float8 AS n FROM wdraw GROUP BY 1),
pois AS (
  SELECT k, CASE WHEN k < 5 THEN exp(-1.0) / (SELECT coalesce(exp(sum(ln(j))), 1) FROM generate_series(1, k) j)
                 END AS pk
  FROM generate_series(0, 5) k),
expd AS (
  SELECT k, 500000 * coalesce(pk, 1 - (SELECT sum(pk) FROM pois WHERE k < 5)) AS e FROM pois)
SELECT sum((o.n - e.e) ^ 2 / e.e) < 25.7 AS chi_square_ok
FROM obs o JOIN expd e USING (k);

-- independence across replicates: correlation of replicates r and r + 1
-- over the 5000 keys (se 0.014 each; the largest of 99 within 0.07) and
-- pooled (se 0.0014)
WITH nb AS (
  SELECT r, x, lead(x) OVER (PARTITION BY k ORDER BY r) AS nx FROM wdraw),
pairs AS (
  SELECT r, corr(x, nx) AS c FROM nb WHERE nx IS NOT NULL GROUP BY r)
SELECT count(*) AS replicate_pairs, max(abs(c)) < 0.07 AS each_uncorrelated,
       abs(avg(c)) < 0.01 AS pooled_uncorrelated
FROM pairs;

-- independence across keys: neighbouring keys ('key-k', 'key-(k+1)') in
-- the same replicate (499,900 pairs, se 0.0014)
SELECT abs(corr(x, nx)) < 0.01 AS neighbouring_keys_uncorrelated
FROM (SELECT x, lead(x) OVER (PARTITION BY r ORDER BY k) AS nx FROM wdraw) q
WHERE nx IS NOT NULL;

-- seeds: the same key under seeds 11 and 12 (se 0.0014)
SELECT abs(corr(x, bootstrap_weight('key-' || k, r, 12))) < 0.01 AS seeds_uncorrelated
FROM wdraw;

-- a key's weight depends on nothing else: the same value whatever the
-- context; the empty key is a key; the default seed is 0
SELECT bootstrap_weight('', 1) AS empty_key,
       bootstrap_weight('a', 3) = bootstrap_weight('a', 3, 0) AS default_seed_0,
       bootstrap_weight('a', 3, 5) = (SELECT bootstrap_weight(k, 3, 5) FROM (VALUES ('a')) v(k)) AS same;

-- errors
\set VERBOSITY sqlstate
SELECT bootstrap_weight('a', 0);
SELECT bootstrap_weight('a', 10001);
\set VERBOSITY default
SELECT bootstrap_weight(NULL, 1) IS NULL AS null_key;
