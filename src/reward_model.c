/*-------------------------------------------------------------------------
 *
 * reward_model.c
 *	  The fitted reward model type reward_model (text and binary I/O, a
 *	  versioned format) and the functions that use it: reward_score,
 *	  reward_predict, reward_predict_shown.  The SQL functions that list
 *	  coefficients and diagnostics read its JSON-shaped text form
 *	  (src/sql/25_reward.sql).
 *
 *-------------------------------------------------------------------------
 */
#include "reward.h"

#include <limits.h>
#include <math.h>

#include "pc_json.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/memutils.h"

/* stored form */
typedef struct RwModelDisk
{
	int32		vl_len_;
	int32		version;
	int32		d;
	int32		nitems;
	int32		objective;
	int32		optimiser;
	int32		augment;
	int32		nspurious;
	int32		iterations;
	int32		passes;
	int32		max_iter;
	int32		flags;
	int32		se_method;
	int32		se_note;
	int32		clusters;
	int32		pad;
	int64		n;
	double		wsum;
	double		prior;
	double		brier_weight;
	double		tol;
	double		loglik;
	double		objective_value;
	double		brier;
	double		grad_norm;
	double		gamma;
	double		gamma_se;
	double		data[FLEXIBLE_ARRAY_MEMBER];
} RwModelDisk;

#define RWF_POSITION 1
#define RWF_CONVERGED 2
#define RWF_IN_MEMORY 4
#define RWF_SE 8
#define RWF_SCALES 16
#define RWF_COV 32

static const char *const aug_names[] = {"none", "swap", "counterfactual"};
static const char *const opt_names[] = {"newton", "lbfgs"};
static const char *const se_names[] = {"none", "inverse_hessian", "cluster"};
static const char *const se_notes[RW_SEN_COUNT] = {
	"",
	"the objective is not the log-likelihood",
	"fitted by L-BFGS over passes of the query (the comparisons did not fit prefcal.reward_memory)",
	"more than 4096 parameters",
	"the Hessian does not fit prefcal.reward_memory",
	"the Hessian is not positive definite",
	"prefcal.reward_standard_errors is off",
	"more than 256 parameters (prefcal.reward_standard_errors = auto; on computes them up to 4096)"
};

#define RW_NCOV(d)	((size_t) (d) * ((d) + 1) / 2)

static void
rw_model_invalid(const char *typname, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid value for type %s", typname),
			 errdetail("%s.", what)));
}

static bool
all_finite(const double *x, int n, bool nonneg)
{
	for (int i = 0; i < n; i++)
		if (!isfinite(x[i]) || (nonneg && x[i] < 0.0))
			return false;
	return true;
}

/* the checks every model from outside passes */
static void
rw_model_validate(const RwModelInfo *mi)
{
	const char *t = "reward_model";

	if (mi->d < 0 || mi->d > RW_MAX_FEATURES || mi->nitems < 0 ||
		(mi->d == 0 && mi->nitems < 2))
		rw_model_invalid(t, "feature or item count out of range");
	if (mi->objective < 0 || mi->objective >= RW_OBJ_COUNT ||
		mi->optimiser < 0 || mi->optimiser > 1 ||
		mi->augment < 0 || mi->augment > 2)
		rw_model_invalid(t, "unknown objective, optimiser or augmentation");
	if ((mi->augment == RW_AUG_COUNTERFACTUAL) != (mi->nspurious > 0) ||
		mi->nspurious > mi->d)
		rw_model_invalid(t, "spurious features are given exactly for counterfactual augmentation");
	for (int i = 0; i < mi->nspurious; i++)
		if (mi->spurious[i] < 1 || mi->spurious[i] > mi->d ||
			(i > 0 && mi->spurious[i] <= mi->spurious[i - 1]))
			rw_model_invalid(t, "spurious features must be increasing feature numbers");
	if (mi->iterations < 0 || mi->passes < 0 || mi->max_iter < 1 || mi->n < 0)
		rw_model_invalid(t, "counts out of range");
	if (!isfinite(mi->wsum) || mi->wsum < 0 || !isfinite(mi->prior) ||
		mi->prior < 0 || !isfinite(mi->brier_weight) || mi->brier_weight < 0 ||
		!isfinite(mi->tol) || !(mi->tol > 0) || !isfinite(mi->loglik) ||
		mi->loglik > 0 || !isfinite(mi->objective_value) ||
		!isfinite(mi->brier) || mi->brier < 0 || !isfinite(mi->grad_norm) ||
		mi->grad_norm < 0 || !isfinite(mi->gamma) ||
		(!mi->position && mi->gamma != 0.0))
		rw_model_invalid(t, "a number is out of range");
	if ((mi->se != NULL) != (mi->item_se != NULL))
		rw_model_invalid(t, "se and item_se must both be given or both be null");
	if (!isnan(mi->gamma_se) && !(mi->gamma_se >= 0 && isfinite(mi->gamma_se)))
		rw_model_invalid(t, "gamma_se out of range");
	if (!all_finite(mi->coef, mi->d, false) ||
		(mi->se && !all_finite(mi->se, mi->d, true)) ||
		(mi->scales && !all_finite(mi->scales, mi->d, false)) ||
		!all_finite(mi->item_effect, mi->nitems, false) ||
		(mi->item_se && !all_finite(mi->item_se, mi->nitems, true)))
		rw_model_invalid(t, "a coefficient or standard error is not finite");
	if (mi->scales)
		for (int i = 0; i < mi->d; i++)
			if (!(mi->scales[i] > 0))
				rw_model_invalid(t, "scales must be positive");
	if (mi->se_method < 0 || mi->se_method > RW_SE_CLUSTER ||
		mi->se_note < 0 || mi->se_note >= RW_SEN_COUNT ||
		(mi->se != NULL) != (mi->se_method != RW_SE_NONE) ||
		(mi->se_method == RW_SE_NONE) != (mi->se_note != RW_SEN_NONE) ||
		(mi->se_method == RW_SE_CLUSTER) != (mi->clusters > 0) ||
		mi->clusters < 0)
		rw_model_invalid(t, "se_method, se_note, clusters and se disagree");
	if (mi->cov && (mi->se == NULL || mi->d > RW_COV_MAX ||
					!all_finite(mi->cov, RW_NCOV(mi->d), false)))
		rw_model_invalid(t, "covariance must be finite, with standard errors, for at most 256 features");
	if (mi->cov)
		for (int i = 0; i < mi->d; i++)
			if (!(mi->cov[RW_NCOV(i) + i] >= 0))
				rw_model_invalid(t, "covariance must have a non-negative diagonal");
}

struct varlena *
rw_model_build(const RwModelInfo *mi)
{
	bool		has_se = mi->se != NULL;
	size_t		nd = mi->d + (has_se ? mi->d : 0) + (mi->scales ? mi->d : 0) +
		mi->nitems + (has_se ? mi->nitems : 0) + (mi->cov ? RW_NCOV(mi->d) : 0);
	size_t		names = 0;
	size_t		sz;
	RwModelDisk *m;
	double	   *p;
	char	   *c;

	Assert((mi->se != NULL) == (mi->item_se != NULL));
	for (int i = 0; i < mi->nitems; i++)
		names += strlen(mi->item[i]) + 1;
	sz = offsetof(RwModelDisk, data) + nd * sizeof(double) +
		mi->nspurious * sizeof(int32) + names;
	if (sz > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("reward model too large")));
	m = palloc0(sz);
	SET_VARSIZE(m, sz);
	m->version = RW_MODEL_VERSION;
	m->d = mi->d;
	m->nitems = mi->nitems;
	m->objective = mi->objective;
	m->optimiser = mi->optimiser;
	m->augment = mi->augment;
	m->nspurious = mi->nspurious;
	m->iterations = mi->iterations;
	m->passes = mi->passes;
	m->max_iter = mi->max_iter;
	m->flags = (mi->position ? RWF_POSITION : 0) |
		(mi->converged ? RWF_CONVERGED : 0) |
		(mi->in_memory ? RWF_IN_MEMORY : 0) |
		(has_se ? RWF_SE : 0) | (mi->scales ? RWF_SCALES : 0) |
		(mi->cov ? RWF_COV : 0);
	m->se_method = mi->se_method;
	m->se_note = mi->se_note;
	m->clusters = mi->clusters;
	m->n = mi->n;
	m->wsum = mi->wsum;
	m->prior = mi->prior;
	m->brier_weight = mi->brier_weight;
	m->tol = mi->tol;
	m->loglik = mi->loglik;
	m->objective_value = mi->objective_value;
	m->brier = mi->brier;
	m->grad_norm = mi->grad_norm;
	m->gamma = mi->gamma;
	m->gamma_se = mi->gamma_se;
	p = m->data;
	memcpy(p, mi->coef, sizeof(double) * mi->d);
	p += mi->d;
	if (has_se)
	{
		memcpy(p, mi->se, sizeof(double) * mi->d);
		p += mi->d;
	}
	if (mi->scales)
	{
		memcpy(p, mi->scales, sizeof(double) * mi->d);
		p += mi->d;
	}
	if (mi->nitems > 0)
		memcpy(p, mi->item_effect, sizeof(double) * mi->nitems);
	p += mi->nitems;
	if (has_se && mi->nitems > 0)
	{
		memcpy(p, mi->item_se, sizeof(double) * mi->nitems);
		p += mi->nitems;
	}
	if (mi->cov)
	{
		memcpy(p, mi->cov, sizeof(double) * RW_NCOV(mi->d));
		p += RW_NCOV(mi->d);
	}
	c = (char *) p;
	if (mi->nspurious > 0)
		memcpy(c, mi->spurious, sizeof(int32) * mi->nspurious);
	c += sizeof(int32) * mi->nspurious;
	for (int i = 0; i < mi->nitems; i++)
	{
		size_t		l = strlen(mi->item[i]) + 1;

		memcpy(c, mi->item[i], l);
		c += l;
	}
	return (struct varlena *) m;
}

void
rw_model_unpack(struct varlena *v, RwModelInfo *mi)
{
	RwModelDisk *m = (RwModelDisk *) v;
	const double *p = m->data;
	const char *c;
	const char **names;

	if (m->version != RW_MODEL_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("reward_model value has unsupported version %d", m->version)));
	memset(mi, 0, sizeof(*mi));
	mi->d = m->d;
	mi->nitems = m->nitems;
	mi->objective = m->objective;
	mi->optimiser = m->optimiser;
	mi->augment = m->augment;
	mi->nspurious = m->nspurious;
	mi->iterations = m->iterations;
	mi->passes = m->passes;
	mi->max_iter = m->max_iter;
	mi->position = (m->flags & RWF_POSITION) != 0;
	mi->converged = (m->flags & RWF_CONVERGED) != 0;
	mi->in_memory = (m->flags & RWF_IN_MEMORY) != 0;
	mi->n = m->n;
	mi->wsum = m->wsum;
	mi->prior = m->prior;
	mi->brier_weight = m->brier_weight;
	mi->tol = m->tol;
	mi->loglik = m->loglik;
	mi->objective_value = m->objective_value;
	mi->brier = m->brier;
	mi->grad_norm = m->grad_norm;
	mi->gamma = m->gamma;
	mi->gamma_se = m->gamma_se;
	mi->se_method = m->se_method;
	mi->se_note = m->se_note;
	mi->clusters = m->clusters;
	mi->coef = p;
	p += m->d;
	if (m->flags & RWF_SE)
	{
		mi->se = p;
		p += m->d;
	}
	if (m->flags & RWF_SCALES)
	{
		mi->scales = p;
		p += m->d;
	}
	mi->item_effect = p;
	p += m->nitems;
	if (m->flags & RWF_SE)
	{
		mi->item_se = p;
		p += m->nitems;
	}
	if (m->flags & RWF_COV)
	{
		mi->cov = p;
		p += RW_NCOV(m->d);
	}
	c = (const char *) p;
	mi->spurious = (const int32 *) c;
	c += sizeof(int32) * m->nspurious;
	names = palloc(sizeof(char *) * (m->nitems + 1));
	for (int i = 0; i < m->nitems; i++)
	{
		names[i] = c;
		c += strlen(c) + 1;
	}
	mi->item = names;
}

static void
append_arr_or_null(StringInfo buf, const char *key, const double *x, int n)
{
	pc_jw_key(buf, key);
	if (x == NULL)
		appendStringInfoString(buf, "null");
	else
		pc_jw_float8_array(buf, x, n);
}

/*
 * Text form: a JSON object with a fixed key order (see rw_model_text);
 * readable with ::text::jsonb.
 */
static char *
rw_model_text(const RwModelInfo *mi)
{
	StringInfoData buf;

	initStringInfo(&buf);
	pc_jw_begin(&buf, RW_MODEL_VERSION);
	pc_jw_key_int8(&buf, "d", mi->d);
	pc_jw_key_int8(&buf, "n", mi->n);
	pc_jw_key_float8(&buf, "weight_sum", mi->wsum);
	pc_jw_key_string(&buf, "objective", rw_objective_name(mi->objective));
	pc_jw_key_float8(&buf, "brier_weight", mi->brier_weight);
	pc_jw_key_float8(&buf, "prior", mi->prior);
	pc_jw_key_bool(&buf, "position_effect", mi->position);
	pc_jw_key_string(&buf, "augment", aug_names[mi->augment]);
	pc_jw_key(&buf, "spurious");
	if (mi->nspurious == 0)
		appendStringInfoString(&buf, "null");
	else
	{
		appendStringInfoChar(&buf, '[');
		for (int i = 0; i < mi->nspurious; i++)
		{
			pc_jw_sep(&buf, i);
			appendStringInfo(&buf, "%d", mi->spurious[i]);
		}
		appendStringInfoChar(&buf, ']');
	}
	pc_jw_key_bool(&buf, "standardize", mi->scales != NULL);
	pc_jw_key_string(&buf, "optimiser", opt_names[mi->optimiser]);
	pc_jw_key_bool(&buf, "in_memory", mi->in_memory);
	pc_jw_key_int8(&buf, "max_iter", mi->max_iter);
	pc_jw_key_float8(&buf, "tol", mi->tol);
	pc_jw_key_int8(&buf, "passes", mi->passes);
	pc_jw_key_int8(&buf, "iterations", mi->iterations);
	pc_jw_key_bool(&buf, "converged", mi->converged);
	pc_jw_key_float8(&buf, "grad_norm", mi->grad_norm);
	pc_jw_key_float8(&buf, "loglik", mi->loglik);
	pc_jw_key_float8(&buf, "objective_value", mi->objective_value);
	pc_jw_key_float8(&buf, "brier", mi->brier);
	pc_jw_key_float8(&buf, "gamma", mi->gamma);
	pc_jw_key(&buf, "gamma_se");
	pc_jw_float8_or_null(&buf, mi->gamma_se);
	pc_jw_key_string(&buf, "se_method", se_names[mi->se_method]);
	pc_jw_key(&buf, "se_note");
	if (mi->se_note == RW_SEN_NONE)
		appendStringInfoString(&buf, "null");
	else
		pc_jw_string(&buf, se_notes[mi->se_note]);
	pc_jw_key_int8(&buf, "clusters", mi->clusters);
	pc_jw_key(&buf, "coefficients");
	pc_jw_float8_array(&buf, mi->coef, mi->d);
	append_arr_or_null(&buf, "se", mi->se, mi->d);
	append_arr_or_null(&buf, "scales", mi->scales, mi->d);
	pc_jw_key(&buf, "items");
	appendStringInfoChar(&buf, '[');
	for (int i = 0; i < mi->nitems; i++)
	{
		pc_jw_sep(&buf, i);
		pc_jw_string(&buf, mi->item[i]);
	}
	appendStringInfoChar(&buf, ']');
	pc_jw_key(&buf, "item_effects");
	pc_jw_float8_array(&buf, mi->item_effect, mi->nitems);
	append_arr_or_null(&buf, "item_se", mi->item_se, mi->nitems);
	append_arr_or_null(&buf, "covariance", mi->cov, mi->cov ? (int) RW_NCOV(mi->d) : 0);
	pc_jw_end(&buf);
	return buf.data;
}

PG_FUNCTION_INFO_V1(reward_model_out);
Datum
reward_model_out(PG_FUNCTION_ARGS)
{
	RwModelInfo mi;

	rw_model_unpack(PG_DETOAST_DATUM(PG_GETARG_DATUM(0)), &mi);
	PG_RETURN_CSTRING(rw_model_text(&mi));
}

/* a JSON array of n finite numbers, or null where allowed (NULL) */
static const double *
lex_arr_n(PcJson *lx, int n, bool allow_null)
{
	double	   *x;

	if (allow_null && pc_json_null(lx))
		return NULL;
	x = palloc(sizeof(double) * Max(n, 1));
	pc_json_float8_array(lx, x, n, PC_JSON_FINITE);
	return x;
}

PG_FUNCTION_INFO_V1(reward_model_in);
Datum
reward_model_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);
	PcJson		lx;
	RwModelInfo mi;
	bool		standardize;
	int			len,
				cap;
	const char *objnames[RW_OBJ_COUNT];
	int32	   *sp = NULL;
	char	  **names;
	Size		count = 0;

	for (int i = 0; i < RW_OBJ_COUNT; i++)
		objnames[i] = rw_objective_name(i);
	memset(&mi, 0, sizeof(mi));
	pc_json_init(&lx, str, "reward_model");
	pc_json_begin(&lx, RW_MODEL_VERSION);
	mi.d = pc_json_key_int4(&lx, "d", 0, RW_MAX_FEATURES);
	mi.n = pc_json_key_int8(&lx, "n");
	mi.wsum = pc_json_key_float8(&lx, "weight_sum", PC_JSON_FINITE);
	pc_json_key(&lx, "objective");
	mi.objective = pc_json_choice(&lx, objnames, RW_OBJ_COUNT);
	mi.brier_weight = pc_json_key_float8(&lx, "brier_weight", PC_JSON_FINITE);
	mi.prior = pc_json_key_float8(&lx, "prior", PC_JSON_FINITE);
	mi.position = pc_json_key_bool(&lx, "position_effect");
	pc_json_key(&lx, "augment");
	mi.augment = pc_json_choice(&lx, aug_names, 3);
	pc_json_key(&lx, "spurious");
	if (!pc_json_null(&lx))
	{
		pc_json_expect(&lx, '[');
		sp = palloc(sizeof(int32) * (mi.d + 1));
		do
		{
			if (mi.nspurious >= mi.d)
				pc_json_error(&lx, "at most d spurious features");
			sp[mi.nspurious++] = pc_json_int4(&lx, 1, RW_MAX_FEATURES);
		} while (pc_json_accept(&lx, ','));
		pc_json_expect(&lx, ']');
	}
	mi.spurious = sp;
	standardize = pc_json_key_bool(&lx, "standardize");
	pc_json_key(&lx, "optimiser");
	mi.optimiser = pc_json_choice(&lx, opt_names, 2);
	mi.in_memory = pc_json_key_bool(&lx, "in_memory");
	mi.max_iter = pc_json_key_int4(&lx, "max_iter", 1, INT_MAX);
	mi.tol = pc_json_key_float8(&lx, "tol", PC_JSON_FINITE);
	mi.passes = pc_json_key_int4(&lx, "passes", 0, INT_MAX);
	mi.iterations = pc_json_key_int4(&lx, "iterations", 0, INT_MAX);
	mi.converged = pc_json_key_bool(&lx, "converged");
	mi.grad_norm = pc_json_key_float8(&lx, "grad_norm", PC_JSON_FINITE);
	mi.loglik = pc_json_key_float8(&lx, "loglik", PC_JSON_FINITE);
	mi.objective_value = pc_json_key_float8(&lx, "objective_value", PC_JSON_FINITE);
	mi.brier = pc_json_key_float8(&lx, "brier", PC_JSON_FINITE);
	mi.gamma = pc_json_key_float8(&lx, "gamma", PC_JSON_FINITE);
	mi.gamma_se = pc_json_key_float8(&lx, "gamma_se", PC_JSON_NULL_NAN);
	pc_json_key(&lx, "se_method");
	mi.se_method = pc_json_choice(&lx, se_names, 3);
	pc_json_key(&lx, "se_note");
	mi.se_note = pc_json_null(&lx) ? RW_SEN_NONE : pc_json_choice(&lx, se_notes, RW_SEN_COUNT);
	mi.clusters = pc_json_key_int4(&lx, "clusters", 0, INT_MAX);
	pc_json_key(&lx, "coefficients");
	mi.coef = lex_arr_n(&lx, mi.d, false);
	pc_json_key(&lx, "se");
	mi.se = lex_arr_n(&lx, mi.d, true);
	pc_json_key(&lx, "scales");
	mi.scales = lex_arr_n(&lx, mi.d, true);
	if ((mi.scales != NULL) != standardize)
		pc_json_error(&lx, "scales exactly when standardize is true");
	pc_json_key(&lx, "items");
	cap = 16;
	names = palloc(sizeof(char *) * cap);
	while (pc_json_next(&lx, &count))
	{
		if (mi.nitems == cap)
		{
			cap *= 2;
			names = repalloc(names, sizeof(char *) * cap);
		}
		names[mi.nitems++] = pc_json_string(&lx, &len);
	}
	mi.item = (const char *const *) names;
	pc_json_key(&lx, "item_effects");
	mi.item_effect = lex_arr_n(&lx, mi.nitems, false);
	pc_json_key(&lx, "item_se");
	mi.item_se = lex_arr_n(&lx, mi.nitems, true);
	pc_json_key(&lx, "covariance");
	mi.cov = lex_arr_n(&lx, (int) RW_NCOV(mi.d), true);
	pc_json_end(&lx);
	if ((mi.se != NULL) != (mi.item_se != NULL))
		rw_model_invalid("reward_model", "se and item_se must both be given or both be null");
	rw_model_validate(&mi);
	PG_RETURN_POINTER(rw_model_build(&mi));
}

/*
 * Binary form: int4 version, then the text form's fields in order
 * (int4 counts and flags, float8 numbers, a NaN for a null gamma_se,
 * an int4 presence flag before each optional array, item names as
 * text).
 */
PG_FUNCTION_INFO_V1(reward_model_send);
Datum
reward_model_send(PG_FUNCTION_ARGS)
{
	RwModelInfo mi;
	StringInfoData buf;
	bool		has_se;

	rw_model_unpack(PG_DETOAST_DATUM(PG_GETARG_DATUM(0)), &mi);
	has_se = mi.item_se != NULL;
	pq_begintypsend(&buf);
	pq_sendint32(&buf, RW_MODEL_VERSION);
	pq_sendint32(&buf, mi.d);
	pq_sendint32(&buf, mi.nitems);
	pq_sendint32(&buf, mi.objective);
	pq_sendint32(&buf, mi.optimiser);
	pq_sendint32(&buf, mi.augment);
	pq_sendint32(&buf, mi.nspurious);
	pq_sendint32(&buf, mi.iterations);
	pq_sendint32(&buf, mi.passes);
	pq_sendint32(&buf, mi.max_iter);
	pq_sendint32(&buf, (mi.position ? RWF_POSITION : 0) |
				 (mi.converged ? RWF_CONVERGED : 0) |
				 (mi.in_memory ? RWF_IN_MEMORY : 0) |
				 (has_se ? RWF_SE : 0) | (mi.scales ? RWF_SCALES : 0) |
				 (mi.cov ? RWF_COV : 0));
	pq_sendint32(&buf, mi.se_method);
	pq_sendint32(&buf, mi.se_note);
	pq_sendint32(&buf, mi.clusters);
	pq_sendint64(&buf, mi.n);
	pq_sendfloat8(&buf, mi.wsum);
	pq_sendfloat8(&buf, mi.prior);
	pq_sendfloat8(&buf, mi.brier_weight);
	pq_sendfloat8(&buf, mi.tol);
	pq_sendfloat8(&buf, mi.loglik);
	pq_sendfloat8(&buf, mi.objective_value);
	pq_sendfloat8(&buf, mi.brier);
	pq_sendfloat8(&buf, mi.grad_norm);
	pq_sendfloat8(&buf, mi.gamma);
	pq_sendfloat8(&buf, mi.gamma_se);
	for (int i = 0; i < mi.d; i++)
		pq_sendfloat8(&buf, mi.coef[i]);
	if (has_se)
		for (int i = 0; i < mi.d; i++)
			pq_sendfloat8(&buf, mi.se[i]);
	if (mi.scales)
		for (int i = 0; i < mi.d; i++)
			pq_sendfloat8(&buf, mi.scales[i]);
	for (int i = 0; i < mi.nitems; i++)
		pq_sendfloat8(&buf, mi.item_effect[i]);
	if (has_se)
		for (int i = 0; i < mi.nitems; i++)
			pq_sendfloat8(&buf, mi.item_se[i]);
	if (mi.cov)
		for (size_t i = 0; i < RW_NCOV(mi.d); i++)
			pq_sendfloat8(&buf, mi.cov[i]);
	for (int i = 0; i < mi.nspurious; i++)
		pq_sendint32(&buf, mi.spurious[i]);
	for (int i = 0; i < mi.nitems; i++)
		pq_sendstring(&buf, mi.item[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static double *
recv_arr(StringInfo msg, int n)
{
	double	   *x;

	if (n > (msg->len - msg->cursor) / 8)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type reward_model"),
				 errdetail("The value is too short.")));
	x = palloc(sizeof(double) * Max(n, 1));
	for (int i = 0; i < n; i++)
		x[i] = pq_getmsgfloat8(msg);
	return x;
}

PG_FUNCTION_INFO_V1(reward_model_recv);
Datum
reward_model_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	RwModelInfo mi;
	int			flags;
	int32	   *sp;
	const char **names;

	memset(&mi, 0, sizeof(mi));
	if (pq_getmsgint(msg, 4) != RW_MODEL_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type reward_model"),
				 errdetail("Unsupported version.")));
	mi.d = pq_getmsgint(msg, 4);
	mi.nitems = pq_getmsgint(msg, 4);
	mi.objective = pq_getmsgint(msg, 4);
	mi.optimiser = pq_getmsgint(msg, 4);
	mi.augment = pq_getmsgint(msg, 4);
	mi.nspurious = pq_getmsgint(msg, 4);
	mi.iterations = pq_getmsgint(msg, 4);
	mi.passes = pq_getmsgint(msg, 4);
	mi.max_iter = pq_getmsgint(msg, 4);
	flags = pq_getmsgint(msg, 4);
	if (mi.d < 0 || mi.d > RW_MAX_FEATURES || mi.nitems < 0 ||
		mi.nitems > (msg->len - msg->cursor) || mi.nspurious < 0 ||
		mi.nspurious > mi.d || (flags & ~63) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary value for type reward_model")));
	mi.position = (flags & RWF_POSITION) != 0;
	mi.converged = (flags & RWF_CONVERGED) != 0;
	mi.in_memory = (flags & RWF_IN_MEMORY) != 0;
	mi.se_method = pq_getmsgint(msg, 4);
	mi.se_note = pq_getmsgint(msg, 4);
	mi.clusters = pq_getmsgint(msg, 4);
	mi.n = pq_getmsgint64(msg);
	mi.wsum = pq_getmsgfloat8(msg);
	mi.prior = pq_getmsgfloat8(msg);
	mi.brier_weight = pq_getmsgfloat8(msg);
	mi.tol = pq_getmsgfloat8(msg);
	mi.loglik = pq_getmsgfloat8(msg);
	mi.objective_value = pq_getmsgfloat8(msg);
	mi.brier = pq_getmsgfloat8(msg);
	mi.grad_norm = pq_getmsgfloat8(msg);
	mi.gamma = pq_getmsgfloat8(msg);
	mi.gamma_se = pq_getmsgfloat8(msg);
	mi.coef = recv_arr(msg, mi.d);
	if (flags & RWF_SE)
		mi.se = recv_arr(msg, mi.d);
	if (flags & RWF_SCALES)
		mi.scales = recv_arr(msg, mi.d);
	mi.item_effect = recv_arr(msg, mi.nitems);
	if (flags & RWF_SE)
		mi.item_se = recv_arr(msg, mi.nitems);
	if (flags & RWF_COV)
		mi.cov = recv_arr(msg, (int) RW_NCOV(mi.d));
	sp = palloc(sizeof(int32) * (mi.nspurious + 1));
	for (int i = 0; i < mi.nspurious; i++)
		sp[i] = pq_getmsgint(msg, 4);
	mi.spurious = sp;
	names = palloc(sizeof(char *) * (mi.nitems + 1));
	for (int i = 0; i < mi.nitems; i++)
		names[i] = pq_getmsgstring(msg);
	mi.item = names;
	pq_getmsgend(msg);
	rw_model_validate(&mi);
	PG_RETURN_POINTER(rw_model_build(&mi));
}

/* ---------------------------------------------------------------------
 * using a model
 * ---------------------------------------------------------------------
 */

static double
rw_model_dot(FunctionCallInfo fcinfo, const RwModelInfo *mi, int argno,
			 bool diff)
{
	RwScratch  *sc = rw_scratch(fcinfo);
	int			n1,
				n2;
	double		s = 0.0;

	n1 = rw_read_vector(PG_GETARG_DATUM(argno), sc->x1,
						diff ? "first_features" : "features", sc);
	if (n1 != mi->d)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("the model has %d features, the array %d", mi->d, n1)));
	if (diff)
	{
		n2 = rw_read_vector(PG_GETARG_DATUM(argno + 1), sc->x2,
							"second_features", sc);
		if (n2 != mi->d)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("the model has %d features, the array %d", mi->d, n2)));
		for (int i = 0; i < mi->d; i++)
			s += mi->coef[i] * (sc->x1[i] - sc->x2[i]);
	}
	else
		for (int i = 0; i < mi->d; i++)
			s += mi->coef[i] * sc->x1[i];
	if (!isfinite(s))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("reward is not finite"),
				 errdetail("Features must be finite numbers.")));
	return s;
}

static double
sigmoid(double x)
{
	if (x >= 0)
		return 1.0 / (1.0 + exp(-x));
	return exp(x) / (1.0 + exp(x));
}

/* reward_score(model, features) -> w . x */
PG_FUNCTION_INFO_V1(reward_score);
Datum
reward_score(PG_FUNCTION_ARGS)
{
	RwModelInfo mi;

	rw_model_unpack(PG_DETOAST_DATUM(PG_GETARG_DATUM(0)), &mi);
	PG_RETURN_FLOAT8(rw_model_dot(fcinfo, &mi, 1, false));
}

/* reward_predict(model, first, second) -> sigma(w . (x1 - x2)) */
PG_FUNCTION_INFO_V1(reward_predict);
Datum
reward_predict(PG_FUNCTION_ARGS)
{
	RwModelInfo mi;

	rw_model_unpack(PG_DETOAST_DATUM(PG_GETARG_DATUM(0)), &mi);
	PG_RETURN_FLOAT8(sigmoid(rw_model_dot(fcinfo, &mi, 1, true)));
}

/* reward_predict_shown(model, first, second) -> sigma(w . (x1 - x2) + gamma) */
PG_FUNCTION_INFO_V1(reward_predict_shown);
Datum
reward_predict_shown(PG_FUNCTION_ARGS)
{
	RwModelInfo mi;

	rw_model_unpack(PG_DETOAST_DATUM(PG_GETARG_DATUM(0)), &mi);
	PG_RETURN_FLOAT8(sigmoid(rw_model_dot(fcinfo, &mi, 1, true) + mi.gamma));
}

/*
 * reward_predict_se(model, first, second): the delta-method standard
 * error of reward_predict, p (1 - p) sqrt(z' C z) with z = x1 - x2 and C
 * the coefficients' covariance the model stores (inverse Hessian or
 * cluster-robust, as its standard errors); NULL when it stores none.
 */
PG_FUNCTION_INFO_V1(reward_predict_se);
Datum
reward_predict_se(PG_FUNCTION_ARGS)
{
	RwModelInfo mi;
	RwScratch  *sc;
	double		eta,
				p,
				v = 0.0;

	rw_model_unpack(PG_DETOAST_DATUM(PG_GETARG_DATUM(0)), &mi);
	eta = rw_model_dot(fcinfo, &mi, 1, true);	/* reads x1, x2 into scratch */
	if (mi.cov == NULL)
		PG_RETURN_NULL();
	sc = rw_scratch(fcinfo);
	for (int i = 0; i < mi.d; i++)
	{
		double		zi = sc->x1[i] - sc->x2[i],
					s = 0.0;

		for (int j = 0; j < i; j++)
			s += mi.cov[RW_NCOV(i) + j] * (sc->x1[j] - sc->x2[j]);
		v += zi * (2.0 * s + mi.cov[RW_NCOV(i) + i] * zi);
	}
	p = sigmoid(eta);
	PG_RETURN_FLOAT8(p * (1.0 - p) * sqrt(Max(v, 0.0)));
}
