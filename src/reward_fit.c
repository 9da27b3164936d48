/*-------------------------------------------------------------------------
 *
 * reward_fit.c
 *	  reward_fit(query, ...) -> reward_model: fits the reward model on
 *	  features (doc/reward-models.md) to the comparisons a query returns,
 *	  in stages: the options; the query's columns and the first feature
 *	  count; the rows read into memory when they fit prefcal.reward_memory
 *	  (reward_rows.c), or else a plan of the reward_pass aggregate over the
 *	  query, run once per evaluation (a parallel partial aggregate where
 *	  the planner chooses one); the optimiser (reward_opt.c); standard
 *	  errors (reward_se.c); the model.  Also the prefcal.reward_memory
 *	  setting.
 *
 *-------------------------------------------------------------------------
 */
#include "reward_fit_int.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

/* prefcal.reward_memory, in kilobytes */
int			rw_memory_kb = 262144;

/*
 * prefcal.reward_standard_errors: when a log-loss fit computes standard
 * errors.  auto: when Newton's method left the Hessian (up to
 * RW_NEWTON_MAX parameters), so only its factorisation is added; on: up
 * to RW_SE_MAX parameters, building the Hessian after an L-BFGS fit; off:
 * never.  The coefficients do not depend on it.
 */
int			rw_se_setting = RW_SE_SETTING_AUTO;

static const struct config_enum_entry rw_se_options[] = {
	{"auto", RW_SE_SETTING_AUTO, false},
	{"on", RW_SE_SETTING_ON, false},
	{"off", RW_SE_SETTING_OFF, false},
	{NULL, 0, false}
};

void
rw_init_guc(void)
{
	DefineCustomEnumVariable("prefcal.reward_standard_errors",
							 "When reward_fit computes standard errors.",
							 "\"auto\": for fits of up to 256 parameters, whose Newton steps build the Hessian anyway; "
							 "\"on\": up to 4096 parameters; \"off\": never.  The coefficients are the same either way.",
							 &rw_se_setting,
							 RW_SE_SETTING_AUTO,
							 rw_se_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("prefcal.reward_memory",
							"Memory reward_fit may use to hold the comparisons in memory.",
							"Beyond it, every optimiser step reads the query again.",
							&rw_memory_kb,
							262144,
							64,
							MAX_KILOBYTES,
							PGC_USERSET,
							GUC_UNIT_KB,
							NULL, NULL, NULL);
}

/* the arguments of reward_fit, checked */
typedef struct RwArgs
{
	char	   *query;
	int			max_iter;
	double		tol;
	bool		standardize;
	ArrayType  *spurious;		/* or NULL */
} RwArgs;

static void
rw_check_number(double v, bool positive, const char *what)
{
	if (!(positive ? v > 0.0 : v >= 0.0) || isinf(v))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a finite %s number", what,
						positive ? "positive" : "non-negative")));
}

/* read and check the arguments into ft and args */
static void
rw_parse_args(FunctionCallInfo fcinfo, RwFit *ft, RwArgs *args)
{
	char	   *objname,
			   *augname;

	for (int i = 0; i < 10; i++)
		if (PG_ARGISNULL(i) && i != 6)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("only spurious may be NULL in reward_fit")));
	args->query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ft->position = PG_GETARG_BOOL(1);
	ft->prior = PG_GETARG_FLOAT8(2);
	objname = text_to_cstring(PG_GETARG_TEXT_PP(3));
	ft->objective = rw_parse_objective(objname);
	ft->lambda = PG_GETARG_FLOAT8(4);
	augname = text_to_cstring(PG_GETARG_TEXT_PP(5));
	args->spurious = PG_ARGISNULL(6) ? NULL : PG_GETARG_ARRAYTYPE_P(6);
	args->max_iter = PG_GETARG_INT32(7);
	args->tol = PG_GETARG_FLOAT8(8);
	args->standardize = PG_GETARG_BOOL(9);

	if (ft->objective < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown objective \"%s\"", objname),
				 errhint("Use 'log_loss', 'log_loss+brier', 'hinge' or 'hinge+brier'.")));
	rw_check_number(ft->prior, false, "prior");
	rw_check_number(ft->lambda, false, "brier_weight");
	if (ft->objective == RW_OBJ_LOGLOSS || ft->objective == RW_OBJ_HINGE)
		ft->lambda = 0.0;
	if (args->max_iter < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_iter must be at least 1")));
	rw_check_number(args->tol, true, "tol");
	if (strcmp(augname, "none") == 0)
		ft->augment = RW_AUG_NONE;
	else if (strcmp(augname, "swap") == 0)
		ft->augment = RW_AUG_SWAP;
	else if (strcmp(augname, "counterfactual") == 0)
		ft->augment = RW_AUG_COUNTERFACTUAL;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown augment \"%s\"", augname),
				 errhint("Use 'none', 'swap' or 'counterfactual'.")));
	if ((ft->augment == RW_AUG_COUNTERFACTUAL) != (args->spurious != NULL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("spurious is given exactly with augment => 'counterfactual'"),
				 errhint("Name the spurious features as 1-based indices, for example spurious => '{3}'.")));
}

/*
 * The spurious features as flags ft->spur (d + 1) and as the sorted list
 * of their 1-based numbers (returned, *n of them; NULL without).
 */
static int32 *
rw_parse_spurious(RwFit *ft, ArrayType *sa, int *n)
{
	Datum	   *el;
	bool	   *nl;
	int			ne;
	int32	   *spurious;

	ft->spur = palloc0(sizeof(bool) * (ft->d + 1));
	*n = 0;
	if (sa == NULL)
		return NULL;
	deconstruct_array(sa, INT4OID, 4, true, TYPALIGN_INT, &el, &nl, &ne);
	for (int i = 0; i < ne; i++)
	{
		int			v;

		if (nl[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("spurious contains a NULL")));
		v = DatumGetInt32(el[i]);
		if (v < 1 || v > ft->d)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("spurious feature %d is not between 1 and %d", v, ft->d)));
		ft->spur[v - 1] = true;
	}
	spurious = palloc(sizeof(int32) * (ft->d + 1));
	for (int i = 0; i < ft->d; i++)
		if (ft->spur[i])
			spurious[(*n)++] = i + 1;
	if (*n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("spurious names no feature")));
	return spurious;
}

/* the feature count of the query's comparisons, checked */
static int
rw_feature_count(const char *sql, const RwCols *cols)
{
	int			d = cols->features ? rw_first_d(sql) : 0;

	if (d < 1 && cols->features)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("first_features must be a non-empty one-dimensional array")));
	if (d > RW_MAX_FEATURES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("first_features has %d features, more than the %d supported",
						d, RW_MAX_FEATURES)));
	return d;
}

/*
 * The rows do not fit prefcal.reward_memory: give them back and prepare
 * the pass query, reward_pass over the query (and its swapped copy).
 */
static void
rw_prepare_passes(RwFit *ft, const RwArgs *args, const RwCols *cols,
				  const char *sql, FunctionCallInfo fcinfo)
{
	Oid			types[4] = {FLOAT8ARRAYOID, TEXTOID, FLOAT8OID, BOOLOID};
	const char *sch;
	char	   *psql;

	if (cols->items || cols->cluster || ft->augment == RW_AUG_COUNTERFACTUAL ||
		args->standardize || ft->d == 0)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("the comparisons do not fit in prefcal.reward_memory (%d kB)", rw_memory_kb),
				 errdetail("Item effects, clusters, counterfactual augmentation and standardisation need the comparisons in memory."),
				 errhint("Raise prefcal.reward_memory.")));
	rw_release_rows(ft);
	sch = quote_identifier(get_namespace_name(get_func_namespace(fcinfo->flinfo->fn_oid)));
	psql = psprintf("SELECT %s.reward_pass($1, r.first_features, r.second_features, r.outcome, r.weight, $2, $3, $4) "
					"FROM (%s%s%s) r", sch, sql,
					ft->augment == RW_AUG_SWAP ? " UNION ALL " : "",
					ft->augment == RW_AUG_SWAP ? rw_columns_sql(args->query, cols, true) : "");
	ft->plan = SPI_prepare_cursor(psql, 4, types, CURSOR_OPT_PARALLEL_OK);
	if (ft->plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
}

/*
 * The model from the optimum: coefficients and standard errors in the
 * original units (scales undone), item effects, and what reward_info
 * reports.
 */
static struct varlena *
rw_build_result(RwFit *ft, const RwArgs *args, const RwOpt *o,
				const RwSe *rse, const double *scales,
				const int32 *spurious, int nspurious, MemoryContext cxt)
{
	const double *se = rse->se;
	double	   *cov = NULL;
	MemoryContext old;
	struct varlena *result;
	RwModelInfo mi;
	double	   *coef = palloc(sizeof(double) * (ft->d + 1));
	double	   *cse = se ? palloc(sizeof(double) * (ft->d + 1)) : NULL;
	double	   *ieff = palloc(sizeof(double) * (ft->nitems + 1));
	double	   *ise = se ? palloc(sizeof(double) * (ft->nitems + 1)) : NULL;
	int			copies = ft->augment == RW_AUG_SWAP ? 2 : 1;

	for (int i = 0; i < ft->d; i++)
	{
		double		sc = scales ? scales[i] : 1.0;

		coef[i] = o->theta[i] / sc;
		if (cse)
			cse[i] = se[i] / sc;
	}
	for (int i = 0; i < ft->nitems; i++)
	{
		ieff[i] = o->theta[ft->kd + i];
		if (ise)
			ise[i] = se[ft->kd + i];
	}
	if (rse->cov)
	{
		/* cov(w_i / s_i, w_j / s_j) */
		cov = palloc(sizeof(double) * (size_t) ft->d * (ft->d + 1) / 2);
		for (int i = 0; i < ft->d; i++)
			for (int j = 0; j <= i; j++)
				cov[(size_t) i * (i + 1) / 2 + j] = rse->cov[(size_t) i * (i + 1) / 2 + j] /
					((scales ? scales[i] : 1.0) * (scales ? scales[j] : 1.0));
	}
	memset(&mi, 0, sizeof(mi));
	mi.coef = coef;
	mi.cov = cov;
	mi.se_method = rse->method;
	mi.se_note = rse->note;
	mi.clusters = rse->clusters;
	mi.se = cse;
	mi.item_effect = ieff;
	mi.item_se = ise;
	mi.d = ft->d;
	mi.nitems = ft->nitems;
	mi.objective = ft->objective;
	mi.optimiser = ft->k <= RW_NEWTON_MAX ? RW_OPT_NEWTON : RW_OPT_LBFGS;
	mi.augment = ft->augment;
	mi.nspurious = nspurious;
	mi.spurious = spurious;
	mi.iterations = o->iterations;
	mi.passes = ft->in_memory ? 1 : ft->passes;
	mi.max_iter = args->max_iter;
	mi.position = ft->position;
	mi.converged = o->converged;
	mi.in_memory = ft->in_memory;
	mi.n = ft->in_memory ? ft->rows : o->sums.rows / copies;
	mi.wsum = ft->in_memory ? ft->wsum : o->sums.wsum / copies;
	mi.prior = ft->prior;
	mi.brier_weight = ft->lambda;
	mi.tol = args->tol;
	mi.loglik = o->sums.ll;
	mi.objective_value = o->sums.f;
	mi.brier = o->sums.br;
	mi.grad_norm = o->gmax;
	mi.gamma = ft->position ? o->theta[ft->d] : 0.0;
	mi.gamma_se = (se && ft->position) ? se[ft->d] : get_float8_nan();
	mi.scales = scales;
	mi.item = (const char *const *) ft->itemnames.name;
	old = MemoryContextSwitchTo(cxt);
	result = rw_model_build(&mi);
	MemoryContextSwitchTo(old);
	return result;
}

/*
 * reward_fit(query text, position_effect boolean, prior float8,
 *			  objective text, brier_weight float8, augment text,
 *			  spurious int[], max_iter int, tol float8,
 *			  standardize boolean) -> reward_model
 */
PG_FUNCTION_INFO_V1(reward_fit);
Datum
reward_fit(PG_FUNCTION_ARGS)
{
	RwFit		ft;
	RwArgs		args;
	RwCols		cols;
	RwOpt		o;
	char	   *sql;
	double	   *scales = NULL;
	RwSe		se;
	int32	   *spurious;
	int			nspurious;
	struct varlena *result;
	MemoryContext fitcxt,
				callcxt = CurrentMemoryContext;

	memset(&ft, 0, sizeof(ft));
	rw_parse_args(fcinfo, &ft, &args);

	fitcxt = AllocSetContextCreate(CurrentMemoryContext, "reward_fit",
								   ALLOCSET_DEFAULT_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(fitcxt);

	rw_describe(args.query, &cols);
	sql = rw_columns_sql(args.query, &cols, false);
	ft.d = rw_feature_count(sql, &cols);
	MemoryContextSwitchTo(fitcxt);
	spurious = rw_parse_spurious(&ft, args.spurious, &nspurious);

	ft.kd = ft.d + (ft.position ? 1 : 0);
	ft.in_memory = rw_materialise(&ft, sql, &cols, fcinfo);
	if (ft.kd == 0 && ft.nitems == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("the query returned no comparisons")));
	if (!ft.in_memory)
		rw_prepare_passes(&ft, &args, &cols, sql, fcinfo);
	ft.k = ft.kd + ft.nitems;
	ft.zbuf = palloc(sizeof(double) * 2 * (ft.d + 1));
	if (args.standardize && ft.in_memory)
		scales = rw_standardise(&ft);

	if (ft.k <= RW_NEWTON_MAX)
		rw_newton(&ft, args.max_iter, args.tol, &o);
	else
		rw_lbfgs(&ft, args.max_iter, args.tol, &o);
	rw_check_divergence(&ft, &o.sums);
	if (!o.converged)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("reward_fit did not converge in %d iterations", o.iterations),
				 errhint("Raise max_iter or tol; reward_info() reports converged = false.")));
	rw_standard_errors(&ft, &o, &se);

	result = rw_build_result(&ft, &args, &o, &se, scales, spurious, nspurious,
							 callcxt);
	MemoryContextSwitchTo(callcxt);
	SPI_finish();
	MemoryContextDelete(fitcxt);
	PG_RETURN_POINTER(result);
}
