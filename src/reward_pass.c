/*-------------------------------------------------------------------------
 *
 * reward_pass.c
 *	  The pass aggregate of the reward model: reward_pass(params,
 *	  first_features, second_features, outcome, weight [, objective,
 *	  brier_weight, hessian]) -> reward_pass_state, the sums of objective,
 *	  log-likelihood, gradient and (optionally) Hessian of one pass over
 *	  comparisons at fixed parameters.  A concrete mergeable state (text
 *	  and binary I/O, combine), so a pass runs as a parallel partial
 *	  aggregate, Citus can push it down, and stored passes merge
 *	  (reward_pass_merge).  Also the feature-array reader the reward
 *	  functions share.
 *
 *-------------------------------------------------------------------------
 */
#include "reward.h"

#include <limits.h>
#include <math.h>

#include "pc_json.h"
#include "catalog/pg_type.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"

RwScratch *
rw_scratch(FunctionCallInfo fcinfo)
{
	if (fcinfo->flinfo->fn_extra == NULL)
		fcinfo->flinfo->fn_extra =
			MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(RwScratch));
	return (RwScratch *) fcinfo->flinfo->fn_extra;
}

void
rw_view(Datum d, const char *what, RwScratch *scratch, int slot, RwView *vw)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);
	ArrayType  *a;

	vw->tofree = NULL;
	if (VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v))
	{
		vw->tofree = pg_detoast_datum(v);
		a = (ArrayType *) vw->tofree;
	}
	else if (VARATT_IS_SHORT(v))
	{
		/* a short header is not aligned: copy into scratch (fits: < 127 bytes) */
		Size		len = VARSIZE_SHORT(v) - VARHDRSZ_SHORT;
		char	   *buf = (char *) scratch->shortbuf[slot];

		Assert(len + VARHDRSZ <= sizeof(scratch->shortbuf[slot]));
		SET_VARSIZE(buf, len + VARHDRSZ);
		memcpy(VARDATA(buf), VARDATA_SHORT(v), len);
		a = (ArrayType *) buf;
	}
	else
		a = (ArrayType *) v;

	if (ARR_NDIM(a) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array", what),
				 errdetail(ARR_NDIM(a) == 0 ? "The array is empty." :
						   "The array has %d dimensions.", ARR_NDIM(a))));
	vw->n = ARR_DIMS(a)[0];
	if (vw->n > RW_MAX_FEATURES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s has %d features, more than the %d supported",
						what, vw->n, RW_MAX_FEATURES)));
	if (ARR_HASNULL(a) && array_contains_nulls(a))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s contains a NULL", what),
				 errdetail("Every feature of every comparison must be a number.")));
	if (ARR_ELEMTYPE(a) == FLOAT8OID)
		vw->is_float8 = true;
	else if (ARR_ELEMTYPE(a) == FLOAT4OID)
		vw->is_float8 = false;
	else
		elog(ERROR, "unexpected element type %u of %s", ARR_ELEMTYPE(a), what);
	vw->data = (const char *) a +
		(ARR_HASNULL(a) ? (Size) a->dataoffset : (Size) ARR_OVERHEAD_NONULLS(1));
}

void
rw_view_to_double(const RwView *v, double *out)
{
	if (v->is_float8)
		memcpy(out, v->data, sizeof(double) * v->n);
	else
	{
		const float *f = (const float *) v->data;

		for (int i = 0; i < v->n; i++)
			out[i] = f[i];
	}
}

int
rw_read_vector(Datum d, double *out, const char *what, RwScratch *scratch)
{
	RwView		v;

	rw_view(d, what, scratch, 0, &v);
	rw_view_to_double(&v, out);
	rw_view_release(&v);
	return v.n;
}

int
rw_parse_objective(const char *s)
{
	/* 'log_loss' is the name; the 0.1.0 spelling 'logloss' stays accepted */
	if (strcmp(s, "log_loss") == 0 || strcmp(s, "logloss") == 0)
		return RW_OBJ_LOGLOSS;
	if (strcmp(s, "log_loss+brier") == 0 || strcmp(s, "logloss+brier") == 0)
		return RW_OBJ_LOGLOSS_BRIER;
	if (strcmp(s, "hinge") == 0)
		return RW_OBJ_HINGE;
	if (strcmp(s, "hinge+brier") == 0)
		return RW_OBJ_HINGE_BRIER;
	return -1;
}

const char *
rw_objective_name(int obj)
{
	static const char *const names[RW_OBJ_COUNT] = {
		"logloss", "logloss+brier", "hinge", "hinge+brier"
	};

	Assert(obj >= 0 && obj < RW_OBJ_COUNT);
	return names[obj];
}

/* called only when eta is not finite: say which input made it so */
void
rw_check_finite_row(double eta, const double *x1, const double *x2, int d)
{
	for (int i = 0; i < d; i++)
		if (!isfinite(x1[i]) || !isfinite(x2[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("feature %d is %s", i + 1,
							float8out_internal(isfinite(x1[i]) ? x2[i] : x1[i])),
					 errdetail("Features must be finite numbers.")));
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("the log-odds of a comparison is %s", float8out_internal(eta)),
			 errdetail("The features or parameters are too large for double precision.")));
}

void
rw_check_outcome_weight(double y, double w)
{
	pc_check_unit_target(y, "outcome");
	if (!(w >= 0.0) || isinf(w))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weight %s is not a finite non-negative number",
						float8out_internal(w))));
}

/* ---------------------------------------------------------------------
 * the state type
 * ---------------------------------------------------------------------
 */

/* a validated, zeroed state in the current memory context */
static RewardPass *
rw_pass_alloc(int d, int k, int objective, double lambda, bool hessian)
{
	Size		sz = RW_PASS_SIZE(k, hessian);
	RewardPass *s = palloc0(sz);

	SET_VARSIZE(s, sz);
	s->version = RW_PASS_VERSION;
	s->d = d;
	s->k = k;
	s->objective = objective;
	s->hessian = hessian ? 1 : 0;
	s->brier_weight = lambda;
	return s;
}

/* the checks every state from outside (text, binary) passes */
static void
rw_pass_validate(const RewardPass *s, const char *typname)
{
	size_t		n = RW_PASS_NDATA(s->k, s->hessian);
	const char *bad = NULL;

	if (s->version != RW_PASS_VERSION)
		bad = "unsupported version";
	else if (s->d < 1 || s->d > RW_MAX_FEATURES)
		bad = "feature count out of range";
	else if (s->k != s->d && s->k != s->d + 1)
		bad = "parameter count must be d or d + 1";
	else if (s->objective < 0 || s->objective >= RW_OBJ_COUNT)
		bad = "unknown objective";
	else if (s->hessian != 0 && s->hessian != 1)
		bad = "bad hessian flag";
	else if (s->hessian && s->k > RW_NEWTON_MAX)
		bad = "a Hessian is carried only up to 256 parameters";
	else if (!(s->brier_weight >= 0.0) || isinf(s->brier_weight))
		bad = "brier_weight must be finite and non-negative";
	else if (s->sums.rows < 0 || !(s->sums.wsum >= 0.0) || !isfinite(s->sums.wsum) ||
			 !isfinite(s->sums.f) || !isfinite(s->sums.ll) || s->sums.ll > 0.0 ||
			 !(s->sums.br >= 0.0) || !isfinite(s->sums.br) ||
			 !(s->sums.maxeta >= 0.0) || !isfinite(s->sums.maxeta))
		bad = "sums out of range";
	else
	{
		for (size_t i = 0; i < n; i++)
			if (!isfinite(s->data[i]))
			{
				bad = "a parameter, gradient or Hessian value is not finite";
				break;
			}
	}
	if (bad)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid value for type %s", typname),
				 errdetail("%s.", bad)));
}

/*
 * Text form (pc_json.h; fixed key order):
 * {"version": 1, "d": 2, "position_effect": false, "objective": "logloss",
 *	"brier_weight": 1, "hessian": true, "rows": 3, "weight_sum": 3,
 *	"objective_value": .., "loglik": .., "brier": .., "max_abs_eta": ..,
 *	"params": [..], "gradient": [..], "hessian_lower": [..] | null}
 */
PG_FUNCTION_INFO_V1(reward_pass_state_in);
Datum
reward_pass_state_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);
	PcJson		lx;
	int			d,
				obj,
				len;
	bool		pos,
				hess;
	double		lambda;
	char	   *name;
	RewardPass *s;
	RwSums		sums;

	pc_json_init(&lx, str, "reward_pass_state");
	pc_json_begin(&lx, RW_PASS_VERSION);
	d = pc_json_key_int4(&lx, "d", 1, RW_MAX_FEATURES);
	pos = pc_json_key_bool(&lx, "position_effect");
	pc_json_key(&lx, "objective");
	name = pc_json_string(&lx, &len);
	obj = rw_parse_objective(name);
	if (obj < 0)
		pc_json_error(&lx, "a known objective");
	lambda = pc_json_key_float8(&lx, "brier_weight", PC_JSON_FINITE);
	hess = pc_json_key_bool(&lx, "hessian");
	if (hess && d + (pos ? 1 : 0) > RW_NEWTON_MAX)
		pc_json_error(&lx, "no Hessian beyond 256 parameters");
	sums.rows = pc_json_key_int8(&lx, "rows");
	sums.wsum = pc_json_key_float8(&lx, "weight_sum", PC_JSON_FINITE);
	sums.f = pc_json_key_float8(&lx, "objective_value", PC_JSON_FINITE);
	sums.ll = pc_json_key_float8(&lx, "loglik", PC_JSON_FINITE);
	sums.br = pc_json_key_float8(&lx, "brier", PC_JSON_FINITE);
	sums.maxeta = pc_json_key_float8(&lx, "max_abs_eta", PC_JSON_FINITE);

	s = rw_pass_alloc(d, d + (pos ? 1 : 0), obj, lambda, hess);
	s->sums = sums;
	pc_json_key(&lx, "params");
	pc_json_float8_array(&lx, RW_PASS_PARAMS(s), s->k, PC_JSON_FINITE);
	pc_json_key(&lx, "gradient");
	pc_json_float8_array(&lx, RW_PASS_GRAD(s), s->k, PC_JSON_FINITE);
	pc_json_key(&lx, "hessian_lower");
	if (hess)
		pc_json_float8_array(&lx, RW_PASS_HESS(s), (size_t) s->k * (s->k + 1) / 2,
							 PC_JSON_FINITE);
	else if (!pc_json_null(&lx))
		pc_json_error(&lx, "null");
	pc_json_end(&lx);
	rw_pass_validate(s, "reward_pass_state");
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(reward_pass_state_out);
Datum
reward_pass_state_out(PG_FUNCTION_ARGS)
{
	RewardPass *s = (RewardPass *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	StringInfoData buf;

	initStringInfo(&buf);
	pc_jw_begin(&buf, s->version);
	pc_jw_key_int8(&buf, "d", s->d);
	pc_jw_key_bool(&buf, "position_effect", s->k > s->d);
	pc_jw_key_string(&buf, "objective", rw_objective_name(s->objective));
	pc_jw_key_float8(&buf, "brier_weight", s->brier_weight);
	pc_jw_key_bool(&buf, "hessian", s->hessian);
	pc_jw_key_int8(&buf, "rows", s->sums.rows);
	pc_jw_key_float8(&buf, "weight_sum", s->sums.wsum);
	pc_jw_key_float8(&buf, "objective_value", s->sums.f);
	pc_jw_key_float8(&buf, "loglik", s->sums.ll);
	pc_jw_key_float8(&buf, "brier", s->sums.br);
	pc_jw_key_float8(&buf, "max_abs_eta", s->sums.maxeta);
	pc_jw_key(&buf, "params");
	pc_jw_float8_array(&buf, RW_PASS_PARAMS(s), s->k);
	pc_jw_key(&buf, "gradient");
	pc_jw_float8_array(&buf, RW_PASS_GRAD(s), s->k);
	pc_jw_key(&buf, "hessian_lower");
	if (s->hessian)
		pc_jw_float8_array(&buf, RW_PASS_HESS(s), (size_t) s->k * (s->k + 1) / 2);
	else
		appendStringInfoString(&buf, "null");
	pc_jw_end(&buf);
	PG_RETURN_CSTRING(buf.data);
}

/*
 * Binary form: int4 version, d, k, objective, hessian; float8
 * brier_weight; int8 rows; float8 weight_sum, objective_value, loglik,
 * brier, max_abs_eta; then the data values as float8.
 */
PG_FUNCTION_INFO_V1(reward_pass_state_recv);
Datum
reward_pass_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	int			version,
				d,
				k,
				obj,
				hess;
	double		lambda;
	RwSums		sums;
	RewardPass *s;
	size_t		n;

	version = pq_getmsgint(msg, 4);
	d = pq_getmsgint(msg, 4);
	k = pq_getmsgint(msg, 4);
	obj = pq_getmsgint(msg, 4);
	hess = pq_getmsgint(msg, 4);
	lambda = pq_getmsgfloat8(msg);
	sums.rows = pq_getmsgint64(msg);
	sums.wsum = pq_getmsgfloat8(msg);
	sums.f = pq_getmsgfloat8(msg);
	sums.ll = pq_getmsgfloat8(msg);
	sums.br = pq_getmsgfloat8(msg);
	sums.maxeta = pq_getmsgfloat8(msg);
	if (version != RW_PASS_VERSION || d < 1 || d > RW_MAX_FEATURES ||
		(k != d && k != d + 1) || (hess != 0 && hess != 1) ||
		(hess && k > RW_NEWTON_MAX))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type reward_pass_state")));
	n = RW_PASS_NDATA(k, hess);
	if ((size_t) (msg->len - msg->cursor) != n * sizeof(double))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type reward_pass_state"),
				 errdetail("The value has the wrong length.")));
	s = rw_pass_alloc(d, k, (obj >= 0 && obj < RW_OBJ_COUNT) ? obj : 0, lambda, hess);
	s->objective = obj;
	s->sums = sums;
	for (size_t i = 0; i < n; i++)
		s->data[i] = pq_getmsgfloat8(msg);
	pq_getmsgend(msg);
	rw_pass_validate(s, "reward_pass_state");
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(reward_pass_state_send);
Datum
reward_pass_state_send(PG_FUNCTION_ARGS)
{
	RewardPass *s = (RewardPass *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	StringInfoData buf;
	size_t		n = RW_PASS_NDATA(s->k, s->hessian);

	pq_begintypsend(&buf);
	pq_sendint32(&buf, s->version);
	pq_sendint32(&buf, s->d);
	pq_sendint32(&buf, s->k);
	pq_sendint32(&buf, s->objective);
	pq_sendint32(&buf, s->hessian);
	pq_sendfloat8(&buf, s->brier_weight);
	pq_sendint64(&buf, s->sums.rows);
	pq_sendfloat8(&buf, s->sums.wsum);
	pq_sendfloat8(&buf, s->sums.f);
	pq_sendfloat8(&buf, s->sums.ll);
	pq_sendfloat8(&buf, s->sums.br);
	pq_sendfloat8(&buf, s->sums.maxeta);
	for (size_t i = 0; i < n; i++)
		pq_sendfloat8(&buf, s->data[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* ---------------------------------------------------------------------
 * the aggregate
 * ---------------------------------------------------------------------
 */

/*
 * The state of a pass at its first row: the parameters (np = d or d + 1)
 * and, in the long form, the objective, Brier weight and whether the
 * Hessian is carried, checked.
 */
static RewardPass *
rw_pass_first(FunctionCallInfo fcinfo, MemoryContext aggcontext,
			  RwScratch *sc, int d)
{
	int			np,
				obj = RW_OBJ_LOGLOSS;
	double		lambda = 0.0;
	bool		hess = false;
	MemoryContext old;
	RewardPass *s;

	np = rw_read_vector(PG_GETARG_DATUM(1), sc->z, "params", sc);
	if (np != d && np != d + 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("params has %d values for %d features", np, d),
				 errdetail("Give one coefficient per feature, and the position effect last if it is fitted.")));
	for (int i = 0; i < np; i++)
		if (!isfinite(sc->z[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("params must be finite")));
	if (PG_NARGS() > 6)
	{
		if (PG_ARGISNULL(6) || PG_ARGISNULL(7) || PG_ARGISNULL(8))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("objective, brier_weight and hessian must not be NULL")));
		obj = rw_parse_objective(text_to_cstring(PG_GETARG_TEXT_PP(6)));
		if (obj < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown objective \"%s\"", text_to_cstring(PG_GETARG_TEXT_PP(6))),
					 errhint("Use 'log_loss', 'log_loss+brier', 'hinge' or 'hinge+brier'.")));
		lambda = PG_GETARG_FLOAT8(7);
		if (!(lambda >= 0.0) || isinf(lambda))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("brier_weight must be a finite non-negative number")));
		hess = PG_GETARG_BOOL(8);
		if (hess && np > RW_NEWTON_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("a pass carries the Hessian only up to %d parameters", RW_NEWTON_MAX),
					 errhint("Pass hessian => false and use gradient passes.")));
	}
	old = MemoryContextSwitchTo(aggcontext);
	s = rw_pass_alloc(d, np, obj, lambda, hess);
	MemoryContextSwitchTo(old);
	memcpy(RW_PASS_PARAMS(s), sc->z, sizeof(double) * np);
	return s;
}

/* a later row: the same feature count and parameters as the state's */
static void
rw_pass_check_same(FunctionCallInfo fcinfo, const RewardPass *s,
				   RwScratch *sc, int d)
{
	RwView		vp;

	if (d != s->d)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("comparison has %d features, earlier ones had %d", d, s->d),
				 errdetail("Every comparison of a pass needs the same number of features.")));
	rw_view(PG_GETARG_DATUM(1), "params", sc, 0, &vp);
	Assert(vp.is_float8);
	if (vp.n != s->k || memcmp(vp.data, RW_PASS_PARAMS(s), sizeof(double) * vp.n) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("params changed within a pass"),
				 errdetail("A pass evaluates the model at one parameter vector.")));
	rw_view_release(&vp);
}

/* z = x1 - x2 from two views of d values */
static void
rw_view_difference(const RwView *v1, const RwView *v2, RwScratch *sc, int d)
{
	if (v1->is_float8 && v2->is_float8)
	{
		const double *x1 = v1->data,
				   *x2 = v2->data;

		for (int i = 0; i < d; i++)
			sc->z[i] = x1[i] - x2[i];
	}
	else if (!v1->is_float8 && !v2->is_float8)
	{
		const float *x1 = v1->data,
				   *x2 = v2->data;

		for (int i = 0; i < d; i++)
			sc->z[i] = (double) x1[i] - (double) x2[i];
	}
	else
	{
		rw_view_to_double(v1, sc->x1);
		rw_view_to_double(v2, sc->x2);
		for (int i = 0; i < d; i++)
			sc->z[i] = sc->x1[i] - sc->x2[i];
	}
}

/*
 * reward_pass transition: (state, params, first_features, second_features,
 * outcome, weight [, objective, brier_weight, hessian]).  A NULL feature
 * array or outcome skips the row; a NULL weight counts 1.  params has d
 * values (no position effect) or d + 1 (gamma last).  The state is made
 * at the first row from the options; later rows must bring the same
 * parameters (checked) and are added in place.
 */
PG_FUNCTION_INFO_V1(reward_pass_trans);
Datum
reward_pass_trans(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = pc_agg_context(fcinfo, "reward_pass_trans");
	RewardPass *s = PG_ARGISNULL(0) ? NULL : (RewardPass *) PG_GETARG_POINTER(0);
	RwScratch  *sc;
	int			d;
	RwView		v1,
				v2;
	double		y,
				w,
				eta;

	if (PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
	{
		if (s == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(s);
	}
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("params must not be NULL")));
	sc = rw_scratch(fcinfo);
	y = PG_GETARG_FLOAT8(4);
	w = PG_ARGISNULL(5) ? 1.0 : PG_GETARG_FLOAT8(5);
	rw_check_outcome_weight(y, w);

	rw_view(PG_GETARG_DATUM(2), "first_features", sc, 1, &v1);
	rw_view(PG_GETARG_DATUM(3), "second_features", sc, 2, &v2);
	d = v1.n;
	if (v2.n != d)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("first_features has %d features and second_features %d", d, v2.n),
				 errdetail("Both sides of every comparison need the same features.")));
	if (s == NULL)
		s = rw_pass_first(fcinfo, aggcontext, sc, d);
	else
		rw_pass_check_same(fcinfo, s, sc, d);

	rw_view_difference(&v1, &v2, sc, d);
	sc->z[d] = 1.0;				/* the position effect's column, when k = d + 1 */
	eta = rw_accumulate(s->k, sc->z, -1, -1, y, w, RW_PASS_PARAMS(s), 0,
						s->objective, s->brier_weight, &s->sums,
						RW_PASS_GRAD(s), s->hessian ? RW_PASS_HESS(s) : NULL);
	if (!isfinite(eta))
	{
		rw_view_to_double(&v1, sc->x1);
		rw_view_to_double(&v2, sc->x2);
		rw_check_finite_row(eta, sc->x1, sc->x2, d);
	}
	rw_view_release(&v1);
	rw_view_release(&v2);
	if (!isfinite(s->sums.f) || !isfinite(s->sums.wsum))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("reward pass sums overflow")));
	PG_RETURN_POINTER(s);
}

/*
 * Combine two passes at the same parameters with the same options (STRICT:
 * the executor keeps the other state when one is NULL).  The first
 * argument is updated in place when it is the aggregate's own state.
 */
PG_FUNCTION_INFO_V1(reward_pass_combine);
Datum
reward_pass_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = pc_agg_context(fcinfo, "reward_pass_combine");
	Pointer		raw1;
	RewardPass *a;
	RewardPass *b;
	size_t		n;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
	{
		/* non-strict: a NULL side is the identity */
		if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_DETOAST_DATUM(PG_GETARG_DATUM(PG_ARGISNULL(0) ? 1 : 0)));
	}
	raw1 = PG_GETARG_POINTER(0);
	a = (RewardPass *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	b = (RewardPass *) PG_DETOAST_DATUM(PG_GETARG_DATUM(1));
	if (a->d != b->d || a->k != b->k || a->objective != b->objective ||
		a->hessian != b->hessian || a->brier_weight != b->brier_weight ||
		memcmp(RW_PASS_PARAMS(a), RW_PASS_PARAMS(b), sizeof(double) * a->k) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine reward passes made with different parameters or options"),
				 errdetail("Passes merge only when their features, parameters, objective, brier_weight and hessian agree.")));
	if ((Pointer) a != raw1)
	{
		/* a detoasted copy: move it into the aggregate's memory */
		RewardPass *c = MemoryContextAlloc(aggcontext, VARSIZE(a));

		memcpy(c, a, VARSIZE(a));
		a = c;
	}
	n = RW_PASS_NDATA(a->k, a->hessian);
	rw_sums_add(&a->sums, &b->sums);
	for (size_t i = a->k; i < n; i++)
		a->data[i] += b->data[i];
	if (!isfinite(a->sums.f) || !isfinite(a->sums.wsum) || !isfinite(a->sums.ll))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("reward pass sums overflow")));
	PG_RETURN_POINTER(a);
}

/*
 * final: the state itself, once its sums are checked finite (a gradient
 * can overflow from finite features)
 */
PG_FUNCTION_INFO_V1(reward_pass_final);
Datum
reward_pass_final(PG_FUNCTION_ARGS)
{
	RewardPass *s;
	size_t		n;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (RewardPass *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	n = RW_PASS_NDATA(s->k, s->hessian);
	for (size_t i = 0; i < n; i++)
		if (!isfinite(s->data[i]))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("reward pass sums overflow"),
					 errdetail("The gradient or Hessian is not finite; rescale the features.")));
	PG_RETURN_POINTER(s);
}
