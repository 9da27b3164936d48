/*-------------------------------------------------------------------------
 *
 * consistency_eb.h
 *	  Empirical Bayes for classify_preference_consistency: the EM fit of a
 *	  consistency_prior over all (annotator, pair) groups of a table, and
 *	  the posterior class probabilities of one group under a fitted prior.
 *	  Pure maths (no Datum, no palloc, no ereport); the caller allocates.
 *	  The model, the EM and its stopping rule are documented in
 *	  doc/annotation.md; test/ref/consistency/eb_reference.py
 *	  re-implements them with numpy.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PREFCAL_CONSISTENCY_EB_H
#define PREFCAL_CONSISTENCY_EB_H

#include <stdbool.h>

/* documented caps */
#define PC_EB_MAX_PATTERN_CONDITIONS 10 /* above: independent directions */
#define PC_EB_MAX_CONDITIONS 10000	/* distinct conditions in one prior */
#define PC_EB_MAX_ITER 10000
#define PC_EB_TOL 1e-10			/* stop when no parameter moves more */

/*
 * Distinct count vectors of the groups, sparse: vector v has entries
 * start[v] .. start[v + 1] - 1 of idx (condition index, increasing),
 * k and m (weighted counts of choices of the first and the second item),
 * and stands for mult[v] groups.
 */
typedef struct PcEbData
{
	int			ncond;
	int			nvec;
	const int  *start;
	const int  *idx;
	const double *k;
	const double *m;
	const double *mult;
} PcEbData;

/*
 * Prior parameters.  Pattern mode (npat = 2^ncond - 2, ncond <=
 * PC_EB_MAX_PATTERN_CONDITIONS): a constructed preference follows the
 * direction pattern b (1 .. 2^ncond - 2; bit c set = the first item under
 * condition c) with probability pi[b - 1].  Independent mode (npat = 0):
 * its direction under every condition is an independent fair coin.
 */
typedef struct PcEbParams
{
	int			ncond;
	int			npat;
	double		w[3];			/* class weights: genuine, non_attitude,
								 * constructed */
	double		rho;			/* P(a genuine direction is the first item) */
	double		q;				/* P(a response follows its direction) */
	double	   *r;				/* [ncond] non-attitude P(first item) */
	double	   *pi;				/* [npat] constructed pattern weights */
} PcEbParams;

typedef struct PcEbFit
{
	int			iterations;
	bool		converged;
	double		loglik;			/* at the last E-step */
	double		n_groups;		/* sum of mult */
} PcEbFit;

/* doubles of scratch space pc_eb_fit needs */
extern long pc_eb_scratch_size(int ncond, int npat);

/*
 * Run EM from the fixed start (w = 1/3, rho = 1/2, q = 3/4, r = 1/2, pi
 * uniform) until no parameter moves more than PC_EB_TOL or
 * PC_EB_MAX_ITER iterations.  par->ncond, npat, r and pi must be set up;
 * interrupt() is called once per vector per iteration (may longjmp).
 */
extern void pc_eb_fit(const PcEbData *data, PcEbParams *par,
					  double *scratch, void (*interrupt) (void),
					  PcEbFit *fit);

/*
 * Log marginal likelihood of one group under each class (genuine,
 * non_attitude, constructed).  idx[i] is the prior's condition index, or
 * -1 for a condition the prior does not know (a fair-coin direction for
 * constructed, r = 1/2 for non_attitude there).  scratch: npat doubles.
 */
extern void pc_eb_loglik(const PcEbParams *par, int len, const int *idx,
						 const double *k, const double *m,
						 double *scratch, double log_ml[3]);

#endif							/* PREFCAL_CONSISTENCY_EB_H */
