-- reward_refit: scheduled refits of reward models (prefcal_reward_refit)
SET extra_float_digits = 0;
CREATE TABLE rj (id bigserial, a float8[], b float8[], chose_a boolean, ia text, ib text);
INSERT INTO rj (a, b, chose_a, ia, ib)
SELECT ARRAY[sin(g), cos(3 * g)], ARRAY[cos(g), sin(5 * g)],
       (sin(11 * g) + 2 * (sin(g) - cos(g)) > 0), 'm' || (g % 3), 'm' || ((g + 1) % 3)
FROM generate_series(1, 300) g;
CREATE TABLE rj_hold AS
SELECT ARRAY[sin(g), cos(3 * g)] AS a, ARRAY[cos(g), sin(5 * g)] AS b,
       (sin(11 * g) + 2 * (sin(g) - cos(g)) > 0) AS chose_a
FROM generate_series(1001, 1100) g;

SELECT prefcal_register_reward_refit('rj', 'rj', 'a', 'b', 'chose_a', 'id',
	holdout => 'rj_hold', fit_options => '{"prior": 0.1, "position_effect": true}');
CALL prefcal_reward_refit('rj');
SELECT version, rows_fitted, watermark FROM reward_model_store ORDER BY version;
SELECT name, version, n FROM reward_calibration_history ORDER BY version;

-- the stored model is the fit of the rows at or below the watermark
SELECT bool_and(abs(s.coefficient - d.coefficient) <= 1e-12 * abs(d.coefficient)) AS same_fit
FROM reward_coefficients(prefcal_latest_reward_model('rj')) s
JOIN reward_coefficients(reward_fit('SELECT a AS first_features, b AS second_features, chose_a AS outcome FROM rj',
	prior => 0.1, position_effect => true)) d USING (feature);

-- new rows: the next run refits on all of them; no new rows: nothing to do
INSERT INTO rj (a, b, chose_a, ia, ib)
SELECT ARRAY[sin(g), cos(3 * g)], ARRAY[cos(g), sin(5 * g)],
       (sin(11 * g) + 2 * (sin(g) - cos(g)) > 0), 'm' || (g % 3), 'm' || ((g + 1) % 3)
FROM generate_series(301, 400) g;
CALL prefcal_reward_refit('rj');
CALL prefcal_reward_refit('rj');
CALL prefcal_reward_refit('rj', force => true);
SELECT version, rows_fitted, watermark, (reward_info(model) ->> 'n')::int AS n FROM reward_model_store ORDER BY version;
SELECT rows_fitted, watermark FROM reward_job_store;
SELECT count(*) AS measured FROM reward_calibration_history;

-- style control from item columns
SELECT prefcal_register_reward_refit('rj_items', 'rj', 'a', 'b', 'chose_a', 'id',
	first_item_column => 'ia', second_item_column => 'ib', fit_options => '{"prior": 1}');
CALL prefcal_reward_refit('rj_items');
SELECT count(*) AS items FROM reward_item_effects(prefcal_latest_reward_model('rj_items'));

-- errors
SELECT prefcal_register_reward_refit('rj', 'rj', 'a', 'b', 'chose_a', 'id');
SELECT prefcal_register_reward_refit('rj2', 'rj', 'a', 'b', 'chose_a', 'id', fit_options => '{"ties": "half"}');
SELECT prefcal_register_reward_refit('rj2', 'rj', 'a', 'b', 'nope', 'id');
SELECT prefcal_register_reward_refit('rj2', 'rj', 'a', 'b', 'chose_a', 'id', first_item_column => 'ia');
CALL prefcal_reward_refit('unknown');
DELETE FROM reward_job_store;
SELECT count(*) FROM reward_model_store;
DROP TABLE rj, rj_hold;
