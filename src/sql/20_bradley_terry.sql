-- src/sql/20_bradley_terry.sql: Bradley-Terry pair counts, fitting and
-- fitted models (doc/bradley-terry.md).

-- bt_state: a mergeable state of weighted pair counts

CREATE TYPE @extschema@.bt_state;

CREATE FUNCTION @extschema@.bt_state_in(cstring)
RETURNS @extschema@.bt_state
AS 'MODULE_PATHNAME', 'bt_counts_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_state_out(@extschema@.bt_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'bt_counts_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_state_recv(internal)
RETURNS @extschema@.bt_state
AS 'MODULE_PATHNAME', 'bt_counts_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_state_send(@extschema@.bt_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'bt_counts_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.bt_state (
	INPUT = @extschema@.bt_state_in,
	OUTPUT = @extschema@.bt_state_out,
	RECEIVE = @extschema@.bt_state_recv,
	SEND = @extschema@.bt_state_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.bt_state IS
'weighted pair counts of pairwise comparisons (first-wins, second-wins, ties per ordered pair), mergeable';

CREATE FUNCTION @extschema@.bt_state_agg_trans(@extschema@.bt_state, text, text, float8, float8)
RETURNS @extschema@.bt_state
AS 'MODULE_PATHNAME', 'bt_counts_trans'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_state_agg_trans(@extschema@.bt_state, bigint, bigint, float8, float8)
RETURNS @extschema@.bt_state
AS 'MODULE_PATHNAME', 'bt_counts_trans_int8'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_state_agg_trans(@extschema@.bt_state, text, text)
RETURNS @extschema@.bt_state
AS 'MODULE_PATHNAME', 'bt_counts_trans_wl'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_state_agg_trans(@extschema@.bt_state, bigint, bigint)
RETURNS @extschema@.bt_state
AS 'MODULE_PATHNAME', 'bt_counts_trans_wl_int8'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_state_combine(@extschema@.bt_state, @extschema@.bt_state)
RETURNS @extschema@.bt_state
AS 'MODULE_PATHNAME', 'bt_counts_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- @upgrade bt_state_combine {
COMMENT ON FUNCTION @extschema@.bt_state_combine(@extschema@.bt_state, @extschema@.bt_state) IS
'support function of the bt_state aggregates: union of two pair-count states';
-- @upgrade }

-- @upgrade bt_state_agg_final {
CREATE FUNCTION @extschema@.bt_state_agg_final(@extschema@.bt_state)
RETURNS @extschema@.bt_state
AS 'MODULE_PATHNAME', 'bt_counts_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.bt_state_agg_final(@extschema@.bt_state) IS
'final function of the bt_state aggregates: the state itself, handed on without a flattened copy';
-- @upgrade }

-- @upgrade bt_state_agg {
CREATE AGGREGATE @extschema@.bt_state_agg(first_item text, second_item text, outcome float8, weight float8) (
	SFUNC = @extschema@.bt_state_agg_trans,
	STYPE = @extschema@.bt_state,
	COMBINEFUNC = @extschema@.bt_state_combine,
	FINALFUNC = @extschema@.bt_state_agg_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.bt_state_agg(text, text, float8, float8) IS
'pair counts of comparisons: outcome 1 = first item wins, 0 = second wins, 0.5 = tie; NULL weight counts 1';

CREATE AGGREGATE @extschema@.bt_state_agg(first_item bigint, second_item bigint, outcome float8, weight float8) (
	SFUNC = @extschema@.bt_state_agg_trans,
	STYPE = @extschema@.bt_state,
	COMBINEFUNC = @extschema@.bt_state_combine,
	FINALFUNC = @extschema@.bt_state_agg_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.bt_state_agg(bigint, bigint, float8, float8) IS
'pair counts of comparisons between bigint item ids: outcome 1 = first wins, 0 = second wins, 0.5 = tie';

CREATE AGGREGATE @extschema@.bt_state_agg(winner text, loser text) (
	SFUNC = @extschema@.bt_state_agg_trans,
	STYPE = @extschema@.bt_state,
	COMBINEFUNC = @extschema@.bt_state_combine,
	FINALFUNC = @extschema@.bt_state_agg_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.bt_state_agg(text, text) IS
'pair counts of comparisons given as (winner, loser), the winner counted as shown first';

CREATE AGGREGATE @extschema@.bt_state_agg(winner bigint, loser bigint) (
	SFUNC = @extschema@.bt_state_agg_trans,
	STYPE = @extschema@.bt_state,
	COMBINEFUNC = @extschema@.bt_state_combine,
	FINALFUNC = @extschema@.bt_state_agg_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.bt_state_agg(bigint, bigint) IS
'pair counts of comparisons given as (winner, loser) bigint ids, the winner counted as shown first';

CREATE AGGREGATE @extschema@.bt_state_merge(@extschema@.bt_state) (
	SFUNC = @extschema@.bt_state_combine,
	STYPE = @extschema@.bt_state,
	COMBINEFUNC = @extschema@.bt_state_combine,
	FINALFUNC = @extschema@.bt_state_agg_final,
	PARALLEL = SAFE
);
-- @upgrade }

-- @upgrade bt_state_merge {
COMMENT ON AGGREGATE @extschema@.bt_state_merge(@extschema@.bt_state) IS
'union of stored bt_state states (for rollups and incremental refits)';
-- @upgrade }

-- bt_model: a fitted model

CREATE TYPE @extschema@.bt_model;

CREATE FUNCTION @extschema@.bt_model_in(cstring)
RETURNS @extschema@.bt_model
AS 'MODULE_PATHNAME', 'bt_model_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_model_out(@extschema@.bt_model)
RETURNS cstring
AS 'MODULE_PATHNAME', 'bt_model_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_model_recv(internal)
RETURNS @extschema@.bt_model
AS 'MODULE_PATHNAME', 'bt_model_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.bt_model_send(@extschema@.bt_model)
RETURNS bytea
AS 'MODULE_PATHNAME', 'bt_model_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.bt_model (
	INPUT = @extschema@.bt_model_in,
	OUTPUT = @extschema@.bt_model_out,
	RECEIVE = @extschema@.bt_model_recv,
	SEND = @extschema@.bt_model_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended
);

COMMENT ON TYPE @extschema@.bt_model IS
'a fitted Bradley-Terry model: item scores with standard errors, options and fit diagnostics';

CREATE FUNCTION @extschema@.bt_fit(
	state @extschema@.bt_state,
	ties text DEFAULT 'half',
	prior float8 DEFAULT 0,
	reference text DEFAULT NULL,
	position_effect boolean DEFAULT false,
	augment text DEFAULT 'none',
	objective text DEFAULT 'logloss',
	brier_weight float8 DEFAULT 1,
	max_iter int DEFAULT 100,
	tol float8 DEFAULT 1e-9)
RETURNS @extschema@.bt_model
AS 'MODULE_PATHNAME', 'bt_fit'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.bt_fit(@extschema@.bt_state, text, float8, text, boolean, text, text, float8, int, float8) IS
'fit a Bradley-Terry model to pair counts (ties half|davidson|drop, L2 prior, reference item, position effect, swap augmentation, Brier term)';

CREATE FUNCTION @extschema@.bt_fit_final(@extschema@.bt_state)
RETURNS @extschema@.bt_model
AS 'MODULE_PATHNAME', 'bt_fit_final'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.bt_fit_final(@extschema@.bt_state) IS
'final function of the bt_fit aggregates: bt_fit with every option at its default';

CREATE AGGREGATE @extschema@.bt_fit(winner text, loser text) (
	SFUNC = @extschema@.bt_state_agg_trans,
	STYPE = @extschema@.bt_state,
	COMBINEFUNC = @extschema@.bt_state_combine,
	FINALFUNC = @extschema@.bt_fit_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.bt_fit(text, text) IS
'Bradley-Terry maximum likelihood fit of (winner, loser) rows with default options';

CREATE AGGREGATE @extschema@.bt_fit(winner bigint, loser bigint) (
	SFUNC = @extschema@.bt_state_agg_trans,
	STYPE = @extschema@.bt_state,
	COMBINEFUNC = @extschema@.bt_state_combine,
	FINALFUNC = @extschema@.bt_fit_final,
	PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.bt_fit(bigint, bigint) IS
'Bradley-Terry maximum likelihood fit of (winner, loser) bigint rows with default options';

CREATE FUNCTION @extschema@.bt_scores(m @extschema@.bt_model,
	OUT item text, OUT score float8, OUT se float8, OUT rank int,
	OUT wins float8, OUT losses float8, OUT ties float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'bt_scores'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;

COMMENT ON FUNCTION @extschema@.bt_scores(@extschema@.bt_model) IS
'one row per item: score, standard error, rank (1 = best), weighted wins, losses and ties';

CREATE FUNCTION @extschema@.bt_predict(m @extschema@.bt_model, a text, b text)
RETURNS float8
AS 'MODULE_PATHNAME', 'bt_predict'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.bt_predict(@extschema@.bt_model, text, text) IS
'probability that a beats b (no position effect; Davidson: a win, not a tie); NULL for an unknown item';

CREATE FUNCTION @extschema@.bt_predict(m @extschema@.bt_model, a bigint, b bigint)
RETURNS float8
AS 'MODULE_PATHNAME', 'bt_predict_int8'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.bt_predict(@extschema@.bt_model, bigint, bigint) IS
'probability that a beats b (no position effect; Davidson: a win, not a tie); NULL for an unknown item';

CREATE FUNCTION @extschema@.bt_predict_tie(m @extschema@.bt_model, a text, b text)
RETURNS float8
AS 'MODULE_PATHNAME', 'bt_predict_tie'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.bt_predict_tie(@extschema@.bt_model, text, text) IS
'probability of a tie between a and b under a Davidson model; NULL for an unknown item';

CREATE FUNCTION @extschema@.bt_predict_tie(m @extschema@.bt_model, a bigint, b bigint)
RETURNS float8
AS 'MODULE_PATHNAME', 'bt_predict_tie_int8'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.bt_predict_tie(@extschema@.bt_model, bigint, bigint) IS
'probability of a tie between a and b under a Davidson model; NULL for an unknown item';

CREATE FUNCTION @extschema@.bt_predict_shown(m @extschema@.bt_model, first_item text, second_item text)
RETURNS float8
AS 'MODULE_PATHNAME', 'bt_predict_shown'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.bt_predict_shown(@extschema@.bt_model, text, text) IS
'probability that the first-shown item wins, including the fitted position effect';

CREATE FUNCTION @extschema@.bt_predict_shown(m @extschema@.bt_model, first_item bigint, second_item bigint)
RETURNS float8
AS 'MODULE_PATHNAME', 'bt_predict_shown_int8'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.bt_predict_shown(@extschema@.bt_model, bigint, bigint) IS
'probability that the first-shown item wins, including the fitted position effect';

CREATE FUNCTION @extschema@.bt_info(m @extschema@.bt_model)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'bt_info'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.bt_info(@extschema@.bt_model) IS
'fit diagnostics of a Bradley-Terry model: iterations, convergence, gradient norm, log-likelihood, deviance, counts, options';
