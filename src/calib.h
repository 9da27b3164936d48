/*-------------------------------------------------------------------------
 *
 * calib.h
 *	  The calibration state (the value behind the SQL type
 *	  calibration_state) and the pure maths on it: the binning rule, the
 *	  per-row update, the merge and the measures read from a state.
 *
 * This header is plain C (no fmgr, no Datum) so calib_math.c can be
 * tested and vectorised on its own; the fmgr glue is in calib_state.c
 * (type I/O), calib_agg.c (aggregates) and calib_access.c (accessors).
 *
 * Layout of a state (one MAXALIGNed varlena, updated in place by the
 * transition functions):
 *
 *	header	 version, flags, nbins, nclasses
 *	totals	 w (weight total), brier and logloss as compensated sums
 *	bins	 nbins x { w, wp, wy, wpp, wpy, wyy }: per bin the sums of
 *			 w, w*p, w*y, w*p^2, w*p*y, w*y^2
 *
 * A state with CALIB_F_NO_MOMENTS (built by ece_agg) keeps per bin only
 * w, wp and wy: its Brier sum and second moments are 0 and mean nothing,
 * and the accessors that would need them refuse the state.
 *
 * nbins = 0 means a totals-only state (brier_score, log_loss).  nclasses
 * is 0 for binary or soft targets; K >= 2 for states built from K-class
 * probability vectors: with bins the state describes the top-label
 * problem (confidence = max prob, target = argmax == label), without bins
 * its brier sum is the K-class Brier score summed over classes.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PREFCAL_CALIB_H
#define PREFCAL_CALIB_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* the per-row helpers must inline into the transition functions */
#if defined(__GNUC__)
#define CALIB_INLINE static inline __attribute__((always_inline))
#else
#define CALIB_INLINE static inline
#endif

#define CALIB_VERSION		1
#define CALIB_DEFAULT_BINS	15

/* flags */
#define CALIB_F_LOGLOSS		0x0001	/* the logloss sum is tracked */
#define CALIB_F_NO_MOMENTS	0x0002	/* the Brier sum and the bins' second
									 * moments are not tracked (ece_agg):
									 * they stay 0 */
#define CALIB_F_ALL			(CALIB_F_LOGLOSS | CALIB_F_NO_MOMENTS)

typedef struct CalibBin
{
	double		w;				/* sum of weights */
	double		wp;				/* sum of w * p */
	double		wy;				/* sum of w * y */
	double		wpp;			/* sum of w * p^2 */
	double		wpy;			/* sum of w * p * y */
	double		wyy;			/* sum of w * y^2 */
} CalibBin;

#define CALIB_BIN_FIELDS	6

typedef struct CalibState
{
	int32_t		vl_len_;		/* varlena header (do not touch directly) */
	int16_t		version;		/* CALIB_VERSION */
	uint16_t	flags;			/* CALIB_F_* */
	int32_t		nbins;			/* 0 .. PREFCAL_MAX_BINS */
	int32_t		nclasses;		/* 0, or K >= 2 */
	int32_t		pad;			/* always 0 */
	double		w;				/* total weight */
	double		brier;			/* sum of w * (p - y)^2, Neumaier sum ... */
	double		brier_c;		/* ... and its running compensation */
	double		logloss;		/* sum of w * logloss term, Neumaier sum */
	double		logloss_c;
	CalibBin	bins[];
} CalibState;

#define CALIB_SIZE(nbins) \
	(offsetof(CalibState, bins) + (size_t) (nbins) * sizeof(CalibBin))

/*
 * Neumaier's compensated summation: *s + *c is the running total, with
 * *c collecting the low-order bits lost by each addition.  A non-finite
 * total stays as it is (log loss may be +Infinity).
 */
CALIB_INLINE void
calib_sum_add(double *s, double *c, double x)
{
	double		t = *s + x;

	if (!isfinite(t))
	{
		*s = t;
		return;
	}
	if (fabs(*s) >= fabs(x))
		*c += (*s - t) + x;
	else
		*c += (x - t) + *s;
	*s = t;
}

/*
 * The same for a finite x and a finite running total (the Brier terms,
 * each at most 1, or K for K classes): no test for infinities on the
 * per-row path.
 */
CALIB_INLINE void
calib_sum_add_finite(double *s, double *c, double x)
{
	double		t = *s + x;

	if (fabs(*s) >= fabs(x))
		*c += (*s - t) + x;
	else
		*c += (x - t) + *s;
	*s = t;
}

static inline double
calib_sum_value(double s, double c)
{
	return isfinite(s) ? s + c : s;
}

/*
 * Bin of probability p (in [0, 1]) among nbins equal-width right-closed
 * bins [0, e1], (e1, e2], ..., (e_{B-1}, 1] where e_k is the double
 * nearest to k/B (correctly rounded k / B).  Away from an edge,
 * floor(p * B) is the answer (the rounding of p * B is far too small to
 * cross an integer); near an edge the comparison with e_k decides, so
 * p = k/B as written in SQL (the double nearest k/B) always falls in
 * bin k-1.  Returns a 0-based index.
 */
CALIB_INLINE int
calib_bin_index(double p, int nbins)
{
	double		x = p * nbins;
	int			k = (int) x;	/* floor, x >= 0 */
	double		frac = x - k;

	if (frac > 1e-6 && frac < 1.0 - 1e-6)
		return k;
	else
	{
		int			r = frac < 0.5 ? k : k + 1;

		k = (p <= (double) r / nbins) ? r - 1 : r;
		if (k < 0)
			k = 0;
		if (k >= nbins)
			k = nbins - 1;
		return k;
	}
}

/*
 * Log loss of predicting p for target y in [0, 1], natural log, exact:
 * -y log p - (1 - y) log(1 - p) with 0 * log 0 = 0, so a certain wrong
 * prediction costs +Infinity and a certain right one 0.
 */
CALIB_INLINE double
calib_logloss_term(double p, double y)
{
	double		t = 0.0;

	if (y > 0.0)
		t -= y * log(p);
	if (y < 1.0)
		t -= (1.0 - y) * log1p(-p);
	return t;
}

/*
 * Add one observation (p, y) with weight w >= 0 to a state.  The caller
 * has validated p, y and w; binned says whether the state has bins
 * (nbins > 0), logloss whether it tracks the log loss, and moments
 * whether it tracks the Brier sum and the bins' second moments (ece_agg
 * needs neither: its states carry CALIB_F_NO_MOMENTS), all constants at
 * every call site so the unused paths vanish.  Returns false when a sum overflowed (the total weight, or the
 * log loss without a certain wrong prediction, whose +Infinity is a
 * result): the caller raises the error.  Every other sum is at most the
 * total weight.
 */
CALIB_INLINE bool
calib_add(CalibState *s, double p, double y, double w, bool binned,
		  bool logloss, bool moments)
{
	double		d = p - y;

	s->w += w;
	if (moments)
		calib_sum_add_finite(&s->brier, &s->brier_c, w * d * d);
	if (binned)
	{
		CalibBin   *b = &s->bins[calib_bin_index(p, s->nbins)];
		double		wp = w * p;
		double		wy = w * y;

		b->w += w;
		b->wp += wp;
		b->wy += wy;
		if (moments)
		{
			b->wpp += wp * p;
			b->wpy += wp * y;
			b->wyy += wy * y;
		}
	}
	if (logloss && w > 0.0)
	{
		double		t = calib_logloss_term(p, y);
		double		prev = s->logloss;

		calib_sum_add(&s->logloss, &s->logloss_c, w * t);
		if (isinf(s->logloss) && !isinf(t) && !isinf(prev))
			return false;
	}
	return !isinf(s->w);
}

/* Murphy decomposition with the within-bin terms */
typedef struct CalibDecomposition
{
	double		brier;
	double		reliability;
	double		resolution;
	double		uncertainty;
	double		within_bin_variance;
	double		within_bin_covariance;
} CalibDecomposition;

/* calib_math.c */
extern void calib_init(CalibState *s, int nbins, int nclasses, int flags);
extern bool calib_merge(CalibState *dst, const CalibState *src,
						void (*add) (double *restrict, const double *restrict, int));
extern double calib_edge(int k, int nbins);
extern double calib_ece(const CalibState *s);
extern double calib_mce(const CalibState *s);
extern double calib_rmsce(const CalibState *s);
extern double calib_brier(const CalibState *s);
extern double calib_logloss(const CalibState *s);
extern void calib_decompose(const CalibState *s, CalibDecomposition *d);

/* calib_check's error classes (mapped to SQLSTATEs by the caller) */
#define CALIB_BAD_VALUE		1	/* inconsistent: 22023 */
#define CALIB_OUT_OF_RANGE	2	/* out of range: 22003 */

/* what a failed check found: its class and message, in the caller's memory */
typedef struct CalibProblem
{
	int			code;			/* CALIB_BAD_VALUE or CALIB_OUT_OF_RANGE */
	char		msg[200];
} CalibProblem;

extern bool calib_check(const CalibState *s, int maxbins, CalibProblem *pb);

/*
 * For the state checks (calib_check, boot_check): the relative slack on
 * sums (rounding, not data), a <= b up to it, and CALIB_FAIL, which
 * records a problem in the check's CalibProblem *pb and returns false.
 */
#define CALIB_TOL 1e-6

static inline bool
calib_le_tol(double a, double b)
{
	return a <= b + CALIB_TOL * fabs(b) + 1e-300;
}

#define CALIB_FAIL(code_, ...) \
	do { \
		snprintf(pb->msg, sizeof(pb->msg), __VA_ARGS__); \
		pb->code = (code_); \
		return false; \
	} while (0)

#endif							/* PREFCAL_CALIB_H */
