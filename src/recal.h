/*-------------------------------------------------------------------------
 *
 * recal.h
 *	  Recalibration (temperature scaling and Platt scaling): the point
 *	  list the fitting aggregates collect, the stored recalibrator, and
 *	  the pure maths that fits them (recal_math.c, no fmgr).
 *
 * A point is (x, w, wy): an input value x (the logit of a probability,
 * or a raw score), the summed weight w of the rows with that x and the
 * summed weight times target wy.  The log loss is linear in the target,
 * so (x, w, wy) is exact for every row that shares x: merging equal x
 * loses nothing.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PREFCAL_RECAL_H
#define PREFCAL_RECAL_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Probabilities are turned into logits clamped to +-RECAL_MAX_LOGIT, which
 * is log(1 - 1e-15) - log(1e-15): p = 0 and p = 1 become -+34.54, as if
 * clipped to [1e-15, 1 - 1e-15], symmetrically.
 */
#define RECAL_MAX_LOGIT 34.538776394910684

/*
 * Cap on the distinct x values a point list may hold (24 bytes each, so
 * 96 MiB at the cap).  Rows that share x cost nothing extra.
 */
#define RECAL_MAX_POINTS (1 << 22)

typedef struct RecalPoint
{
	double		x;
	double		w;
	double		wy;
} RecalPoint;

typedef enum RecalMethod
{
	RECAL_TEMPERATURE = 1,
	RECAL_PLATT = 2,
	RECAL_ISOTONIC = 3			/* stored and applied by recal_isotonic.c */
} RecalMethod;

/* result of a fit, or why there is none */
typedef enum RecalStatus
{
	RECAL_OK = 0,
	RECAL_EMPTY,				/* no points */
	RECAL_ONE_VALUE,			/* every x equal: slope not identifiable */
	RECAL_ALL_ZERO,				/* temperature: every logit 0 (p = 0.5) */
	RECAL_NO_SIGNAL,			/* temperature: optimum at T = +infinity */
	RECAL_SEPARATED,			/* the optimum is at infinity (separation) */
	RECAL_NOT_CONVERGED			/* iteration limit reached */
} RecalStatus;

typedef struct RecalFit
{
	double		param[2];		/* temperature: T, unused; Platt: a, b */
	double		loss;			/* mean log loss at the fit */
	double		loss_identity;	/* mean log loss at T = 1 / a = 1, b = 0 */
	double		decrement;		/* final squared Newton decrement / loss */
	double		sumw;			/* total weight */
	double		sumwy;			/* total weight times target */
	int			iterations;
} RecalFit;

/* sort by x and merge equal x in place; returns the new count */
extern int	recal_compact(RecalPoint *pts, int n);

/* logit of a probability, clamped to +-RECAL_MAX_LOGIT */
extern double recal_logit(double p);

/*
 * Fit by Newton's method on the mean log loss.  pts must be compacted
 * (sorted by x, x distinct).  For Platt, smoothing replaces the targets
 * by Platt's (N+ + 1) / (N+ + 2) and 1 / (N- + 2).  The fit rescales
 * every w and wy of pts in place by one power of two (the loss does not
 * change; fit->sumw and fit->sumwy keep the caller's scale), so pass a
 * scratch copy.  fit->decrement is relative to the loss.  interrupt
 * (NULL: none) is called once per solver iteration and may longjmp out.
 */
extern RecalStatus recal_fit_points(RecalPoint *pts, int n,
									RecalMethod method, bool smoothing,
									int max_iter, double tol,
									void (*interrupt) (void),
									RecalFit *fit);

/* apply a fitted map to an input x (logit or score) */
extern double recal_apply(RecalMethod method, const double *param, double x);

#endif							/* PREFCAL_RECAL_H */
