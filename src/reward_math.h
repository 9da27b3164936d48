/*-------------------------------------------------------------------------
 *
 * reward_math.h
 *	  The reward model on features (doc/reward-models.md) on plain arrays:
 *	  per-comparison losses and their derivatives with respect to the
 *	  log-odds, accumulation of objective, gradient and Hessian over
 *	  comparisons and the L-BFGS two-loop recursion (the dense Cholesky is
 *	  bt_dense.c's).  No Datum, palloc or ereport: the SQL glue is in
 *	  reward_pass.c, reward_fit.c and reward_model.c.
 *
 * The model: P(first shown wins) = sigma(eta) with
 *	 eta = w . (x_first - x_second) + s_first - s_second + gamma.
 * Parameters are laid out as theta = [w (d) | gamma (if fitted) | s
 * (items)]; the first d + (gamma ? 1 : 0) form the dense part, whose
 * design row is z = [x_first - x_second | 1].
 *
 *-------------------------------------------------------------------------
 */
#ifndef REWARD_MATH_H
#define REWARD_MATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RW_MAX_FEATURES 4096

/*
 * Largest parameter count for which a pass carries the Hessian and the fit
 * uses Newton's method with a dense Cholesky factorisation (and reports
 * standard errors); beyond it, L-BFGS on gradient passes.
 */
#define RW_NEWTON_MAX 256

/* smoothing width h of the hinge objective (see rw_row_loss) */
#define RW_HINGE_H 0.5

/* |eta| beyond which a log-loss fit without a prior is called separable */
#define RW_DIVERGENCE_LIMIT 35.0

/* L-BFGS memory */
#define RW_LBFGS_M 10

typedef enum RwObjective
{
	RW_OBJ_LOGLOSS = 0,
	RW_OBJ_LOGLOSS_BRIER = 1,
	RW_OBJ_HINGE = 2,
	RW_OBJ_HINGE_BRIER = 3
} RwObjective;

#define RW_OBJ_COUNT 4

static inline bool
rw_objective_is_likelihood(int obj)
{
	return obj == RW_OBJ_LOGLOSS;
}

static inline bool
rw_objective_has_logloss(int obj)
{
	return obj == RW_OBJ_LOGLOSS || obj == RW_OBJ_LOGLOSS_BRIER;
}

/* sums over comparisons (weights included, no prior) */
typedef struct RwSums
{
	int64_t		rows;
	double		wsum;			/* sum of weights */
	double		f;				/* objective */
	double		ll;				/* log-likelihood sum w log P(outcome) */
	double		br;				/* Brier sum w (p - y)^2 */
	double		maxeta;			/* largest |eta| */
} RwSums;

/*
 * One comparison: dense design row z (kd values), items a and b (indices
 * into the item block, or -1), outcome y in [0, 1], weight w >= 0, at
 * parameters theta.  Adds to sums, gradient g (k values) and, when H is
 * not NULL, the lower triangle of the Hessian packed by rows (k (k+1) / 2
 * values, element (i, j), j <= i, at i (i + 1) / 2 + j).  Returns eta.
 */
extern double rw_accumulate(int kd, const double *z, int a, int b,
							double y, double w, const double *theta,
							int nitems, int objective, double lambda,
							RwSums *sums, double *g, double *H);

/*
 * The item rows of one comparison's Hessian term d2 g g' (g = [z | +1 at
 * item a, -1 at item b]): rowa and rowb are the lower-triangle rows kd + a
 * and kd + b, in whatever layout (columns 0 .. row index).
 */
extern void rw_item_hessian(double *rowa, double *rowb, int kd, int a, int b,
							const double *z, double d2);

/* the loss of one comparison and its derivatives in eta */
extern void rw_row_loss(double eta, double y, double w, int objective,
						double lambda, double *f, double *d1, double *d2,
						double *ll, double *br);

extern void rw_sums_add(RwSums *dst, const RwSums *src);

/*
 * L-BFGS search direction dir = -H_k g from the m most recent pairs
 * (s, y) held in rings of capacity RW_LBFGS_M starting at head; alpha is
 * scratch of RW_LBFGS_M values.
 */
extern void rw_lbfgs_direction(int k, const double *g, int m, int head,
							   const double *S, const double *Y,
							   const double *rho, double *alpha,
							   double *dir);

#endif							/* REWARD_MATH_H */
