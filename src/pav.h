/*-------------------------------------------------------------------------
 *
 * pav.h
 *	  The sorted calibration state (the value behind the SQL type
 *	  pav_state) and the pure maths on it: sorting and merging runs of
 *	  points, pool-adjacent-violators (PAV), the isotonic fit as
 *	  scikit-learn builds it, the CORP decomposition of the Brier score,
 *	  equal-mass ECE and the debiased squared ECE.
 *
 * Plain C (no fmgr, no Datum): pav_math.c holds the maths, pav_state.c
 * the type I/O and the aggregates, pav_access.c the accessors.
 *
 * A point is (p, w, wy, wyy): a distinct prediction p and, over the rows
 * with that p, the sums of w, w*y and w*y^2.  Every quantity this family
 * computes is a function of these sums, so merging rows with equal p
 * loses nothing.
 *
 * Layout of a state (one MAXALIGNed varlena, updated in place by the
 * transition functions):
 *
 *	header	 version, flags, nsorted, ntail, capacity, tailbits, nrows
 *	run		 pts[0 .. nsorted): the sorted run, p strictly increasing, in
 *			 room for capacity points;
 *	tail	 pts[capacity .. capacity + ntail): the rows since the last
 *			 merge, unsorted, in room for 2^tailbits points: the
 *			 transition appends (no allocation, no sort per row); a full
 *			 tail is sorted, its equal p added, and merged into the run.
 *
 * tailbits = 0 means no tail (a compacted state).  Text and binary forms
 * hold only the sorted, compacted points.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PREFCAL_PAV_H
#define PREFCAL_PAV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAV_VERSION			1

/*
 * Exact up to PAV_MAX_EXACT distinct predictions.  Beyond that the state
 * switches to grid mode: every prediction is rounded to the nearest
 * multiple of PAV_GRID_STEP (2^-19), so at most 2^19 + 1 points remain,
 * and every later row is rounded as it comes in.
 */
#define PAV_MAX_EXACT		(1 << 20)
#define PAV_GRID_CELLS		(1 << 19)
#define PAV_GRID_STEP		(1.0 / PAV_GRID_CELLS)
/* the transition's tail has room for 2^10 .. 2^20 points */
#define PAV_MIN_TAILBITS	10
#define PAV_MAX_TAILBITS	20

/* flags */
#define PAV_F_GRID			0x01
#define PAV_F_ALL			PAV_F_GRID

/* scikit-learn's IsotonicRegression merges x values closer than this */
#define PAV_SKLEARN_EPS		1e-15

typedef struct PavPoint
{
	double		p;				/* prediction */
	double		w;				/* sum of weights */
	double		wy;				/* sum of w * y */
	double		wyy;			/* sum of w * y^2 */
} PavPoint;

typedef struct PavState
{
	int32_t		vl_len_;		/* varlena header (do not touch directly) */
	uint8_t		version;		/* PAV_VERSION */
	uint8_t		flags;			/* PAV_F_* */
	uint16_t	pad;			/* always 0 */
	int32_t		nsorted;		/* points in the sorted run */
	int32_t		ntail;			/* points in the tail */
	int32_t		capacity;		/* room for the run (in memory only) */
	int32_t		tailbits;		/* log2 of the tail's room; 0: no tail */
	int64_t		nrows;			/* rows folded in */
	PavPoint	pts[];
} PavState;

#define PAV_SIZE(cap) (offsetof(PavState, pts) + (size_t) (cap) * sizeof(PavPoint))

/* a PAV block: consecutive points pooled to one fitted value */
typedef struct PavBlock
{
	int32_t		first;			/* index of its first point */
	int32_t		last;			/* index of its last point */
	double		w;				/* summed weight */
	double		wy;				/* summed w * y */
	double		wyy;			/* summed w * y^2 */
} PavBlock;

/* the prediction p rounded to the grid (exact: powers of two) */
static inline double
pav_grid_round(double p)
{
	return __builtin_rint(p * PAV_GRID_CELLS) / PAV_GRID_CELLS;
}

/* sort pts by p and merge equal p; returns the new count */
extern int	pav_sort_compact(PavPoint *pts, int n);

/*
 * The same from src into dst (room for n) through nb equal-width buckets
 * of p (counts: room for nb + 1); src is left as it was.
 */
extern int	pav_bucket_sort_compact(const PavPoint *src, int n, PavPoint *dst,
									int *counts, int nb);

/* round every p to the grid and merge equal p (pts sorted); new count */
extern int	pav_grid_compact(PavPoint *pts, int n);

/*
 * Merge two sorted compact runs a and b into out (room for na + nb),
 * adding equal p; returns the count.  Sets *overflow when a summed weight
 * becomes infinite.
 */
extern int	pav_merge_runs(const PavPoint *a, int na, const PavPoint *b, int nb,
						   PavPoint *out, bool *overflow);

/*
 * PAV over the sorted compact points: fills blocks (room for n) and
 * returns their count; block means are non-decreasing.
 */
extern int	pav_fit(const PavPoint *pts, int n, PavBlock *blocks);

/*
 * The isotonic fit as scikit-learn 1.2's IsotonicRegression builds it:
 * points closer than PAV_SKLEARN_EPS to the first of their group are one
 * x (the group's first), PAV over the groups, then the interpolation
 * knots: for every block its first and last x (once if equal).  groups
 * and blocks need room for n, xs and ys for 2 * n; returns the knot
 * count (>= 1 when n >= 1).
 */
extern int	pav_isotonic_knots(const PavPoint *pts, int n, PavPoint *groups,
							   PavBlock *blocks, double *xs, double *ys);

/* piecewise-linear interpolation of knots at x, clipped (numpy's interp) */
extern double pav_interp(const double *xs, const double *ys, int n, double x);

typedef struct PavCorp
{
	double		score;			/* mean Brier score of p */
	double		mcb;			/* miscalibration: score - score of PAV fit */
	double		dsc;			/* discrimination: unc - score of PAV fit */
	double		unc;			/* uncertainty: score of the mean outcome */
	double		weight;			/* total weight */
	int			nblocks;		/* PAV blocks */
} PavCorp;

/* CORP decomposition of the Brier score over sorted compact points */
extern void pav_corp(const PavPoint *pts, int n, PavBlock *scratch,
					 PavCorp *out);

/*
 * The summed log loss of outcome sums (w, wy) under the forecast p:
 * -wy log p - (w - wy) log1p(-p), a zero sum contributing 0 (0 log 0 = 0)
 */
extern double pav_logloss_sum(double w, double wy, double p);

/*
 * The CORP decomposition for the log loss -y log p - (1 - y) log(1 - p), with 0 log 0 =
 * 0: score and mcb are +Infinity when a row's outcome has probability 0.
 */
extern void pav_corp_logloss(const PavPoint *pts, int n, PavBlock *scratch,
							 PavCorp *out);

/*
 * Equal-mass binning: bin (0-based) of point i whose preceding cumulative
 * weight is cum and weight w, of total weight total, with nbins bins.
 */
extern int	pav_equal_mass_bin(double cum, double w, double total, int nbins);

/*
 * Equal-mass ECE and the debiased squared ECE with nbins bins over sorted
 * compact points.
 */
extern double pav_ece_equal_mass(const PavPoint *pts, int n, int nbins);
extern double pav_ece_debiased_sq(const PavPoint *pts, int n, int nbins);

/*
 * Consistency bands (pav_bands.c): the bands are evaluated at every
 * distinct prediction when there are at most PAV_BAND_POINTS, else at the
 * points of index floor(k (n - 1) / (PAV_BAND_POINTS - 1)), k = 0 ..
 * PAV_BAND_POINTS - 1; weights are read as row counts, at most
 * PAV_BAND_MAX_WEIGHT in all.
 */
#define PAV_BAND_POINTS		1000
#define PAV_BAND_MAX_WEIGHT	2147483648.0

/* the evaluation points' indices into idx (room for PAV_BAND_POINTS) */
extern int	pav_band_points(int n, int32_t *idx);

/*
 * Replicate b (0-based) of the consistency resampling of the sorted
 * compact points with the given seed: out gets every point with its
 * outcome sums drawn under calibration.  interrupt (NULL: none) is called
 * every 4096 points and every 256 binomial chunks of a point, and may
 * longjmp out.
 */
extern void pav_consistency_draw(const PavPoint *pts, int n, int64_t seed,
								 int b, void (*interrupt) (void),
								 PavPoint *out);

#endif							/* PREFCAL_PAV_H */
