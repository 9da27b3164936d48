/*-------------------------------------------------------------------------
 *
 * calib_boot.c
 *	  The calibration_bootstrap_state type and its functions: text and
 *	  binary I/O, the transition and combine functions of
 *	  calibration_bootstrap and calibration_bootstrap_merge, and the
 *	  readers (calibration_ci, calibration_ci_diff, calibration_replicates,
 *	  calibration_bootstrap_estimate, and calibration_svg of a bootstrap
 *	  state).  The state and the weight generator are described in boot.h,
 *	  the method in doc/uncertainty.md.
 *
 * Text form (version 1; pc_json.h), keys in this order:
 *
 *	{"version": 1, "nbins": B, "replicates": R, "seed": S, "w": W,
 *	 "brier": .., "brier_comp": .., "logloss": .., "logloss_comp": ..,
 *	 "bins": [nbins x 6 sums], "reps": [nbins x R x 8 sums]}
 *
 * where an infinite log-loss sum is "Infinity".  Binary form: int16 version, int16 flags,
 * int32 nbins, int32 replicates, int64 seed, then the same numbers as
 * float8 in the same order.  Both inputs check everything boot_check()
 * knows before the value is used.
 *
 * The transition is non-strict: a row with any NULL argument (a NULL
 * cluster key included) is skipped, in the estimate as in the
 * replicates.  Per row it updates the estimate exactly as calibration_agg
 * does, derives the row's weight in each replicate from its key (cached
 * in fn_extra while consecutive rows share a key: the weights depend on
 * nothing else) and adds the row to its bin's B records with the rep_add
 * kernel.  Nothing is allocated per row.
 *
 *-------------------------------------------------------------------------
 */
#include "calib_glue.h"
#include "calib_smooth.h"
#include "boot.h"
#include "pc_json.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "kernels.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "utils/builtins.h"
#include "utils/float.h"

#define TYPNAME "calibration_bootstrap_state"

StaticAssertDecl(BOOT_REC == PC_REP_REC, "record length of rep_add");
StaticAssertDecl(sizeof(BootState) % 8 == 0, "estimate alignment");

#define PG_GETARG_BOOT_P(n) ((BootState *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))


/* ---------- allocation and validation ---------- */

static void
check_shape(int nbins, int replicates)
{
	calib_check_nbins(nbins);
	pc_check_replicates(replicates);
	if ((int64) nbins * replicates > BOOT_MAX_CELLS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a bootstrap state of %d bins and %d replicates is too large",
						nbins, replicates),
				 errdetail("nbins times replicates must be at most %d (a state of %d bytes per bin and replicate).",
						   BOOT_MAX_CELLS, (int) (BOOT_REC * sizeof(double)))));
}

static BootState *
boot_alloc(int nbins, int replicates, int64 seed)
{
	Size		size;
	BootState  *s;

	check_shape(nbins, replicates);
	size = BOOT_SIZE(nbins, replicates);
	s = (BootState *) palloc(size);
	SET_VARSIZE(s, size);
	boot_init(s, nbins, replicates, seed);
	SET_VARSIZE(boot_est(s), CALIB_SIZE(nbins));
	return s;
}

static void
boot_validate(BootState *s)
{
	CalibProblem pb;
	CalibState *work = calib_alloc(s->nbins, 0, CALIB_F_LOGLOSS);

	if (!boot_check(s, PREFCAL_MAX_BINS, work, &pb))
		ereport(ERROR,
				(errcode(pb.code == CALIB_OUT_OF_RANGE ?
						 ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE :
						 ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s: %s", TYPNAME, pb.msg)));
	pfree(work);
}

static void
sum_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("calibration bootstrap sums are out of range"),
			 errdetail("The total weight or the weighted log loss exceeds 5.6e306, beyond which a replicate (weights up to 17) could overflow."),
			 errhint("Scale the weights down.")));
}

/* the estimate's totals leave room for every replicate */
static inline bool
est_in_range(const CalibState *e)
{
	return e->w <= BOOT_MAX_TOTAL &&
		(e->logloss <= BOOT_MAX_TOTAL || isinf(e->logloss));
}

/* ---------- text I/O ---------- */

/*
 * calibration_bootstrap_state_in(cstring)
 */
PG_FUNCTION_INFO_V1(calibration_bootstrap_state_in);
Datum
calibration_bootstrap_state_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	PcJson		lx;
	int			nbins,
				replicates;
	int64		seed;
	BootState  *s;
	CalibState *e;

	pc_json_init(&lx, input, TYPNAME);
	pc_json_begin(&lx, BOOT_VERSION);
	nbins = pc_json_key_int4(&lx, "nbins", PG_INT32_MIN, PG_INT32_MAX);
	replicates = pc_json_key_int4(&lx, "replicates", PG_INT32_MIN, PG_INT32_MAX);
	seed = pc_json_key_int8(&lx, "seed");
	s = boot_alloc(nbins, replicates, seed);
	e = boot_est(s);
	e->w = pc_json_key_float8(&lx, "w", PC_JSON_FINITE);
	e->brier = pc_json_key_float8(&lx, "brier", PC_JSON_FINITE);
	e->brier_c = pc_json_key_float8(&lx, "brier_comp", PC_JSON_FINITE);
	e->logloss = pc_json_key_float8(&lx, "logloss", PC_JSON_NONFINITE);
	e->logloss_c = pc_json_key_float8(&lx, "logloss_comp", PC_JSON_FINITE);
	pc_json_key(&lx, "bins");
	pc_json_float8_array(&lx, (double *) e->bins,
						 (Size) nbins * CALIB_BIN_FIELDS, PC_JSON_FINITE);
	pc_json_key(&lx, "reps");
	pc_json_float8_array(&lx, boot_reps(s),
						 (Size) nbins * replicates * BOOT_REC,
						 PC_JSON_NONFINITE);
	pc_json_end(&lx);
	boot_validate(s);
	PG_RETURN_POINTER(s);
}

/*
 * calibration_bootstrap_state_out(calibration_bootstrap_state)
 */
PG_FUNCTION_INFO_V1(calibration_bootstrap_state_out);
Datum
calibration_bootstrap_state_out(PG_FUNCTION_ARGS)
{
	BootState  *s = PG_GETARG_BOOT_P(0);
	CalibState *e = boot_est(s);
	StringInfoData buf;

	initStringInfo(&buf);
	pc_jw_begin(&buf, s->version);
	pc_jw_key_int8(&buf, "nbins", s->nbins);
	pc_jw_key_int8(&buf, "replicates", s->replicates);
	pc_jw_key_int8(&buf, "seed", s->seed);
	pc_jw_key_float8(&buf, "w", e->w);
	pc_jw_key_float8(&buf, "brier", e->brier);
	pc_jw_key_float8(&buf, "brier_comp", e->brier_c);
	pc_jw_key_float8(&buf, "logloss", e->logloss);
	pc_jw_key_float8(&buf, "logloss_comp", e->logloss_c);
	pc_jw_key(&buf, "bins");
	pc_jw_float8_array(&buf, (const double *) e->bins,
					   (Size) s->nbins * CALIB_BIN_FIELDS);
	pc_jw_key(&buf, "reps");
	pc_jw_float8_array(&buf, boot_reps(s),
					   (Size) s->nbins * s->replicates * BOOT_REC);
	pc_jw_end(&buf);
	PG_RETURN_CSTRING(buf.data);
}

/* ---------- binary I/O ---------- */

PG_FUNCTION_INFO_V1(calibration_bootstrap_state_recv);
Datum
calibration_bootstrap_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version,
				flags,
				nbins,
				replicates;
	int64		seed;
	BootState  *s;
	CalibState *e;
	double	   *f;
	Size		n;

	if (buf->len - buf->cursor < 20)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary %s: too short", TYPNAME)));
	version = (int16) pq_getmsgint(buf, 2);
	flags = (uint16) pq_getmsgint(buf, 2);
	nbins = (int32) pq_getmsgint(buf, 4);
	replicates = (int32) pq_getmsgint(buf, 4);
	seed = pq_getmsgint64(buf);
	if (version != BOOT_VERSION || flags != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary %s: unsupported version %d or flags %d",
						TYPNAME, version, flags)));
	if (nbins < 1 || nbins > PREFCAL_MAX_BINS ||
		replicates < 1 || replicates > BOOT_MAX_REPLICATES ||
		(int64) nbins * replicates > BOOT_MAX_CELLS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary %s: %d bins and %d replicates are out of range",
						TYPNAME, nbins, replicates)));
	n = (Size) nbins * replicates * BOOT_REC;
	if ((Size) (buf->len - buf->cursor) !=
		(5 + (Size) nbins * CALIB_BIN_FIELDS + n) * sizeof(float8))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid binary %s: %d bytes for %d bins and %d replicates",
						TYPNAME, buf->len - buf->cursor, nbins, replicates)));
	s = boot_alloc(nbins, replicates, seed);
	e = boot_est(s);
	e->w = pq_getmsgfloat8(buf);
	e->brier = pq_getmsgfloat8(buf);
	e->brier_c = pq_getmsgfloat8(buf);
	e->logloss = pq_getmsgfloat8(buf);
	e->logloss_c = pq_getmsgfloat8(buf);
	f = (double *) e->bins;
	for (int i = 0; i < nbins * CALIB_BIN_FIELDS; i++)
		f[i] = pq_getmsgfloat8(buf);
	f = boot_reps(s);
	for (Size i = 0; i < n; i++)
		f[i] = pq_getmsgfloat8(buf);
	boot_validate(s);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(calibration_bootstrap_state_send);
Datum
calibration_bootstrap_state_send(PG_FUNCTION_ARGS)
{
	BootState  *s = PG_GETARG_BOOT_P(0);
	CalibState *e = boot_est(s);
	StringInfoData buf;
	const double *f = (const double *) e->bins;
	const double *r = boot_reps(s);
	Size		nr = (Size) s->nbins * s->replicates * BOOT_REC;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, (uint16) s->version);
	pq_sendint16(&buf, s->flags);
	pq_sendint32(&buf, s->nbins);
	pq_sendint32(&buf, s->replicates);
	pq_sendint64(&buf, s->seed);
	pq_sendfloat8(&buf, e->w);
	pq_sendfloat8(&buf, e->brier);
	pq_sendfloat8(&buf, e->brier_c);
	pq_sendfloat8(&buf, e->logloss);
	pq_sendfloat8(&buf, e->logloss_c);
	for (int i = 0; i < s->nbins * CALIB_BIN_FIELDS; i++)
		pq_sendfloat8(&buf, f[i]);
	for (Size i = 0; i < nr; i++)
		pq_sendfloat8(&buf, r[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/*
 * bootstrap_weight(key text, replicate int, seed bigint) -> int: the
 * weight every row of cluster key gets in replicate (1-based) under seed.
 */
PG_FUNCTION_INFO_V1(bootstrap_weight);
Datum
bootstrap_weight(PG_FUNCTION_ARGS)
{
	text	   *key = PG_GETARG_TEXT_PP(0);
	int32		r = PG_GETARG_INT32(1);
	int64		seed = PG_GETARG_INT64(2);

	if (r < 1 || r > BOOT_MAX_REPLICATES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("replicate %d is out of range", r),
				 errdetail("Replicates are numbered 1 to %d.",
						   BOOT_MAX_REPLICATES)));
	PG_RETURN_INT32(boot_weight(boot_key_hash(VARDATA_ANY(key),
											  VARSIZE_ANY_EXHDR(key), seed),
								r - 1));
}

/* ---------- transition and combine ---------- */

/* the weights of the last key seen through one call site */
typedef struct BootCache
{
	int			nrep;			/* room in k */
	bool		valid;
	uint64		kh;
	int64		seed;
	double		k[FLEXIBLE_ARRAY_MEMBER];
} BootCache;

static pg_noinline void
param_changed(const char *what, int64 have, int64 got)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s changed within a group from " INT64_FORMAT " to " INT64_FORMAT,
					what, have, got),
			 errhint("Pass the same nbins, replicates and seed on every row of a group.")));
}

/*
 * (state, p, y, nbins, cluster [, replicates [, seed [, weight]]])
 */
static pg_attribute_always_inline Datum
boot_trans(FunctionCallInfo fcinfo, bool soft)
{
	int			nargs = PG_NARGS();
	int			nbins,
				nrep = BOOT_DEFAULT_REPLICATES;
	int64		seed = 0;
	double		p,
				y,
				w = 1.0,
				d,
				t,
				v[BOOT_REC];
	text	   *key;
	uint64		kh;
	BootState  *s;
	BootCache  *c;
	int			j;
	bool		inf_ll = false;

	for (int i = 1; i < nargs; i++)
		if (PG_ARGISNULL(i))
		{
			if (PG_ARGISNULL(0))
				PG_RETURN_NULL();
			PG_RETURN_DATUM(PG_GETARG_DATUM(0));
		}

	calib_row_py(fcinfo, soft, &p, &y);
	nbins = PG_GETARG_INT32(3);
	key = PG_GETARG_TEXT_PP(4);
	if (nargs > 5)
		nrep = PG_GETARG_INT32(5);
	if (nargs > 6)
		seed = PG_GETARG_INT64(6);
	if (nargs > 7)
		w = calib_row_weight(fcinfo, 7);

	if (unlikely(!IN_AGG(fcinfo)))
		(void) pc_agg_context(fcinfo, "calibration_bootstrap");

	if (unlikely(PG_ARGISNULL(0)))
		s = boot_alloc(nbins, nrep, seed);
	else
	{
		s = (BootState *) PG_GETARG_POINTER(0);
		if (unlikely(s->nbins != nbins))
			param_changed("nbins", s->nbins, nbins);
		if (unlikely(s->replicates != nrep))
			param_changed("replicates", s->replicates, nrep);
		if (unlikely(s->seed != seed))
			param_changed("seed", s->seed, seed);
	}

	/* the estimate, exactly as calibration_agg */
	if (unlikely(!calib_add(boot_est(s), p, y, w, true, true, true) ||
				 !est_in_range(boot_est(s))))
		sum_overflow();

	/* the row's weight in each replicate */
	c = (BootCache *) fcinfo->flinfo->fn_extra;
	if (unlikely(c == NULL || c->nrep < nrep))
	{
		c = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt,
							   offsetof(BootCache, k) + sizeof(double) * nrep);
		c->nrep = nrep;
		c->valid = false;
		fcinfo->flinfo->fn_extra = c;
	}
	kh = boot_key_hash(VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key), seed);
	if (!c->valid || c->kh != kh || c->seed != seed)
	{
		pc_kern->poisson1(kh, c->nrep, c->k);
		c->kh = kh;
		c->seed = seed;
		c->valid = true;
	}

	/* the row's record, as calib_add forms its sums */
	d = p - y;
	v[BOOT_R_W] = w;
	v[BOOT_R_WP] = w * p;
	v[BOOT_R_WY] = w * y;
	v[BOOT_R_WPP] = v[BOOT_R_WP] * p;
	v[BOOT_R_WPY] = v[BOOT_R_WP] * y;
	v[BOOT_R_WYY] = v[BOOT_R_WY] * y;
	v[BOOT_R_BRIER] = w * d * d;
	v[BOOT_R_LOGLOSS] = 0.0;
	if (w > 0.0)
	{
		t = calib_logloss_term(p, y);
		if (isinf(t))
			inf_ll = true;
		else
			v[BOOT_R_LOGLOSS] = w * t;
	}
	j = calib_bin_index(p, nbins);
	{
		double	   *acc = boot_reps(s) + (Size) j * nrep * BOOT_REC;

		pc_kern->rep_add(acc, c->k, nrep, v);
		if (unlikely(inf_ll))
			for (int b = 0; b < nrep; b++)
				if (c->k[b] > 0.0)
					acc[(Size) b * BOOT_REC + BOOT_R_LOGLOSS] = get_float8_infinity();
	}
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(calibration_bootstrap_trans_bool);
Datum
calibration_bootstrap_trans_bool(PG_FUNCTION_ARGS)
{
	return boot_trans(fcinfo, false);
}

PG_FUNCTION_INFO_V1(calibration_bootstrap_trans_soft);
Datum
calibration_bootstrap_trans_soft(PG_FUNCTION_ARGS)
{
	return boot_trans(fcinfo, true);
}

/* the two states were made with the same nbins, replicates and seed */
static void
check_paired(const BootState *a, const BootState *b, const char *what)
{
	if (a->nbins != b->nbins || a->replicates != b->replicates ||
		a->seed != b->seed)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot %s bootstrap states made with different bins, replicates or seeds", what),
				 errdetail("One state has nbins %d, replicates %d, seed " INT64_FORMAT "; the other nbins %d, replicates %d, seed " INT64_FORMAT ".",
						   (int) a->nbins, (int) a->replicates, (int64) a->seed,
						   (int) b->nbins, (int) b->replicates, (int64) b->seed)));
}

/*
 * calibration_bootstrap_state_combine(state, state): the combine function
 * of calibration_bootstrap and the transition of
 * calibration_bootstrap_merge (calib_combine_args: NULL is the identity,
 * later states are added into the first in place).
 */
PG_FUNCTION_INFO_V1(calibration_bootstrap_state_combine);
Datum
calibration_bootstrap_state_combine(PG_FUNCTION_ARGS)
{
	BootState  *dst;
	BootState  *src;
	Datum		one;

	if (!calib_combine_args(fcinfo, "calibration_bootstrap_state_merge", &one))
		PG_RETURN_DATUM(one);
	dst = (BootState *) PG_GETARG_POINTER(0);
	src = PG_GETARG_BOOT_P(1);
	check_paired(dst, src, "merge");
	if (!calib_merge(boot_est(dst), boot_est(src), pc_kern->add) ||
		!est_in_range(boot_est(dst)))
		sum_overflow();
	pc_kern->add(boot_reps(dst), boot_reps(src),
				 dst->nbins * dst->replicates * BOOT_REC);
	PG_RETURN_POINTER(dst);
}

/* ---------- readers ---------- */

/*
 * calibration_bootstrap_estimate(state) -> calibration_state: the state
 * calibration_agg builds from the same rows (p, y, nbins [, weight]).
 */
PG_FUNCTION_INFO_V1(calibration_bootstrap_estimate);
Datum
calibration_bootstrap_estimate(PG_FUNCTION_ARGS)
{
	BootState  *s = PG_GETARG_BOOT_P(0);
	CalibState *e = boot_est(s);
	CalibState *r = palloc(CALIB_SIZE(s->nbins));

	memcpy(r, e, CALIB_SIZE(s->nbins));
	SET_VARSIZE(r, CALIB_SIZE(s->nbins));
	PG_RETURN_POINTER(r);
}

typedef struct MetricWork
{
	int			metric;
	CalibState *rep;			/* one replicate */
	SmeceBin   *bins;
	SmeceImage *images;
} MetricWork;

static int
metric_arg(text *t)
{
	char	   *name = text_to_cstring(t);
	int			m = boot_metric_from_name(name);

	if (m < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown calibration metric \"%s\"", name),
				 errhint("Use one of ece, mce, brier, log_loss, smooth_ece, reliability, resolution.")));
	pfree(name);
	return m;
}

static void
metric_work_init(MetricWork *mw, int metric, int nbins)
{
	mw->metric = metric;
	mw->rep = calib_alloc(nbins, 0, CALIB_F_LOGLOSS);
	mw->bins = NULL;
	mw->images = NULL;
	if (metric == BOOT_M_SMOOTH_ECE)
	{
		mw->bins = palloc(sizeof(SmeceBin) * nbins);
		mw->images = palloc(sizeof(SmeceImage) *
							Max(smece_images_capacity(nbins, SMECE_SIGMA_MAX), 1));
	}
}

/* the metric of one state, with calibration_agg's accessors' maths; NaN at weight 0 */
static double
metric_of(const CalibState *s, MetricWork *mw)
{
	CalibDecomposition d;
	SmeceResult res;
	int			nb;

	if (!(s->w > 0.0))
		return get_float8_nan();
	switch (mw->metric)
	{
		case BOOT_M_ECE:
			return calib_ece(s);
		case BOOT_M_MCE:
			return calib_mce(s);
		case BOOT_M_BRIER:
			return calib_brier(s);
		case BOOT_M_LOGLOSS:
			return calib_logloss(s);
		case BOOT_M_SMOOTH_ECE:
			nb = smece_bins(s, mw->bins);
			smece_fixed_point(mw->bins, nb, mw->images, &res, pc_interrupt);
			return res.value;
		case BOOT_M_RELIABILITY:
			calib_decompose(s, &d);
			return d.reliability;
		case BOOT_M_RESOLUTION:
			calib_decompose(s, &d);
			return d.resolution;
	}
	elog(ERROR, "unknown metric %d", mw->metric);
	return 0.0;
}

static double
replicate_metric(const BootState *s, int b, MetricWork *mw)
{
	boot_replicate(s, b, mw->rep);
	return metric_of(mw->rep, mw);
}

static double
level_arg(FunctionCallInfo fcinfo, int argno)
{
	return pc_check_level(PG_GETARG_FLOAT8(argno));
}

/*
 * (estimate, lower, upper, se) from the estimate and the replicate values
 * (NaN ones, replicates of total weight 0, left out): percentile interval
 * at the level, se the standard deviation of the replicates (n - 1).
 * Fewer than two usable replicates give NULL bounds and se.
 */
static Datum
ci_result(FunctionCallInfo fcinfo, double est, double *vals, int n,
		  double level)
{
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	int			m = 0;
	double		lo,
				hi,
				se;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);
	for (int i = 0; i < n; i++)
		if (!isnan(vals[i]))
			vals[m++] = vals[i];
	values[0] = Float8GetDatum(est);
	nulls[0] = isnan(est);
	if (boot_interval(vals, m, level, &lo, &hi, &se))
	{
		values[1] = Float8GetDatum(lo);
		values[2] = Float8GetDatum(hi);
		values[3] = Float8GetDatum(se);
	}
	else
		nulls[1] = nulls[2] = nulls[3] = true;
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * calibration_ci(state, metric text, level float8) -> (estimate, lower,
 * upper, se)
 */
PG_FUNCTION_INFO_V1(calibration_ci);
Datum
calibration_ci(PG_FUNCTION_ARGS)
{
	BootState  *s = PG_GETARG_BOOT_P(0);
	int			metric = metric_arg(PG_GETARG_TEXT_PP(1));
	double		level = level_arg(fcinfo, 2);
	MetricWork	mw;
	double	   *vals = palloc(sizeof(double) * s->replicates);
	double		est;

	metric_work_init(&mw, metric, s->nbins);
	est = metric_of(boot_est(s), &mw);
	for (int b = 0; b < s->replicates; b++)
	{
		CHECK_FOR_INTERRUPTS();
		vals[b] = replicate_metric(s, b, &mw);
	}
	return ci_result(fcinfo, est, vals, s->replicates, level);
}

/*
 * calibration_ci_diff(a, b, metric text, level float8) -> (estimate,
 * lower, upper, se) of metric(a) - metric(b), replicate by replicate.
 */
PG_FUNCTION_INFO_V1(calibration_ci_diff);
Datum
calibration_ci_diff(PG_FUNCTION_ARGS)
{
	BootState  *a = PG_GETARG_BOOT_P(0);
	BootState  *b = PG_GETARG_BOOT_P(1);
	int			metric = metric_arg(PG_GETARG_TEXT_PP(2));
	double		level = level_arg(fcinfo, 3);
	MetricWork	mw;
	double	   *vals;
	double		est;

	check_paired(a, b, "pair");
	vals = palloc(sizeof(double) * a->replicates);
	metric_work_init(&mw, metric, a->nbins);
	est = metric_of(boot_est(a), &mw) - metric_of(boot_est(b), &mw);
	for (int r = 0; r < a->replicates; r++)
	{
		double		va;

		CHECK_FOR_INTERRUPTS();
		va = replicate_metric(a, r, &mw);
		vals[r] = va - replicate_metric(b, r, &mw);
	}
	return ci_result(fcinfo, est, vals, a->replicates, level);
}

/*
 * calibration_replicates(state, metric text) -> setof (replicate int,
 * value float8): the metric of every replicate (NULL where the replicate
 * has total weight 0), replicate 1-based.
 */
PG_FUNCTION_INFO_V1(calibration_replicates);
Datum
calibration_replicates(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	BootState  *s;
	MetricWork	mw;

	InitMaterializedSRF(fcinfo, 0);
	s = PG_GETARG_BOOT_P(0);
	metric_work_init(&mw, metric_arg(PG_GETARG_TEXT_PP(1)), s->nbins);
	for (int b = 0; b < s->replicates; b++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};
		double		v;

		CHECK_FOR_INTERRUPTS();
		v = replicate_metric(s, b, &mw);
		values[0] = Int32GetDatum(b + 1);
		values[1] = Float8GetDatum(v);
		nulls[1] = isnan(v);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * calibration_svg(calibration_bootstrap_state, title text, level float8)
 * -> text: the reliability diagram of the estimate, with each non-empty
 * bin's percentile band of mean y over the replicates (where the bin is
 * not empty) and the ECE interval in the caption.  Not STRICT: a NULL
 * title is allowed; a NULL state gives NULL.
 */
PG_FUNCTION_INFO_V1(calibration_svg_bootstrap);
Datum
calibration_svg_bootstrap(PG_FUNCTION_ARGS)
{
	BootState  *s;
	CalibState *e;
	char	   *title = NULL;
	double		level;
	int			nbins,
				nrep;
	double	   *vals,
			   *lo,
			   *hi;
	const double *reps;
	MetricWork	mw;
	CalibSvgBands bands;
	int			m;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = PG_GETARG_BOOT_P(0);
	if (!PG_ARGISNULL(1))
		title = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("confidence level must not be NULL")));
	level = level_arg(fcinfo, 2);
	e = boot_est(s);
	nbins = s->nbins;
	nrep = s->replicates;
	reps = boot_reps(s);
	vals = palloc(sizeof(double) * nrep);
	lo = palloc(sizeof(double) * nbins);
	hi = palloc(sizeof(double) * nbins);
	for (int j = 0; j < nbins; j++)
	{
		CHECK_FOR_INTERRUPTS();
		m = 0;
		for (int b = 0; b < nrep; b++)
		{
			const double *r = reps + ((Size) j * nrep + b) * BOOT_REC;

			if (r[BOOT_R_W] > 0.0)
				vals[m++] = r[BOOT_R_WY] / r[BOOT_R_W];
		}
		lo[j] = hi[j] = get_float8_nan();
		if (m >= 2)
			boot_percentiles(vals, m, level, &lo[j], &hi[j]);
	}
	metric_work_init(&mw, BOOT_M_ECE, nbins);
	m = 0;
	for (int b = 0; b < nrep; b++)
	{
		double		v = replicate_metric(s, b, &mw);

		if (!isnan(v))
			vals[m++] = v;
	}
	bands.lo = lo;
	bands.hi = hi;
	bands.ece_lo = bands.ece_hi = get_float8_nan();
	if (m >= 2)
		boot_percentiles(vals, m, level, &bands.ece_lo, &bands.ece_hi);
	bands.level = level;
	bands.replicates = nrep;
	PG_RETURN_TEXT_P(cstring_to_text(calib_svg_render(e, title, &bands)));
}
