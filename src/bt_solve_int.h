/*-------------------------------------------------------------------------
 *
 * bt_solve_int.h
 *	  What the Bradley-Terry solver (bt_solve.c: Newton iterations, CG,
 *	  standard errors) shares with its evaluation of the objective and its
 *	  derivatives over the pairs (bt_eval.c): the working storage of one
 *	  fit.  Included by those two files only.
 *
 *-------------------------------------------------------------------------
 */
#ifndef BT_SOLVE_INT_H
#define BT_SOLVE_INT_H

#include "bt_solve.h"

/*
 * Pairs per block of the binary models' evaluation: the block's per-pair
 * first derivatives and probabilities (16 kB) stay in cache between the
 * kernel and the passes that use them.
 */
#define BT_EVAL_BLOCK 1024

/*
 * Range of per-pair curvatures kept in single precision (see bt_solve);
 * a curvature outside it switches the fit to double precision.
 */
#define BT_HF_MAX 1e30
#define BT_HF_MIN 1e-30

/* working storage for one fit */
typedef struct BtWork
{
	const BtProblem *pb;
	const BtEnv *env;
	int			n;
	int			p;				/* parameter count */
	int			ig;				/* index of gamma or -1 */
	int			it;				/* index of theta or -1 */
	int64_t		m;
	double	   *ab;				/* binary with ties as halves: the
								 * effective first-wins a = w1 + wt/2, then
								 * (from m + 1) second-wins b; NULL: the
								 * chunks' w1 and w2 */
	double	   *gd;				/* Davidson, per pair: d obj / d d */
	double	   *hd;				/* per pair: d2 obj / d d2 (or NULL: hf) */
	float	   *hf;				/* the same in single precision, when only
								 * the Newton-CG products read it */
	double	   *hblk;			/* binary with hf: a block's d2 obj / d d2 */
	double	   *gblk;			/* binary: a block's d obj / d d */
	double	   *pblk;			/* binary: a block's P(first wins) */
	double	   *gt;				/* Davidson: d obj / d theta per pair */
	double	   *hdt;			/* Davidson: d2 obj / d d d theta */
	double	   *htt;			/* Davidson: d2 obj / d theta2 */
	double	   *grad;			/* p */
	double	   *diag;			/* p: Hessian diagonal (no v v') */
	double		vscale;			/* alpha of alpha v v': mean score curvature */
	double		loglik;
	double		brier;
	double		tie_const;		/* sum wt/4 (half) for the Brier report */

	/* Newton's vectors (p each) and its matrix or CG vectors */
	bool		dense;			/* dense Newton (else Newton-CG) */
	double	   *x;				/* the parameters */
	double	   *xn;				/* a trial step */
	double	   *dx;				/* the Newton direction */
	double	   *hm;				/* dense: the Hessian, factorised */
	int			ld;				/* dense: hm's row stride */
	void	   *hraw;			/* dense: what to release for hm */
	double	   *r,
			   *z,
			   *q,
			   *dd;				/* Newton-CG: bt_pcg's vectors */
} BtWork;

/* bt_eval.c */

/*
 * The objective at x; when derivs, also the per-pair derivative arrays,
 * the gradient and the Hessian diagonal
 */
extern double bt_eval(BtWork *w, const double *x, bool derivs);

/* y = H x for the scores' (and gamma's, theta's) Hessian block, no v v' */
extern void bt_hess_matvec(BtWork *w, const double *x, double *y);

/* the dense Hessian, plus alpha v v' (lower triangle, rows ld apart) */
extern void bt_hess_dense(BtWork *w, double *hm, int ld);

#endif							/* BT_SOLVE_INT_H */
