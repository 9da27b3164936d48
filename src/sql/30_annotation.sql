
-- ===================================================================
-- 30_annotation.sql: annotation signal (doc/annotation.md)
--   classify_preference_consistency, preference_consistency_prior,
--   simulate_annotations,
--   majority_vote, krippendorff_alpha, krippendorff_alpha_interval
-- ===================================================================

-- ---------- state type of classify_preference_consistency ----------

CREATE TYPE @extschema@.preference_consistency_state;

CREATE FUNCTION @extschema@.preference_consistency_state_in(cstring)
RETURNS @extschema@.preference_consistency_state
AS 'MODULE_PATHNAME', 'pc_consistency_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.preference_consistency_state_out(@extschema@.preference_consistency_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'pc_consistency_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.preference_consistency_state_recv(internal)
RETURNS @extschema@.preference_consistency_state
AS 'MODULE_PATHNAME', 'pc_consistency_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.preference_consistency_state_send(@extschema@.preference_consistency_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'pc_consistency_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.preference_consistency_state (
	INPUT = @extschema@.preference_consistency_state_in,
	OUTPUT = @extschema@.preference_consistency_state_out,
	RECEIVE = @extschema@.preference_consistency_state_recv,
	SEND = @extschema@.preference_consistency_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.preference_consistency_state IS
'mergeable state of classify_preference_consistency: per-condition counts of choices';

CREATE TYPE @extschema@.preference_consistency_result AS (
	label text,
	p_genuine float8,
	p_non_attitude float8,
	p_constructed float8,
	n int,
	n_conditions int,
	majority_share float8,
	within_agreement float8,
	across_agreement float8,
	weight float8,
	log_ml_genuine float8,
	log_ml_non_attitude float8,
	log_ml_constructed float8
);

COMMENT ON TYPE @extschema@.preference_consistency_result IS
'result of classify_preference_consistency: label, posterior class probabilities and agreement evidence';

CREATE FUNCTION @extschema@.preference_consistency_trans(
	@extschema@.preference_consistency_state, bool, text)
RETURNS @extschema@.preference_consistency_state
AS 'MODULE_PATHNAME', 'pc_consistency_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.preference_consistency_trans(
	@extschema@.preference_consistency_state, bool, text, float8)
RETURNS @extschema@.preference_consistency_state
AS 'MODULE_PATHNAME', 'pc_consistency_trans_conf'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.preference_consistency_combine(
	@extschema@.preference_consistency_state, @extschema@.preference_consistency_state)
RETURNS @extschema@.preference_consistency_state
AS 'MODULE_PATHNAME', 'pc_consistency_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.preference_consistency_final(@extschema@.preference_consistency_state)
RETURNS @extschema@.preference_consistency_result
AS 'MODULE_PATHNAME', 'pc_consistency_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.preference_consistency_trans(@extschema@.preference_consistency_state, bool, text) IS
'transition function of classify_preference_consistency(bool, text)';
COMMENT ON FUNCTION @extschema@.preference_consistency_trans(@extschema@.preference_consistency_state, bool, text, float8) IS
'transition function of classify_preference_consistency(bool, text, float8)';
COMMENT ON FUNCTION @extschema@.preference_consistency_combine(@extschema@.preference_consistency_state, @extschema@.preference_consistency_state) IS
'merge two preference_consistency_state values (adds per-condition counts)';
COMMENT ON FUNCTION @extschema@.preference_consistency_final(@extschema@.preference_consistency_state) IS
'classify a preference_consistency_state (Bayesian model comparison, doc/annotation.md)';

CREATE AGGREGATE @extschema@.classify_preference_consistency(choice bool, condition text) (
	SFUNC = @extschema@.preference_consistency_trans,
	STYPE = @extschema@.preference_consistency_state,
	COMBINEFUNC = @extschema@.preference_consistency_combine,
	FINALFUNC = @extschema@.preference_consistency_final,
	PARALLEL = SAFE
);

CREATE AGGREGATE @extschema@.classify_preference_consistency(choice bool, condition text, confidence float8) (
	SFUNC = @extschema@.preference_consistency_trans,
	STYPE = @extschema@.preference_consistency_state,
	COMBINEFUNC = @extschema@.preference_consistency_combine,
	FINALFUNC = @extschema@.preference_consistency_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.classify_preference_consistency(bool, text) IS
'label one annotator''s repeated responses to one pair as genuine, non_attitude, constructed or insufficient (choice = chose the pair''s first item)';
COMMENT ON AGGREGATE @extschema@.classify_preference_consistency(bool, text, float8) IS
'classify_preference_consistency with a stated confidence in [0,1] used as the weight of each response';

-- @upgrade preference_consistency_classify {
CREATE FUNCTION @extschema@.preference_consistency_classify(s @extschema@.preference_consistency_state)
RETURNS @extschema@.preference_consistency_result
AS 'MODULE_PATHNAME', 'pc_consistency_final'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- @upgrade }

COMMENT ON FUNCTION @extschema@.preference_consistency_classify(@extschema@.preference_consistency_state) IS
'classify a stored preference_consistency_state';

CREATE AGGREGATE @extschema@.preference_consistency_state_agg(choice bool, condition text) (
	SFUNC = @extschema@.preference_consistency_trans,
	STYPE = @extschema@.preference_consistency_state,
	COMBINEFUNC = @extschema@.preference_consistency_combine,
	PARALLEL = SAFE
);

CREATE AGGREGATE @extschema@.preference_consistency_state_agg(choice bool, condition text, confidence float8) (
	SFUNC = @extschema@.preference_consistency_trans,
	STYPE = @extschema@.preference_consistency_state,
	COMBINEFUNC = @extschema@.preference_consistency_combine,
	PARALLEL = SAFE
);

CREATE AGGREGATE @extschema@.preference_consistency_state_merge(@extschema@.preference_consistency_state) (
	SFUNC = @extschema@.preference_consistency_combine,
	STYPE = @extschema@.preference_consistency_state,
	COMBINEFUNC = @extschema@.preference_consistency_combine,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.preference_consistency_state_agg(bool, text) IS
'the state of classify_preference_consistency, to store and merge later';
COMMENT ON AGGREGATE @extschema@.preference_consistency_state_agg(bool, text, float8) IS
'the state of classify_preference_consistency with confidence weights, to store and merge later';
-- @upgrade preference_consistency_state_merge {
COMMENT ON AGGREGATE @extschema@.preference_consistency_state_merge(@extschema@.preference_consistency_state) IS
'merge stored preference_consistency_state values (classify with preference_consistency_classify)';
-- @upgrade }

-- ---------- empirical Bayes: preference_consistency_prior ----------

CREATE TYPE @extschema@.preference_consistency_prior_state;

CREATE FUNCTION @extschema@.preference_consistency_prior_state_in(cstring)
RETURNS @extschema@.preference_consistency_prior_state
AS 'MODULE_PATHNAME', 'pc_cons_prior_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.preference_consistency_prior_state_out(@extschema@.preference_consistency_prior_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'pc_cons_prior_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.preference_consistency_prior_state_recv(internal)
RETURNS @extschema@.preference_consistency_prior_state
AS 'MODULE_PATHNAME', 'pc_cons_prior_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.preference_consistency_prior_state_send(@extschema@.preference_consistency_prior_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'pc_cons_prior_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.preference_consistency_prior_state (
	INPUT = @extschema@.preference_consistency_prior_state_in,
	OUTPUT = @extschema@.preference_consistency_prior_state_out,
	RECEIVE = @extschema@.preference_consistency_prior_state_recv,
	SEND = @extschema@.preference_consistency_prior_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.preference_consistency_prior_state IS
'mergeable state of preference_consistency_prior: each distinct per-group count vector with the number of groups that had it';

CREATE TYPE @extschema@.preference_consistency_prior_model;

CREATE FUNCTION @extschema@.preference_consistency_prior_model_in(cstring)
RETURNS @extschema@.preference_consistency_prior_model
AS 'MODULE_PATHNAME', 'pc_cons_prior_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.preference_consistency_prior_model_out(@extschema@.preference_consistency_prior_model)
RETURNS cstring
AS 'MODULE_PATHNAME', 'pc_cons_prior_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.preference_consistency_prior_model_recv(internal)
RETURNS @extschema@.preference_consistency_prior_model
AS 'MODULE_PATHNAME', 'pc_cons_prior_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.preference_consistency_prior_model_send(@extschema@.preference_consistency_prior_model)
RETURNS bytea
AS 'MODULE_PATHNAME', 'pc_cons_prior_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.preference_consistency_prior_model (
	INPUT = @extschema@.preference_consistency_prior_model_in,
	OUTPUT = @extschema@.preference_consistency_prior_model_out,
	RECEIVE = @extschema@.preference_consistency_prior_model_recv,
	SEND = @extschema@.preference_consistency_prior_model_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.preference_consistency_prior_model IS
'empirical-Bayes prior of classify_preference_consistency fitted by EM over a table''s groups (doc/annotation.md)';

CREATE FUNCTION @extschema@.preference_consistency_prior_trans(
	@extschema@.preference_consistency_prior_state, @extschema@.preference_consistency_state)
RETURNS @extschema@.preference_consistency_prior_state
AS 'MODULE_PATHNAME', 'pc_cons_prior_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.preference_consistency_prior_combine(
	@extschema@.preference_consistency_prior_state, @extschema@.preference_consistency_prior_state)
RETURNS @extschema@.preference_consistency_prior_state
AS 'MODULE_PATHNAME', 'pc_cons_prior_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.preference_consistency_prior_final(@extschema@.preference_consistency_prior_state)
RETURNS @extschema@.preference_consistency_prior_model
AS 'MODULE_PATHNAME', 'pc_cons_prior_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.preference_consistency_prior_trans(@extschema@.preference_consistency_prior_state, @extschema@.preference_consistency_state) IS
'transition function of preference_consistency_prior';
-- @upgrade preference_consistency_prior_combine {
COMMENT ON FUNCTION @extschema@.preference_consistency_prior_combine(@extschema@.preference_consistency_prior_state, @extschema@.preference_consistency_prior_state) IS
'merge two preference_consistency_prior_state values (adds multiplicities)';
COMMENT ON FUNCTION @extschema@.preference_consistency_prior_final(@extschema@.preference_consistency_prior_state) IS
'fit a preference_consistency_prior_model by EM over the collected count vectors';
-- @upgrade }

CREATE AGGREGATE @extschema@.preference_consistency_prior(s @extschema@.preference_consistency_state) (
	SFUNC = @extschema@.preference_consistency_prior_trans,
	STYPE = @extschema@.preference_consistency_prior_state,
	COMBINEFUNC = @extschema@.preference_consistency_prior_combine,
	FINALFUNC = @extschema@.preference_consistency_prior_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.preference_consistency_prior(@extschema@.preference_consistency_state) IS
'empirical Bayes: fit the class weights, agreement, non-attitude rates and constructed direction patterns of a table by EM over its per-group states';

CREATE FUNCTION @extschema@.classify_preference_consistency(
	s @extschema@.preference_consistency_state, prior @extschema@.preference_consistency_prior_model,
	min_posterior float8 DEFAULT 0.4, direction_p float8 DEFAULT NULL)
RETURNS @extschema@.preference_consistency_result
AS 'MODULE_PATHNAME', 'pc_cons_classify_prior'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- @upgrade classify_preference_consistency {
COMMENT ON FUNCTION @extschema@.classify_preference_consistency(@extschema@.preference_consistency_state, @extschema@.preference_consistency_prior_model, float8, float8) IS
'classify one group''s stored state under a fitted preference_consistency_prior_model (empirical Bayes); min_posterior 0 gives the MAP label; direction_p (e.g. from bt_predict) replaces the prior''s genuine direction probability for this group, NULL keeps it';
-- @upgrade }

CREATE FUNCTION @extschema@.preference_consistency_direction(
	s @extschema@.preference_consistency_state, prior @extschema@.preference_consistency_prior_model)
RETURNS float8
AS 'MODULE_PATHNAME', 'pc_cons_direction'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.preference_consistency_direction(@extschema@.preference_consistency_state, @extschema@.preference_consistency_prior_model) IS
'probability that a group''s direction is its first item if it is genuine, from its own responses (neutral direction prior, the prior''s agreement q); NULL without evidence';

-- ---------- simulate_annotations ----------

CREATE FUNCTION @extschema@.simulate_annotations(
	seed bigint,
	n_items int DEFAULT 40,
	n_annotators int DEFAULT 50,
	pairs_per_annotator int DEFAULT 20,
	repeats int DEFAULT 2,
	framings int DEFAULT 2,
	p_genuine float8 DEFAULT 0.6,
	p_non_attitude float8 DEFAULT 0.2,
	p_constructed float8 DEFAULT 0.2,
	genuine_strength float8 DEFAULT 0.9,
	position_bias float8 DEFAULT 0.1,
	n_domains int DEFAULT 2,
	utility_sd float8 DEFAULT 1,
	framing_share float8 DEFAULT 0.5,
	position_bias_by_domain float8[] DEFAULT NULL,
	OUT annotator int,
	OUT item_a int,
	OUT item_b int,
	OUT domain text,
	OUT a_shown_first bool,
	OUT framing int,
	OUT rep int,
	OUT condition text,
	OUT chose_a bool,
	OUT chose_first_shown bool,
	OUT true_type text,
	OUT true_p float8,
	OUT u_a float8,
	OUT u_b float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'pc_simulate_annotations'
LANGUAGE C STABLE PARALLEL SAFE
ROWS 8000;

COMMENT ON FUNCTION @extschema@.simulate_annotations(bigint, int, int, int, int, int, float8, float8, float8, float8, float8, int, float8, float8, float8[]) IS
'seeded simulation of repeated pairwise annotations with known latent types (genuine, non_attitude, constructed_position, constructed_framing)';

-- ---------- majority_vote ----------

CREATE TYPE @extschema@.majority_vote_state;

CREATE FUNCTION @extschema@.majority_vote_state_in(cstring)
RETURNS @extschema@.majority_vote_state
AS 'MODULE_PATHNAME', 'pc_majority_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.majority_vote_state_out(@extschema@.majority_vote_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'pc_majority_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.majority_vote_state_recv(internal)
RETURNS @extschema@.majority_vote_state
AS 'MODULE_PATHNAME', 'pc_majority_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.majority_vote_state_send(@extschema@.majority_vote_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'pc_majority_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.majority_vote_state (
	INPUT = @extschema@.majority_vote_state_in,
	OUTPUT = @extschema@.majority_vote_state_out,
	RECEIVE = @extschema@.majority_vote_state_recv,
	SEND = @extschema@.majority_vote_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.majority_vote_state IS
'mergeable state of majority_vote: count per label';

CREATE TYPE @extschema@.majority_vote_result AS (
	label text,
	share float8,
	n bigint
);

COMMENT ON TYPE @extschema@.majority_vote_result IS
'result of majority_vote: the most frequent label, its share and the number of labels';

CREATE FUNCTION @extschema@.majority_vote_trans(@extschema@.majority_vote_state, text)
RETURNS @extschema@.majority_vote_state
AS 'MODULE_PATHNAME', 'pc_majority_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.majority_vote_combine(@extschema@.majority_vote_state, @extschema@.majority_vote_state)
RETURNS @extschema@.majority_vote_state
AS 'MODULE_PATHNAME', 'pc_majority_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.majority_vote_final(@extschema@.majority_vote_state)
RETURNS @extschema@.majority_vote_result
AS 'MODULE_PATHNAME', 'pc_majority_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.majority_vote_trans(@extschema@.majority_vote_state, text) IS
'transition function of majority_vote';
COMMENT ON FUNCTION @extschema@.majority_vote_combine(@extschema@.majority_vote_state, @extschema@.majority_vote_state) IS
'merge two majority_vote_state values';
COMMENT ON FUNCTION @extschema@.majority_vote_final(@extschema@.majority_vote_state) IS
'the majority label of a majority_vote_state (ties: smallest label in byte order)';

CREATE AGGREGATE @extschema@.majority_vote(label text) (
	SFUNC = @extschema@.majority_vote_trans,
	STYPE = @extschema@.majority_vote_state,
	COMBINEFUNC = @extschema@.majority_vote_combine,
	FINALFUNC = @extschema@.majority_vote_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.majority_vote(text) IS
'most frequent label with its share and count; ties go to the smallest label in byte order';

-- ---------- krippendorff_alpha (nominal) ----------

CREATE TYPE @extschema@.krippendorff_alpha_state;

CREATE FUNCTION @extschema@.krippendorff_alpha_state_in(cstring)
RETURNS @extschema@.krippendorff_alpha_state
AS 'MODULE_PATHNAME', 'pc_alpha_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.krippendorff_alpha_state_out(@extschema@.krippendorff_alpha_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'pc_alpha_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.krippendorff_alpha_state_recv(internal)
RETURNS @extschema@.krippendorff_alpha_state
AS 'MODULE_PATHNAME', 'pc_alpha_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.krippendorff_alpha_state_send(@extschema@.krippendorff_alpha_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'pc_alpha_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.krippendorff_alpha_state (
	INPUT = @extschema@.krippendorff_alpha_state_in,
	OUTPUT = @extschema@.krippendorff_alpha_state_out,
	RECEIVE = @extschema@.krippendorff_alpha_state_recv,
	SEND = @extschema@.krippendorff_alpha_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.krippendorff_alpha_state IS
'mergeable state of krippendorff_alpha: count per (unit, value)';

CREATE FUNCTION @extschema@.krippendorff_alpha_trans(@extschema@.krippendorff_alpha_state, text, text)
RETURNS @extschema@.krippendorff_alpha_state
AS 'MODULE_PATHNAME', 'pc_alpha_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.krippendorff_alpha_combine(@extschema@.krippendorff_alpha_state, @extschema@.krippendorff_alpha_state)
RETURNS @extschema@.krippendorff_alpha_state
AS 'MODULE_PATHNAME', 'pc_alpha_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.krippendorff_alpha_final(@extschema@.krippendorff_alpha_state)
RETURNS float8
AS 'MODULE_PATHNAME', 'pc_alpha_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.krippendorff_alpha_trans(@extschema@.krippendorff_alpha_state, text, text) IS
'transition function of krippendorff_alpha';
COMMENT ON FUNCTION @extschema@.krippendorff_alpha_combine(@extschema@.krippendorff_alpha_state, @extschema@.krippendorff_alpha_state) IS
'merge two krippendorff_alpha_state values';
COMMENT ON FUNCTION @extschema@.krippendorff_alpha_final(@extschema@.krippendorff_alpha_state) IS
'nominal Krippendorff''s alpha of a krippendorff_alpha_state (NULL when undefined)';

CREATE AGGREGATE @extschema@.krippendorff_alpha(unit text, value text) (
	SFUNC = @extschema@.krippendorff_alpha_trans,
	STYPE = @extschema@.krippendorff_alpha_state,
	COMBINEFUNC = @extschema@.krippendorff_alpha_combine,
	FINALFUNC = @extschema@.krippendorff_alpha_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.krippendorff_alpha(text, text) IS
'Krippendorff''s alpha for nominal values; one row per (unit, coder) value; NULL when undefined';

-- ---------- krippendorff_alpha_interval ----------

CREATE TYPE @extschema@.krippendorff_alpha_interval_state;

CREATE FUNCTION @extschema@.krippendorff_alpha_interval_state_in(cstring)
RETURNS @extschema@.krippendorff_alpha_interval_state
AS 'MODULE_PATHNAME', 'pc_alpha_interval_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.krippendorff_alpha_interval_state_out(@extschema@.krippendorff_alpha_interval_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'pc_alpha_interval_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.krippendorff_alpha_interval_state_recv(internal)
RETURNS @extschema@.krippendorff_alpha_interval_state
AS 'MODULE_PATHNAME', 'pc_alpha_interval_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.krippendorff_alpha_interval_state_send(@extschema@.krippendorff_alpha_interval_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'pc_alpha_interval_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.krippendorff_alpha_interval_state (
	INPUT = @extschema@.krippendorff_alpha_interval_state_in,
	OUTPUT = @extschema@.krippendorff_alpha_interval_state_out,
	RECEIVE = @extschema@.krippendorff_alpha_interval_state_recv,
	SEND = @extschema@.krippendorff_alpha_interval_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.krippendorff_alpha_interval_state IS
'mergeable state of krippendorff_alpha_interval: count, mean and sum of squares per unit';

CREATE FUNCTION @extschema@.krippendorff_alpha_interval_trans(@extschema@.krippendorff_alpha_interval_state, text, float8)
RETURNS @extschema@.krippendorff_alpha_interval_state
AS 'MODULE_PATHNAME', 'pc_alpha_interval_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.krippendorff_alpha_interval_combine(@extschema@.krippendorff_alpha_interval_state, @extschema@.krippendorff_alpha_interval_state)
RETURNS @extschema@.krippendorff_alpha_interval_state
AS 'MODULE_PATHNAME', 'pc_alpha_interval_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.krippendorff_alpha_interval_final(@extschema@.krippendorff_alpha_interval_state)
RETURNS float8
AS 'MODULE_PATHNAME', 'pc_alpha_interval_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.krippendorff_alpha_interval_trans(@extschema@.krippendorff_alpha_interval_state, text, float8) IS
'transition function of krippendorff_alpha_interval';
COMMENT ON FUNCTION @extschema@.krippendorff_alpha_interval_combine(@extschema@.krippendorff_alpha_interval_state, @extschema@.krippendorff_alpha_interval_state) IS
'merge two krippendorff_alpha_interval_state values (Chan et al. pairwise update)';
COMMENT ON FUNCTION @extschema@.krippendorff_alpha_interval_final(@extschema@.krippendorff_alpha_interval_state) IS
'interval Krippendorff''s alpha of a krippendorff_alpha_interval_state (NULL when undefined)';

CREATE AGGREGATE @extschema@.krippendorff_alpha_interval(unit text, value float8) (
	SFUNC = @extschema@.krippendorff_alpha_interval_trans,
	STYPE = @extschema@.krippendorff_alpha_interval_state,
	COMBINEFUNC = @extschema@.krippendorff_alpha_interval_combine,
	FINALFUNC = @extschema@.krippendorff_alpha_interval_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.krippendorff_alpha_interval(text, float8) IS
'Krippendorff''s alpha for interval values (squared-difference metric); NULL when undefined';
