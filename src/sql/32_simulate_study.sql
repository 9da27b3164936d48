
-- ===================================================================
-- 32_simulate_study.sql: the feature simulator of the study (doc/study.md,
-- "The simulator")
--   simulate_preference_study, simulate_preference_responses,
--   simulate_preference_annotators
-- ===================================================================

-- @upgrade simulate_study {
CREATE FUNCTION @extschema@.simulate_preference_study(
	seed bigint,
	params jsonb DEFAULT '{}',
	OUT judgment_id bigint,
	OUT split text,
	OUT domain text,
	OUT prompt_id int,
	OUT pair_id bigint,
	OUT response_a int,
	OUT response_b int,
	OUT annotator_id int,
	OUT condition text,
	OUT framing int,
	OUT repeat int,
	OUT a_first boolean,
	OUT first_item int,
	OUT second_item int,
	OUT first_features float8[],
	OUT second_features float8[],
	OUT chose_first float8,
	OUT chose_a boolean,
	OUT true_p_first float8,
	OUT true_p_a float8,
	OUT annotator_p_first float8,
	OUT judgment_p_first float8,
	OUT latent_type text,
	OUT feature_p_first float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pc_simulate_preference_study'
LANGUAGE C STABLE PARALLEL SAFE
ROWS 14400;

COMMENT ON FUNCTION @extschema@.simulate_preference_study(bigint, jsonb) IS
'seeded judgments of response pairs with features (quality and a spurious style feature), latent annotator types and the population truth; parameters as a jsonb object';

CREATE FUNCTION @extschema@.simulate_preference_responses(
	seed bigint,
	params jsonb DEFAULT '{}',
	OUT response_id int,
	OUT prompt_id int,
	OUT domain text,
	OUT split text,
	OUT response int,
	OUT features float8[],
	OUT hidden_quality float8,
	OUT style float8,
	OUT true_reward float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pc_simulate_preference_responses'
LANGUAGE C STABLE PARALLEL SAFE
ROWS 800;

COMMENT ON FUNCTION @extschema@.simulate_preference_responses(bigint, jsonb) IS
'the responses of simulate_preference_study for the same seed and parameters: features, hidden quality, style, true reward';

CREATE FUNCTION @extschema@.simulate_preference_annotators(
	seed bigint,
	params jsonb DEFAULT '{}',
	OUT annotator_id int,
	OUT personal boolean,
	OUT annotator_type text,
	OUT quality_weights float8[],
	OUT hidden_weight float8,
	OUT style_effect float8[])
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pc_simulate_preference_annotators'
LANGUAGE C STABLE PARALLEL SAFE
ROWS 100;

COMMENT ON FUNCTION @extschema@.simulate_preference_annotators(bigint, jsonb) IS
'the annotators of simulate_preference_study for the same seed and parameters: personal weights and own latent type';
-- @upgrade }
