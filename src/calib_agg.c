/*-------------------------------------------------------------------------
 *
 * calib_agg.c
 *	  Transition and combine functions of the calibration aggregates:
 *	  calibration_agg, ece_agg, brier_score, log_loss, smooth_ece_agg
 *	  and calibration_merge.  Their final functions are the accessors in
 *	  calib_access.c.
 *
 * Every aggregate keeps a calibration_state (calib.h).  The transition
 * functions are non-strict: on the first row that has all its arguments
 * they build the state (in the per-call context; nodeAgg copies it into
 * the aggregate context once, because the pointer changed), and on every
 * later row they update that state in place and return the same pointer,
 * so no row allocates.  Rows with a NULL required argument are skipped;
 * a group without any usable row keeps a NULL state, which every final
 * function maps to NULL.  The (p, y) forms, without weight or nbins, take
 * those later rows through a fast path that only adds (fast_row); every
 * other row goes to calib_trans.
 *
 * What each aggregate tracks (the mode):
 *	calibration_agg  bins and log loss
 *	ece_agg			 each bin's weight and sums of p and y only: no second
 *					 moments, no Brier sum, no logarithm (calibration_ece
 *					 reads nothing else).  The state says so with
 *					 CALIB_F_NO_MOMENTS, set when it is made, so that it
 *					 passes the type's own input checks when Citus ships
 *					 it between nodes as text, and the accessors that
 *					 need the missing sums refuse it
 *	brier_score		 totals only
 *	log_loss		 totals and log loss
 *	smooth_ece_agg	 bins only, SMECE_AGG_BINS of them
 *
 *-------------------------------------------------------------------------
 */
#include "calib_glue.h"
#include "calib_smooth.h"

#include <float.h>

#include "catalog/pg_type.h"
#include "kernels.h"
#include "nodes/execnodes.h"
#include "utils/array.h"

typedef enum CalibMode
{
	MODE_FULL,
	MODE_ECE,
	MODE_BRIER,
	MODE_LOGLOSS,
	MODE_SMOOTH
} CalibMode;


#define MODE_BINNED(m)	((m) == MODE_FULL || (m) == MODE_ECE || (m) == MODE_SMOOTH)
#define MODE_LOGS(m)	((m) == MODE_FULL || (m) == MODE_LOGLOSS)

static const char *const mode_names[] = {
	"calibration_state_agg", "ece_agg", "brier_score", "log_loss", "smooth_ece_agg"
};

/* a weight that is neither 0 nor a normal positive double */
void
calib_bad_weight(double w)
{
	if (isnan(w) || w < 0.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weight %g is invalid", w),
				 errdetail("Weights must be finite and non-negative.")));
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("weight %g is out of range", w),
			 errdetail("Weights must be 0 or between 2.2250738585072014e-308 (the smallest normal double) and 1.8e308.")));
}

/* a sum of weights (or of weighted log loss) beyond the double range */
static void
sum_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("calibration sums are out of range"),
			 errdetail("The total weight or the weighted log loss exceeds the largest double (1.8e308)."),
			 errhint("Scale the weights down.")));
}

static void
nbins_changed(int have, int got)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("nbins changed within a group from %d to %d", have, got),
			 errhint("Pass the same number of bins on every row of a group.")));
}

/* the bins of a mode's state when the call gives no nbins */
static inline int
default_nbins(CalibMode mode)
{
	return mode == MODE_SMOOTH ? SMECE_AGG_BINS :
		MODE_BINNED(mode) ? CALIB_DEFAULT_BINS : 0;
}

/* the flags of a new state of the mode: what it tracks */
static inline int
mode_flags(CalibMode mode)
{
	return (MODE_LOGS(mode) ? CALIB_F_LOGLOSS : 0) |
		(mode == MODE_ECE ? CALIB_F_NO_MOMENTS : 0);
}

/*
 * One row (p, y [, nbins] [, weight]) into the state.  Arguments:
 * binned modes (state, p, y [, nbins [, weight]]); totals-only modes
 * (state, p, y [, weight]).  Inlined into each entry point so that the
 * mode and the target type are constants.
 */
static pg_attribute_always_inline Datum
calib_trans(FunctionCallInfo fcinfo, CalibMode mode, bool soft)
{
	int			nargs = PG_NARGS();
	int			barg = -1,
				warg = -1;
	int			nbins = default_nbins(mode);
	double		p,
				y,
				w = 1.0;
	CalibState *s;

	if (MODE_BINNED(mode))
	{
		if (nargs >= 4)
			barg = 3;
		if (nargs >= 5)
			warg = 4;
	}
	else if (nargs >= 4)
		warg = 3;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) ||
		(barg > 0 && PG_ARGISNULL(barg)) ||
		(warg > 0 && PG_ARGISNULL(warg)))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}

	calib_row_py(fcinfo, soft, &p, &y);
	if (barg > 0)
		nbins = PG_GETARG_INT32(barg);
	if (warg > 0)
		w = calib_row_weight(fcinfo, warg);

	/* refuse to scribble on an argument outside an aggregate */
	if (unlikely(!IN_AGG(fcinfo)))
		(void) pc_agg_context(fcinfo, mode_names[mode]);

	if (unlikely(PG_ARGISNULL(0)))
	{
		if (MODE_BINNED(mode))
			calib_check_nbins(nbins);
		s = calib_alloc(nbins, 0, mode_flags(mode));
	}
	else
	{
		s = (CalibState *) PG_GETARG_POINTER(0);
		if (MODE_BINNED(mode) && unlikely(s->nbins != nbins))
			nbins_changed(s->nbins, nbins);
	}

	if (unlikely(!calib_add(s, p, y, w, MODE_BINNED(mode), MODE_LOGS(mode),
							mode != MODE_ECE)))
		sum_overflow();
	PG_RETURN_POINTER(s);
}

/*
 * The checks on a K-class probability vector; returns its length.
 */
static int
check_probs(ArrayType *a, int label)
{
	int			k;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("probability array must be one-dimensional"),
				 errdetail("The array has %d dimensions.", ARR_NDIM(a))));
	k = ARR_NDIM(a) == 1 ? ARR_DIMS(a)[0] : 0;
	if (k < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("probability array has %d elements", k),
				 errdetail("A K-class probability vector needs at least 2 elements.")));
	if (array_contains_nulls(a))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("probability array must not contain nulls")));
	if (label < 0 || label >= k)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("label %d is out of range", label),
				 errdetail("Labels are 0-based class indexes: 0 to %d for %d classes.",
						   k - 1, k)));
	return k;
}

/*
 * A hint for the next row of a sequential scan: heap pages are filled from
 * their end, so the tuple a scan reads next usually lies just below the one
 * whose array (of size bytes) starts at p.  Prefetching that many bytes
 * below p lets the next row's probabilities arrive while this row is
 * summed: with K = 128 (1 kB a row, read from shared buffers) the kernel
 * otherwise waits on memory, and SIMD and scalar kernels ran at the same
 * speed end to end.  Only a hint: a prefetch never faults, and where the
 * guess is wrong (other plans, the first row of a page) it costs a few
 * wasted line fetches.  At most 4 kB.
 */
static inline void
prefetch_next_row(const void *p, Size bytes)
{
#if defined(__GNUC__) || defined(__clang__)
	Size		n = Min(bytes, (Size) 4096) + 64;

	for (Size off = 64; off <= n; off += 64)
		__builtin_prefetch((const char *) p - off, 0, 1);
#endif
}

/* a kernel said some element is bad: find it and report it */
static void
bad_probs(const double *x, int k)
{
	for (int i = 0; i < k; i++)
		pc_check_probability(x[i], "probability");
	elog(ERROR, "probability kernel rejected a valid vector");
}

/*
 * One row (probs, label [, nbins]) into the state.  Binned modes work on
 * the top-label problem (confidence = max prob, ties to the lowest index;
 * target = argmax == label); MODE_BRIER sums the K-class Brier score
 * sum_k (p_k - [k = label])^2 = sum_k p_k^2 - 2 p_label + 1.
 */
static pg_attribute_always_inline Datum
calib_trans_probs(FunctionCallInfo fcinfo, CalibMode mode)
{
	ArrayType  *a;
	int			label,
				k,
				nbins = 0;
	const double *x;
	CalibState *s;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) ||
		(MODE_BINNED(mode) && PG_ARGISNULL(3)))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	a = PG_GETARG_ARRAYTYPE_P(1);
	label = PG_GETARG_INT32(2);
	if (MODE_BINNED(mode))
		nbins = PG_GETARG_INT32(3);
	k = check_probs(a, label);
	/* ARR_DATA_PTR, spelled out to keep -Wsign-compare quiet */
	x = (const double *) ((char *) a + (ARR_HASNULL(a) ? (Size) a->dataoffset :
										ARR_OVERHEAD_NONULLS(1)));
	prefetch_next_row(a, VARSIZE(a));

	if (unlikely(!IN_AGG(fcinfo)))
		(void) pc_agg_context(fcinfo, mode_names[mode]);

	if (unlikely(PG_ARGISNULL(0)))
	{
		if (MODE_BINNED(mode))
			calib_check_nbins(nbins);
		s = calib_alloc(nbins, k, mode_flags(mode));
	}
	else
	{
		s = (CalibState *) PG_GETARG_POINTER(0);
		if (MODE_BINNED(mode) && unlikely(s->nbins != nbins))
			nbins_changed(s->nbins, nbins);
		if (unlikely(s->nclasses != k))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("probability array has %d elements, earlier rows had %d",
							k, (int) s->nclasses),
					 errhint("Every row of a group must have the same number of classes.")));
	}

	if (MODE_BINNED(mode))
	{
		int			idx;
		double		conf;

		if (unlikely(!pc_kern->prob_argmax(x, k, &idx, &conf)))
			bad_probs(x, k);
		/* unit weights: no sum can overflow */
		(void) calib_add(s, conf, pc_label01(idx == label), 1.0, true,
						 MODE_LOGS(mode), mode != MODE_ECE);
	}
	else
	{
		double		ss,
					term;

		if (unlikely(!pc_kern->prob_sumsq(x, k, &ss)))
			bad_probs(x, k);
		term = ss - 2.0 * x[label] + 1.0;
		/* (1 - p_label)^2 + others >= 0; do not let rounding say otherwise */
		if (term < 0.0)
			term = 0.0;
		s->w += 1.0;
		calib_sum_add_finite(&s->brier, &s->brier_c, term);
	}
	PG_RETURN_POINTER(s);
}

/*
 * The common row of the (p, y) forms (no weight, no nbins): no NULL, p and
 * y in [0, 1], the state already made, inside an aggregate.  fast_row adds
 * it with calib_add and weight 1, exactly as calib_trans would (with unit
 * weights no sum can overflow: each log-loss term is at most 745 or
 * +Infinity, which is a result), and returns true; any other row, the
 * first of a group included, makes it return false before it touches the
 * state, and the entry point hands the row to calib_trans, which makes
 * every check and raises every error.  Kept apart because the fast path
 * then has no branch on the argument count or a weight, and for
 * brier_score and ece_agg calls nothing, so it needs no stack frame.
 */
static pg_attribute_always_inline bool
fast_row(FunctionCallInfo fcinfo, CalibMode mode, bool soft)
{
	double		p,
				y;
	CalibState *s;

	if (PG_NARGS() != 3 || PG_ARGISNULL(0) || PG_ARGISNULL(1) ||
		PG_ARGISNULL(2) || !IN_AGG(fcinfo))
		return false;
	p = PG_GETARG_FLOAT8(1);
	y = soft ? PG_GETARG_FLOAT8(2) : pc_label01(PG_GETARG_DATUM(2));
	if (!(p >= 0.0 && p <= 1.0) || (soft && !(y >= 0.0 && y <= 1.0)))
		return false;
	s = (CalibState *) PG_GETARG_POINTER(0);
	/* the (p, y) forms have the default bins; the check costs nothing */
	if (s->nbins != default_nbins(mode))
		return false;
	(void) calib_add(s, p, y, 1.0, MODE_BINNED(mode), MODE_LOGS(mode),
					 mode != MODE_ECE);
	return true;
}

/* the other rows, out of line so that the fast path stays small */
static pg_noinline Datum
trans_general(FunctionCallInfo fcinfo, CalibMode mode, bool soft)
{
	/* calib_trans specialised for each constant mode and target type */
#define GENERAL(m) \
	return soft ? calib_trans(fcinfo, (m), true) : calib_trans(fcinfo, (m), false)

	switch (mode)
	{
		case MODE_FULL:
			GENERAL(MODE_FULL);
		case MODE_ECE:
			GENERAL(MODE_ECE);
		case MODE_BRIER:
			GENERAL(MODE_BRIER);
		case MODE_LOGLOSS:
			GENERAL(MODE_LOGLOSS);
		case MODE_SMOOTH:
			GENERAL(MODE_SMOOTH);
	}
#undef GENERAL
	pg_unreachable();
}

/* the body of every (p, y [, ...]) entry point */
#define TRANS_ENTRY(mode, soft) \
	do { \
		if (likely(fast_row(fcinfo, (mode), (soft)))) \
			PG_RETURN_DATUM(PG_GETARG_DATUM(0)); \
		return trans_general(fcinfo, (mode), (soft)); \
	} while (0)

/* ---------- entry points ---------- */

/* calibration_agg(p, y bool [, nbins [, weight]]) transition */
PG_FUNCTION_INFO_V1(calibration_agg_trans_bool);
Datum
calibration_agg_trans_bool(PG_FUNCTION_ARGS)
{
	TRANS_ENTRY(MODE_FULL, false);
}

/* calibration_agg(p, y float8 [, nbins [, weight]]) transition */
PG_FUNCTION_INFO_V1(calibration_agg_trans_soft);
Datum
calibration_agg_trans_soft(PG_FUNCTION_ARGS)
{
	TRANS_ENTRY(MODE_FULL, true);
}

/* calibration_agg(probs, label, nbins) transition */
PG_FUNCTION_INFO_V1(calibration_agg_trans_probs);
Datum
calibration_agg_trans_probs(PG_FUNCTION_ARGS)
{
	return calib_trans_probs(fcinfo, MODE_FULL);
}

/* ece_agg(p, y bool [, nbins]) transition */
PG_FUNCTION_INFO_V1(ece_agg_trans_bool);
Datum
ece_agg_trans_bool(PG_FUNCTION_ARGS)
{
	TRANS_ENTRY(MODE_ECE, false);
}

/* ece_agg(p, y float8 [, nbins]) transition */
PG_FUNCTION_INFO_V1(ece_agg_trans_soft);
Datum
ece_agg_trans_soft(PG_FUNCTION_ARGS)
{
	TRANS_ENTRY(MODE_ECE, true);
}

/* ece_agg(probs, label, nbins) transition */
PG_FUNCTION_INFO_V1(ece_agg_trans_probs);
Datum
ece_agg_trans_probs(PG_FUNCTION_ARGS)
{
	return calib_trans_probs(fcinfo, MODE_ECE);
}

/* brier_score(p, y bool [, weight]) transition */
PG_FUNCTION_INFO_V1(brier_score_trans_bool);
Datum
brier_score_trans_bool(PG_FUNCTION_ARGS)
{
	TRANS_ENTRY(MODE_BRIER, false);
}

/* brier_score(p, y float8 [, weight]) transition */
PG_FUNCTION_INFO_V1(brier_score_trans_soft);
Datum
brier_score_trans_soft(PG_FUNCTION_ARGS)
{
	TRANS_ENTRY(MODE_BRIER, true);
}

/* brier_score(probs, label) transition */
PG_FUNCTION_INFO_V1(brier_score_trans_probs);
Datum
brier_score_trans_probs(PG_FUNCTION_ARGS)
{
	return calib_trans_probs(fcinfo, MODE_BRIER);
}

/* log_loss(p, y bool) transition */
PG_FUNCTION_INFO_V1(log_loss_trans_bool);
Datum
log_loss_trans_bool(PG_FUNCTION_ARGS)
{
	TRANS_ENTRY(MODE_LOGLOSS, false);
}

/* log_loss(p, y float8) transition */
PG_FUNCTION_INFO_V1(log_loss_trans_soft);
Datum
log_loss_trans_soft(PG_FUNCTION_ARGS)
{
	TRANS_ENTRY(MODE_LOGLOSS, true);
}

/* smooth_ece_agg(p, y bool) transition */
PG_FUNCTION_INFO_V1(smooth_ece_agg_trans_bool);
Datum
smooth_ece_agg_trans_bool(PG_FUNCTION_ARGS)
{
	TRANS_ENTRY(MODE_SMOOTH, false);
}

/* smooth_ece_agg(p, y float8) transition */
PG_FUNCTION_INFO_V1(smooth_ece_agg_trans_soft);
Datum
smooth_ece_agg_trans_soft(PG_FUNCTION_ARGS)
{
	TRANS_ENTRY(MODE_SMOOTH, true);
}

/*
 * The start of the combine functions whose states add in place
 * (calibration_state_combine, calibration_bootstrap_state_combine): the
 * aggregate-context check (what names the merge aggregate for the error)
 * and NULL as the identity.  False when a side is NULL: *result is then
 * the other side, or NULL when both are (PG_RETURN_DATUM returns it; the
 * call's isnull is set).  The first non-NULL state is returned as it is
 * (detoasted by the caller's next call): nodeAgg copies it into the
 * aggregate context, and later calls add into that copy in place.  True
 * when both are non-NULL: the caller adds argument 1 into argument 0.
 */
bool
calib_combine_args(FunctionCallInfo fcinfo, const char *what, Datum *result)
{
	(void) pc_agg_context(fcinfo, what);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(0))
	{
		if (PG_ARGISNULL(1) && PG_ARGISNULL(0))
		{
			fcinfo->isnull = true;
			*result = (Datum) 0;
		}
		else if (PG_ARGISNULL(1))
			*result = PG_GETARG_DATUM(0);
		else
			*result = PointerGetDatum(PG_DETOAST_DATUM(PG_GETARG_DATUM(1)));
		return false;
	}
	return true;
}

/*
 * calibration_state_combine(calibration_state, calibration_state):
 * the combine function of every calibration aggregate and the transition
 * of calibration_merge (calib_combine_args: NULL is the identity).
 * States must agree in nbins and classes.
 */
PG_FUNCTION_INFO_V1(calibration_state_combine);
Datum
calibration_state_combine(PG_FUNCTION_ARGS)
{
	CalibState *dst;
	CalibState *src;
	Datum		one;

	if (!calib_combine_args(fcinfo, "calibration_state_merge", &one))
		PG_RETURN_DATUM(one);
	dst = (CalibState *) PG_GETARG_POINTER(0);
	src = PG_GETARG_CALIB_P(1);
	if (dst->nbins != src->nbins)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge calibration states with different numbers of bins"),
				 errdetail("One state has %d bins, the other %d.",
						   (int) dst->nbins, (int) src->nbins)));
	if (dst->nclasses != src->nclasses)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge calibration states with different numbers of classes"),
				 errdetail("One state has classes=%d, the other classes=%d.",
						   (int) dst->nclasses, (int) src->nclasses)));
	if (!calib_merge(dst, src, pc_kern->add))
		sum_overflow();
	PG_RETURN_POINTER(dst);
}
