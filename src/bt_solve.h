/*-------------------------------------------------------------------------
 *
 * bt_solve.h
 *	  Bradley-Terry fitting on plain arrays (the pairs in chunks, struct
 *	  of arrays): the problem description, the
 *	  per-pair kernels, the Newton solvers (dense Cholesky for moderate
 *	  item counts, preconditioned Newton-CG on the sparse Laplacian
 *	  Hessian beyond), covariance of the scores, and the graph checks that
 *	  tell whether a maximum likelihood estimate exists.
 *
 * Nothing here uses Datum, palloc or ereport: memory comes from the
 * caller through an allocator callback, interrupts are polled through a
 * callback, and failures are reported through return codes, so the file
 * can be tested and vectorised on its own.  See doc/bradley-terry.md for
 * the model and its conventions.
 *
 *-------------------------------------------------------------------------
 */
#ifndef BT_SOLVE_H
#define BT_SOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* how ties enter the likelihood */
typedef enum BtTies
{
	BT_TIES_HALF = 0,			/* a tie is half a win for each side */
	BT_TIES_DAVIDSON = 1,		/* Davidson (1970) tie parameter */
	BT_TIES_DROP = 2			/* ties ignored */
} BtTies;

/*
 * Largest item count for which the solver factorises the dense Hessian at
 * every Newton step; beyond it, Newton-CG on the sparse Hessian.
 */
#define BT_DENSE_NEWTON_MAX 600

/*
 * Largest item count for which standard errors are computed (one dense
 * factorisation and inverse, O(n^3) time and n^2 doubles: at 3000 items
 * 72 MB and on the order of a second); beyond it the SEs are reported as
 * NULL.
 */
#define BT_SE_MAX_ITEMS 3000

/*
 * Beyond this absolute log-odds a fitted parameter is treated as
 * diverging (the estimate does not exist): probabilities closer than
 * e^-35 (about 6e-16) to 0 or 1 are not representable as differences
 * from 1 in double precision anyway.
 */
#define BT_DIVERGENCE_LIMIT 35.0

/*
 * A run of the problem's pairs, struct of arrays.  Pair k is an ordered
 * pair (first shown i[k], second shown j[k]) with weighted counts w1[k]
 * (first won), w2[k] (second won), wt[k] (tie).
 */
typedef struct BtChunk
{
	int64_t		m;
	const int32_t *i;
	const int32_t *j;
	const double *w1;
	const double *w2;
	const double *wt;
} BtChunk;

/*
 * The fitting problem: m pairs in nchunk chunks, taken in order (a stored
 * state is one chunk; a state still in an aggregate's memory is read in
 * place, one chunk per segment).  Pair numbers run across the chunks.
 */
typedef struct BtProblem
{
	int			n;				/* items, indices 0..n-1 */
	int64_t		m;				/* pairs, the sum of the chunks' m */
	int			nchunk;
	const BtChunk *chunk;

	BtTies		ties;
	double		prior;			/* penalty prior/2 * sum(s_i^2) */
	bool		position;		/* estimate a first-shown effect */
	double		brier_weight;	/* lambda; 0 = log loss only */
	int			max_iter;
	double		tol;
	int			reference;		/* item whose score is 0, or -1: centred */

	/*
	 * Optional (NULL: computed here): each item's effective wins and
	 * losses with ties as halves, sum over its pairs of w1 + wt/2 and
	 * w2 + wt/2 from its side, for the binary models' starting point;
	 * a caller that has already made that pass saves one.
	 */
	const double *start_wins;
	const double *start_losses;
} BtProblem;

/* what the solver produces (arrays allocated with the caller's allocator) */
typedef struct BtResult
{
	double	   *score;			/* n: centred, or reference item at 0 */
	double	   *se;				/* n, or NULL when not computed */
	double		position;		/* gamma (0 when not fitted) */
	double		position_se;	/* NaN when not computed */
	double		tie_log;		/* theta = log nu (Davidson), else 0 */
	double		tie_log_se;
	double		loglik;			/* sum count * log P(observed outcome) */
	double		objective;		/* what was minimised */
	double		brier;			/* sum count * (p - y)^2, binary models */
	double		grad_norm;		/* 2-norm of the objective's gradient */
	double		scaled_grad;	/* max |g_k| / sqrt(H_kk) */
	int			iterations;
	bool		converged;
	bool		diverged;		/* a parameter passed BT_DIVERGENCE_LIMIT */
	bool		dense;			/* dense Newton was used */
	int			cg_iterations;	/* total CG steps (Newton-CG) */
} BtResult;

/*
 * What the caller provides: an allocator (zeroed memory, never NULL) and
 * its release, both given arg, and the interrupt check (may longjmp out;
 * NULL: none).
 */
typedef struct BtEnv
{
	void	   *(*alloc) (void *arg, size_t size);
	void		(*release) (void *arg, void *ptr);
	void		(*interrupt) (void);
	void	   *arg;
} BtEnv;

static inline void *
bt_env_alloc(const BtEnv *env, size_t size)
{
	return env->alloc(env->arg, size);
}

static inline void
bt_env_release(const BtEnv *env, void *ptr)
{
	env->release(env->arg, ptr);
}

static inline void
bt_env_interrupt(const BtEnv *env)
{
	if (env->interrupt)
		env->interrupt();
}

typedef enum BtStatus
{
	BT_OK = 0,
	BT_NOT_POSITIVE_DEFINITE	/* Hessian factorisation failed */
} BtStatus;

/*
 * Fit.  want_se asks for standard errors (ignored when n exceeds
 * BT_SE_MAX_ITEMS or the objective includes the Brier term); the scores
 * do not depend on it.  Binary
 * models start from each item's smoothed win log-odds, Davidson models
 * at zero.  The caller has already checked that the estimate exists
 * (bt_scc) when prior is 0.
 */
extern BtStatus bt_solve(const BtProblem *pb, const BtEnv *env,
						 bool want_se, BtResult *res);

/*
 * The deviance summed pair by pair from the fitted parameters (for when
 * saturated minus fitted log-likelihood, two large totals, would lose it)
 */
extern double bt_deviance_pairs(const BtProblem *pb, const BtResult *res);

/*
 * The per-pair pass of the binary models (ties half or dropped), the
 * innermost loop of every Newton iteration, is the kernel
 * pc_kern->pairs_binary (kernels.h: scalar reference in kernels.c, SIMD
 * twins chosen by prefcal.simd).  It returns the log-likelihood and the
 * per-pair derivatives with respect to d = s_i - s_j + gamma, which the
 * solver then accumulates into items.
 */

/*
 * Laplacian-structured product y += sum_k h[k] (x_i - x_j) (e_i - e_j)
 * over pairs (the Hessian-vector product of the score block).
 */
extern void bt_lap_matvec(int64_t m, const int32_t *i, const int32_t *j,
						  const double *h, const double *x, double *y);

/* bits of bt_scc's per-pair arcs */
#define BT_ARC_FWD 1			/* first shown beat second: arc i -> j */
#define BT_ARC_BWD 2			/* second beat first: arc j -> i */

/*
 * Strongly connected components of the win graph: arc i -> j when i beat
 * j with positive weight (arc[k] holds pair k's BT_ARC_* bits).  Writes
 * comp[n] (component ids 0..ncomp-1, in reverse topological order of the
 * condensation: component 0 has no arc to another component, i.e. its
 * items never beat an item outside it; component ncomp-1 has no arc into
 * it: its items never lose to an item outside it) and returns the count.
 * A few sweeps over the pairs first propagate reachability from item 0
 * forwards and backwards; when every item is reached both ways the graph
 * is one component (the common case, settled in a few streaming passes).
 * Otherwise, or when the sweeps have not settled after BT_SCC_SWEEPS,
 * iterative Tarjan, O(n + m).
 */
#define BT_SCC_SWEEPS 8

extern int	bt_scc(int n, int nchunk, const BtChunk *chunk,
				   const uint8_t *arc, int32_t *comp, const BtEnv *env);

#endif							/* BT_SOLVE_H */
