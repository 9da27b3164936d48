/*-------------------------------------------------------------------------
 *
 * bt_solve.c
 *	  Bradley-Terry maximum (penalised) likelihood on plain arrays.
 *
 * Parameters x = (s_0 .. s_{n-1}, [gamma], [theta]): item scores, the
 * first-shown effect gamma (when pb->position) and theta = log nu, the
 * Davidson tie parameter (when ties = davidson).  For pair k, with
 * d = s_i - s_j + gamma (i shown first):
 *
 *   binary (ties half or dropped):  P(first wins) = 1 / (1 + exp(-d)),
 *     a = w1 + wt/2, b = w2 + wt/2 (half) or a = w1, b = w2 (drop),
 *     loglik_k = a log p + b log(1 - p);
 *   Davidson (1970):  P(first) = e^{d/2} / D, P(second) = e^{-d/2} / D,
 *     P(tie) = nu / D, D = e^{d/2} + e^{-d/2} + nu,
 *     loglik_k = w1 log P(first) + w2 log P(second) + wt log P(tie).
 *
 * The objective is  -loglik + prior/2 * sum s_i^2 + lambda * B  with
 * B = sum_k a (1 - p)^2 + b p^2 (the count-weighted Brier score; ties as
 * the target 0.5 differ from this by a constant).  Both -loglik and the
 * penalty are convex; the Brier term is not, so a pair whose total
 * curvature would be negative enters the Newton matrix with the
 * Gauss-Newton part of the Brier curvature (2 lambda N (p(1-p))^2) instead
 * of the exact one, and every step is safeguarded by a backtracking line
 * search.
 *
 * The likelihood is invariant under a common shift of the scores: the
 * Hessian H has the null vector v = (1/sqrt(n), ..., 0, 0) when prior = 0.
 * Newton steps solve (H + v v') dx = -g (v' g = 0), and the scores are
 * recentred after every step (with prior > 0 the optimum is centred
 * anyway, so recentring only lowers the objective).
 *
 * Up to BT_DENSE_NEWTON_MAX items the Newton system is factorised densely
 * (Cholesky); beyond, it is solved by conjugate gradients with a Jacobi
 * preconditioner, using Hessian-vector products over the pairs (inexact
 * Newton, forcing term min(BT_CG_ETA_MAX, |g|/|g0|), tightening in
 * proportion to the gradient, so the outer iteration keeps Newton's fast
 * local convergence; see BT_CG_ETA_MAX for the cap).
 *
 * Convergence: max_k |g_k| / sqrt(H_kk) <= tol, the gradient measured in
 * units of each parameter's curvature (roughly: the remaining error of
 * each parameter as a fraction of its standard error).
 *
 * The scores' Hessian H is singular along v = (1, ..., 1, 0, 0) / sqrt(n)
 * (shifting every score changes nothing but the prior), so the Newton
 * systems and the covariance use H + alpha v v', alpha the mean of the
 * scores' curvatures H_ii.  Any alpha > 0 gives the same Newton step (the
 * gradient is orthogonal to v); one on the scale of H keeps the matrix as
 * well conditioned as H is on the other directions, whatever the weights'
 * scale.  (A fixed alpha = 1 did not: with weights near 1e8 the rank-one
 * term swamped the variances in the subtraction below and the SEs came
 * out 0.)
 *
 * Covariance: C = (H + alpha v v')^-1 at the optimum.  Because
 * H v = prior v, the covariance of the centred scores (the projection
 * P C P, which for prior = 0 is the Moore-Penrose inverse of H) is
 * C - v v' / (alpha + prior).  With a reference item r,
 * Var(s_i - s_r) = C_ii + C_rr - 2 C_ir (the projection terms cancel).
 *
 *-------------------------------------------------------------------------
 */
#include "bt_solve.h"
#include "kernels.h"

#include <float.h>
#include <math.h>
#include <string.h>

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
} BtWork;

/*
 * y += L x for the Laplacian with pair weights h (double or float): a run
 * of pairs with the same first item adds to its y in registers, four
 * partial sums so that the additions do not wait on each other.
 */
#define BT_SAME4(i, k, a) \
	((((i)[(k)] ^ (a)) | ((i)[(k) + 1] ^ (a)) | ((i)[(k) + 2] ^ (a)) | ((i)[(k) + 3] ^ (a))) == 0)
#define BT_LAP_MATVEC_BODY() \
	for (int64_t k = 0; k < m;) \
	{ \
		int32_t		a = i[k]; \
		double		xa = x[a], \
					y0 = 0.0, \
					y1 = 0.0, \
					y2 = 0.0, \
					y3 = 0.0; \
\
		for (; k + 4 <= m && BT_SAME4(i, k, a); k += 4) \
		{ \
			double		t0 = h[k] * (xa - x[j[k]]), \
						t1 = h[k + 1] * (xa - x[j[k + 1]]), \
						t2 = h[k + 2] * (xa - x[j[k + 2]]), \
						t3 = h[k + 3] * (xa - x[j[k + 3]]); \
\
			y0 += t0; \
			y1 += t1; \
			y2 += t2; \
			y3 += t3; \
			y[j[k]] -= t0; \
			y[j[k + 1]] -= t1; \
			y[j[k + 2]] -= t2; \
			y[j[k + 3]] -= t3; \
		} \
		for (; k < m && i[k] == a; k++) \
		{ \
			double		t = h[k] * (xa - x[j[k]]); \
\
			y0 += t; \
			y[j[k]] -= t; \
		} \
		y[a] += (y0 + y1) + (y2 + y3); \
	}

/* See bt_solve.h. */
void
bt_lap_matvec(int64_t m, const int32_t *i, const int32_t *j,
			  const double *h, const double *x, double *y)
{
	BT_LAP_MATVEC_BODY();
}

/* the same with single-precision weights (Newton-CG without SEs) */
static void
bt_lap_matvec_f(int64_t m, const int32_t *i, const int32_t *j,
				const float *h, const double *x, double *y)
{
	BT_LAP_MATVEC_BODY();
}

/*
 * Add the per-pair first and second derivatives gk, hk of the m pairs
 * (i[k], j[k]) into the items' gradient g (+ for i, - for j) and Hessian
 * diagonal dg.  Pairs sharing their first item one after another (a state
 * from the aggregate lists them sorted) add to that item's entries in
 * registers; the pointers are locals, so stores through g and dg do not
 * force them to be reloaded.
 */
static inline void
bt_scatter_runs(int64_t m, const int32_t *i, const int32_t *j,
				const double *gk, const double *hk, double *g, double *dg)
{
	for (int64_t k = 0; k < m;)
	{
		int32_t		a = i[k];
		double		ga0 = 0.0,
					ga1 = 0.0,
					da0 = 0.0,
					da1 = 0.0;

		for (; k + 4 <= m && BT_SAME4(i, k, a); k += 4)
		{
			ga0 += gk[k] + gk[k + 2];
			ga1 += gk[k + 1] + gk[k + 3];
			da0 += hk[k] + hk[k + 2];
			da1 += hk[k + 1] + hk[k + 3];
			g[j[k]] -= gk[k];
			g[j[k + 1]] -= gk[k + 1];
			g[j[k + 2]] -= gk[k + 2];
			g[j[k + 3]] -= gk[k + 3];
			dg[j[k]] += hk[k];
			dg[j[k + 1]] += hk[k + 1];
			dg[j[k + 2]] += hk[k + 2];
			dg[j[k + 3]] += hk[k + 3];
		}
		for (; k < m && i[k] == a; k++)
		{
			ga0 += gk[k];
			da0 += hk[k];
			g[j[k]] -= gk[k];
			dg[j[k]] += hk[k];
		}
		g[a] += ga0 + ga1;
		dg[a] += da0 + da1;
	}
}

/*
 * log of Davidson's denominator e^u + e^-u + e^theta (u half the score
 * difference, theta the log tie parameter), without overflow
 */
static inline double
bt_davidson_logd(double u, double theta)
{
	double		mx = fmax(fabs(u), theta);

	return mx + log(exp(u - mx) + exp(-u - mx) + exp(theta - mx));
}

/*
 * Evaluate the objective at x; when derivs, also fill the per-pair
 * derivative arrays, the gradient and the Hessian diagonal.  Returns the
 * objective.
 */
static double
bt_eval(BtWork *w, const double *x, bool derivs)
{
	const BtProblem *pb = w->pb;
	int			n = w->n;
	double		gamma = w->ig >= 0 ? x[w->ig] : 0.0;
	double		theta = w->it >= 0 ? x[w->it] : 0.0;
	double		lambda = pb->brier_weight;
	double		obj;
	double		pen = 0.0;

	if (derivs)
	{
		memset(w->grad, 0, sizeof(double) * w->p);
		memset(w->diag, 0, sizeof(double) * w->p);
	}
	if (pb->ties != BT_TIES_DAVIDSON)
	{
		/*
		 * Binary models, block by block: the kernel writes the block's
		 * per-pair derivatives (the first to a buffer that stays in cache,
		 * the second to hd, which the Hessian products read), then the
		 * Brier term, the count-weighted Brier score for the report, and
		 * the scatter into the items, while the block is in cache.
		 */
		double	   *hd = w->hd;
		double	   *gb = w->gblk;
		double	   *pr = w->pblk;
		double	   *g = w->grad;
		double	   *dg = w->diag;
		double		ll = 0.0,
					br = 0.0,
					sg = 0.0,
					sh = 0.0;
		bool		hf_bad = false;
		int64_t		base = 0;

		for (int c = 0; c < pb->nchunk; base += pb->chunk[c].m, c++)
		{
			const BtChunk *ch = &pb->chunk[c];
			const double *va = w->ab ? w->ab + base : ch->w1;
			const double *vb = w->ab ? w->ab + (w->m + 1) + base : ch->w2;

			for (int64_t k0 = 0; k0 < ch->m; k0 += BT_EVAL_BLOCK)
			{
				int64_t		bn = ch->m - k0 < BT_EVAL_BLOCK ? ch->m - k0 : BT_EVAL_BLOCK;
				double	   *h = hd ? hd + base + k0 : w->hblk;
				const double *ak = va + k0;
				const double *bk = vb + k0;

				/* gb = d loglik / d d = a - n p: negated below */
				ll += pc_kern->pairs_binary(bn, ch->i + k0, ch->j + k0, ak, bk,
											x, gamma, gb, h, pr);
				{
					double		b0 = 0.0,
								b1 = 0.0;
					int64_t		t = 0;

					/* two partial sums: the additions overlap */
					for (; t + 2 <= bn; t += 2)
					{
						double		p0 = pr[t],
									p1 = pr[t + 1];

						b0 += ak[t] * (1.0 - p0) * (1.0 - p0) + bk[t] * p0 * p0;
						b1 += ak[t + 1] * (1.0 - p1) * (1.0 - p1) + bk[t + 1] * p1 * p1;
						gb[t] = -gb[t];
						gb[t + 1] = -gb[t + 1];
					}
					for (; t < bn; t++)
					{
						double		p = pr[t];

						b0 += ak[t] * (1.0 - p) * (1.0 - p) + bk[t] * p * p;
						gb[t] = -gb[t];
					}
					br += b0 + b1;
				}
				for (int64_t t = 0; lambda > 0 && t < bn; t++)
				{
					double		p = pr[t];
					double		q = p * (1.0 - p);
					double		nk = ak[t] + bk[t];

					/*
					 * objective derivatives: -loglik plus lambda * Brier;
					 * Brier curvature exact when the pair's total curvature
					 * stays positive, else its Gauss-Newton part alone
					 */
					double		exact = h[t] + 2.0 * lambda *
						(nk * q * q + (nk * p - ak[t]) * q * (1.0 - 2.0 * p));

					gb[t] *= 1.0 + 2.0 * lambda * q;
					if (exact > 0)
						h[t] = exact;
					else
						h[t] += 2.0 * lambda * nk * q * q;
				}
				if (w->hf)
				{
					float	   *hf = w->hf + base + k0;

					for (int64_t t = 0; t < bn; t++)
					{
						hf[t] = (float) h[t];
						hf_bad |= (h[t] > BT_HF_MAX) | (h[t] > 0 && h[t] < BT_HF_MIN);
					}
				}
				if (!derivs)
					continue;

				bt_scatter_runs(bn, ch->i + k0, ch->j + k0, gb, h, g, dg);
				if (w->ig >= 0)
					for (int64_t t = 0; t < bn; t++)
					{
						sg += gb[t];
						sh += h[t];
					}
			}
		}
		if (hf_bad)
		{
			/*
			 * a curvature outside single precision's comfortable range
			 * (weights near 1e38 overflow it, near 1e-38 lose it): keep
			 * double precision from here on and evaluate again
			 */
			w->hd = bt_env_alloc(w->env, sizeof(double) * (w->m + 1));
			bt_env_release(w->env, w->hf);
			bt_env_release(w->env, w->hblk);
			w->hf = NULL;
			w->hblk = NULL;
			return bt_eval(w, x, derivs);
		}
		w->loglik = ll;
		w->brier = br - w->tie_const;
		obj = -ll + (lambda > 0 ? lambda * w->brier : 0.0);
		if (derivs && w->ig >= 0)
		{
			g[w->ig] = sg;
			dg[w->ig] = sh;
		}
	}
	else
	{
		double		ll = 0.0;
		int64_t		base = 0;

		for (int c = 0; c < pb->nchunk; base += pb->chunk[c].m, c++)
		{
			const BtChunk *ch = &pb->chunk[c];

			for (int64_t r = 0; r < ch->m; r++)
			{
				int64_t		k = base + r;
				double		u = 0.5 * (x[ch->i[r]] - x[ch->j[r]] + gamma);
				double		logd = bt_davidson_logd(u, theta);
				double		p1 = exp(u - logd);
				double		p2 = exp(-u - logd);
				double		pt = exp(theta - logd);
				double		nk = ch->w1[r] + ch->w2[r] + ch->wt[r];

				ll += ch->w1[r] * (u - logd) + ch->w2[r] * (-u - logd) +
					ch->wt[r] * (theta - logd);
				/* derivatives of -loglik */
				w->gd[k] = -(0.5 * (ch->w1[r] - ch->w2[r]) - 0.5 * nk * (p1 - p2));
				w->gt[k] = -(ch->wt[r] - nk * pt);
				w->hd[k] = nk * (0.25 * (p1 + p2) - 0.25 * (p1 - p2) * (p1 - p2));
				w->hdt[k] = -0.5 * nk * (p1 - p2) * pt;
				w->htt[k] = nk * pt * (1.0 - pt);
			}
		}
		w->loglik = ll;
		w->brier = 0.0;
		obj = -ll;
		if (derivs)
		{
			double	   *g = w->grad;
			double	   *dg = w->diag;
			double		sg = 0.0,
						sh = 0.0,
						st = 0.0,
						stt = 0.0;

			int64_t		base = 0;

			for (int c = 0; c < pb->nchunk; base += pb->chunk[c].m, c++)
				bt_scatter_runs(pb->chunk[c].m, pb->chunk[c].i, pb->chunk[c].j,
								w->gd + base, w->hd + base, g, dg);
			for (int64_t k = 0; k < w->m; k++)
			{
				sg += w->gd[k];
				sh += w->hd[k];
				st += w->gt[k];
				stt += w->htt[k];
			}
			if (w->ig >= 0)
			{
				g[w->ig] = sg;
				dg[w->ig] = sh;
			}
			g[w->it] = st;
			dg[w->it] = stt;
		}
	}

	if (pb->prior > 0)
	{
		for (int i = 0; i < n; i++)
			pen += x[i] * x[i];
		obj += 0.5 * pb->prior * pen;
	}

	if (derivs)
	{
		double	   *g = w->grad;
		double	   *dg = w->diag;
		double		sd = 0.0;

		if (pb->prior > 0)
			for (int i = 0; i < n; i++)
			{
				g[i] += pb->prior * x[i];
				dg[i] += pb->prior;
			}
		for (int i = 0; i < n; i++)
			sd += dg[i];
		sd /= n;
		w->vscale = (sd > 0 && isfinite(sd)) ? sd : 1.0;
	}
	return obj;
}

/*
 * y = (H + alpha v v') x over all p parameters, H and alpha from the
 * last bt_eval.
 */
static void
bt_hess_matvec(BtWork *w, const double *x, double *y)
{
	const BtProblem *pb = w->pb;
	int			n = w->n;
	double		xg = w->ig >= 0 ? x[w->ig] : 0.0;
	double		xt = w->it >= 0 ? x[w->it] : 0.0;
	double		yg = 0.0,
				yt = 0.0;
	double		mean = 0.0;

	memset(y, 0, sizeof(double) * w->p);
	if (w->ig < 0 && w->it < 0)
	{
		int64_t		base = 0;

		for (int c = 0; c < pb->nchunk; base += pb->chunk[c].m, c++)
		{
			const BtChunk *ch = &pb->chunk[c];

			if (w->hf)
				bt_lap_matvec_f(ch->m, ch->i, ch->j, w->hf + base, x, y);
			else
				bt_lap_matvec(ch->m, ch->i, ch->j, w->hd + base, x, y);
		}
	}
	else
	{
		int64_t		k = 0;

		for (int c = 0; c < pb->nchunk; c++)
		{
			const BtChunk *ch = &pb->chunk[c];

			for (int64_t r = 0; r < ch->m; r++, k++)
			{
				int32_t		i = ch->i[r];
				int32_t		j = ch->j[r];
				double		du = x[i] - x[j] + xg;
				double		t = w->hd[k] * du;

				if (w->it >= 0)
				{
					t += w->hdt[k] * xt;
					yt += w->hdt[k] * du + w->htt[k] * xt;
				}
				y[i] += t;
				y[j] -= t;
				yg += t;
			}
		}
		if (w->ig >= 0)
			y[w->ig] = yg;
		if (w->it >= 0)
			y[w->it] = yt;
	}
	for (int i = 0; i < n; i++)
		mean += x[i];
	mean *= w->vscale / n;
	for (int i = 0; i < n; i++)
		y[i] += pb->prior * x[i] + mean;
}

/*
 * Add v at (a, b) and (b, a) of a symmetric matrix of which only the lower
 * triangle is kept: once below the diagonal, twice on it.
 */
static inline void
bt_sym_add(double *hm, int ld, int a, int b, double v)
{
	if (a > b)
		hm[(size_t) a * ld + b] += v;
	else if (a < b)
		hm[(size_t) b * ld + a] += v;
	else
		hm[(size_t) a * ld + a] += 2.0 * v;
}

/*
 * Dense (H + alpha v v'), row-major p x p with rows ld apart (see
 * bt_dense_alloc), exact Hessian from the per-pair arrays.  Only the lower
 * triangle is written (and zeroed first), which is all that bt_cholesky
 * reads.  From an allocator that returns untouched memory (the solver
 * benchmark's calloc) the upper triangle's pages are then never touched,
 * and fresh pages cost a fault each (on this project's test VM about a
 * fifth of a 2000-item fit with SEs in that benchmark when both triangles
 * were written).  The server's allocator zeroes its blocks, on huge pages,
 * so there every page is touched once (doc/performance.md, eleventh
 * series).  Each lower
 * entry takes the same additions in the same order as when both were (no
 * pair has i = j, and the position and tie parameters come after the
 * items, so bt_sym_add never lands on the diagonal here).
 */
static void
bt_hess_dense(BtWork *w, double *hm, int ld)
{
	const BtProblem *pb = w->pb;
	int			p = w->p;
	int			n = w->n;
	int			ig = w->ig;
	int			it = w->it;
	int64_t		k;

	for (int i = 0; i < p; i++)
		memset(hm + (size_t) i * ld, 0, sizeof(double) * (i + 1));
	k = 0;
	for (int c = 0; c < pb->nchunk; c++)
	{
		const BtChunk *ch = &pb->chunk[c];

		for (int64_t r = 0; r < ch->m; r++, k++)
		{
			int32_t		i = ch->i[r];
			int32_t		j = ch->j[r];
			double		h = w->hd[k];

			hm[(size_t) i * ld + i] += h;
			hm[(size_t) j * ld + j] += h;
			bt_sym_add(hm, ld, i, j, -h);
			if (ig >= 0)
			{
				hm[(size_t) ig * ld + ig] += h;
				bt_sym_add(hm, ld, i, ig, h);
				bt_sym_add(hm, ld, j, ig, -h);
			}
			if (it >= 0)
			{
				double		hc = w->hdt[k];

				hm[(size_t) it * ld + it] += w->htt[k];
				bt_sym_add(hm, ld, i, it, hc);
				bt_sym_add(hm, ld, j, it, -hc);
				if (ig >= 0)
					bt_sym_add(hm, ld, ig, it, hc);
			}
		}
	}
	for (int i = 0; i < n; i++)
	{
		hm[(size_t) i * ld + i] += pb->prior;
		for (int j = 0; j <= i; j++)
			hm[(size_t) i * ld + j] += w->vscale / n;
	}
}

/*
 * A dense p x p matrix for the Newton steps and the standard errors: rows
 * ld doubles apart, ld = p rounded up to a multiple of 8, the first row on
 * a 64-byte boundary.  Every row then starts 64-byte aligned, so the rows
 * and columns that bt_cholesky and bt_standard_errors hand to dot4 are
 * congruent, and the kernel's aligning head aligns all five of them (on
 * 16-byte aligned rows the kernel ran at half its speed).  *raw is what
 * to release.
 */
static double *
bt_dense_alloc(const BtEnv *env, int p, int rows, int *ld, void **raw)
{
	int			l = (p + 7) & ~7;
	char	   *m = bt_env_alloc(env, sizeof(double) * (size_t) rows * l + 64);

	*ld = l;
	*raw = m;
	return (double *) (((uintptr_t) m + 63) & ~(uintptr_t) 63);
}

/*
 * In-place Cholesky A = L L' of a row-major symmetric matrix, rows ld
 * apart (lower triangle used and overwritten).  Returns false when A is not
 * numerically positive definite.
 *
 * Blocked by four columns: for columns j0 .. j0 + 3, each row i >= j0
 * takes the four sums L[i][0..j0) . L[j][0..j0) in one dot4 call, which
 * reads the row once (the kernel layer's SIMD), and the few terms inside
 * the block one by one.  Row i's entries in the block need only rows
 * j0 .. i of it, done before it.
 */
static bool
bt_cholesky(double *a, int p, int ld, const BtEnv *env)
{
	for (int j0 = 0; j0 < p; j0 += 4)
	{
		int			nb = p - j0 < 4 ? p - j0 : 4;
		const double *rj[4];

		for (int q = 0; q < 4; q++)
			rj[q] = a + (size_t) (j0 + (q < nb ? q : nb - 1)) * ld;
		for (int i = j0; i < p; i++)
		{
			double	   *ri = a + (size_t) i * ld;
			double		s[4];
			int			qn = i - j0 + 1 < nb ? i - j0 + 1 : nb;

			pc_kern->dot4(ri, rj[0], rj[1], rj[2], rj[3], j0, s);
			for (int q = 0; q < qn; q++)
			{
				int			j = j0 + q;
				double		v = ri[j] - s[q];

				for (int k = j0; k < j; k++)
					v -= ri[k] * rj[q][k];
				if (j < i)
					ri[j] = v / rj[q][j];
				else
				{
					if (!(v > 0) || !isfinite(v))
						return false;
					ri[j] = sqrt(v);
				}
			}
		}
		if ((j0 & 63) == 60)
			bt_env_interrupt(env);
	}
	return true;
}

/* solve L L' x = b in place (rows of L ld apart) */
static void
bt_chol_solve(const double *l, int p, int ld, double *x)
{
	for (int i = 0; i < p; i++)
	{
		const double *ri = l + (size_t) i * ld;
		double		s = x[i];

		for (int k = 0; k < i; k++)
			s -= ri[k] * x[k];
		x[i] = s / ri[i];
	}
	for (int i = p - 1; i >= 0; i--)
	{
		double		s = x[i];

		for (int k = i + 1; k < p; k++)
			s -= l[(size_t) k * ld + i] * x[k];
		x[i] = s / l[(size_t) i * ld + i];
	}
}

/* x[0..n) -= its mean */
static void
bt_centre(double *x, int n)
{
	double		mean = 0.0;

	for (int i = 0; i < n; i++)
		mean += x[i];
	mean /= n;
	for (int i = 0; i < n; i++)
		x[i] -= mean;
}

/*
 * Floor of the CG forcing term.  Conjugate gradients cannot bring the
 * residual much below machine epsilon times the condition number (nor,
 * with the single-precision curvature, below its rounding, about 6e-8 a
 * product); a fit stalled at the rounding of its gradient (weights near
 * 1e40, whose convergence test cannot be met) would otherwise run every
 * Newton step to the CG step limit.  A relative residual of 1e-6 still
 * gives the Newton step all its accuracy until the gradient has fallen
 * by six orders of magnitude, far past where fits converge.
 */
#define BT_CG_ETA_MIN 1e-6

/*
 * Largest forcing term: each Newton system is solved to at least this
 * relative residual.  An evaluation pass (the kernel, the scatter into
 * the items) costs about three Hessian products, so a Newton step saved
 * is worth more than the products a tighter first step takes: on the
 * 10M-row benchmark's fit (6.7M pairs) 0.5 took 5 Newton steps and 15
 * products, 0.01 to 0.05 all take 4 steps and 17 products (at 100k items
 * with a prior, 5 and 17 against 4 and 19); the solve is about 8% faster
 * (test/bench/bt_solve_bench.c).
 */
#define BT_CG_ETA_MAX 0.02

static double bt_norm2(const double *x, int n);

/*
 * z = P D^-1 r, the Jacobi preconditioner followed by the projection P
 * that takes the scores' mean out (the shift the constraint fixes), so the
 * CG iterates stay orthogonal to v; returns r'z.  H maps that subspace
 * into itself, so CG never spends steps on v, whatever alpha is.  On the
 * 10M-row benchmark states: 15 Hessian products (10k items) and 17 (100k
 * items, prior 0.01), against 18 and 22 with alpha = 1 and no projection,
 * and 21 at 10k items with the scaled alpha and no projection.
 */
static double
bt_pcg_precond(const BtWork *w, const double *r, double *z)
{
	double		rz = 0.0;

	for (int k = 0; k < w->p; k++)
	{
		double		dk = w->diag[k];

		z[k] = dk > 0 ? r[k] / dk : r[k];
	}
	bt_centre(z, w->n);
	for (int k = 0; k < w->p; k++)
		rz += r[k] * z[k];
	return rz;
}

/*
 * Preconditioned conjugate gradients for (H + alpha v v') dx = -g on the
 * subspace orthogonal to v (where the operator is H), stopping at
 * |r| <= eta |g| or max_cg steps.  Returns the steps taken.
 */
static int
bt_pcg(BtWork *w, double eta, int max_cg, double *dx,
	   double *r, double *z, double *q, double *d)
{
	int			p = w->p;
	double		rz,
				gnorm;
	int			step;

	/*
	 * The gradient's component along v is rounding (the pair terms cancel
	 * in exact arithmetic and x is centred), but at large weights it can
	 * exceed the rest; no step orthogonal to v reduces it, so it is taken
	 * out of the starting residual and of the norm the forcing term uses.
	 */
	for (int k = 0; k < p; k++)
		r[k] = -w->grad[k];
	bt_centre(r, w->n);
	gnorm = bt_norm2(r, p);
	memset(dx, 0, sizeof(double) * p);
	rz = bt_pcg_precond(w, r, z);
	for (int k = 0; k < p; k++)
		d[k] = z[k];
	for (step = 0; step < max_cg; step++)
	{
		double		dq = 0.0,
					alpha,
					rnorm,
					rz_new;

		bt_env_interrupt(w->env);
		bt_hess_matvec(w, d, q);
		for (int k = 0; k < p; k++)
			dq += d[k] * q[k];
		if (!(dq > 0))
			break;
		alpha = rz / dq;
		for (int k = 0; k < p; k++)
		{
			dx[k] += alpha * d[k];
			r[k] -= alpha * q[k];
		}
		rnorm = bt_norm2(r, p);
		if (rnorm <= eta * gnorm)
		{
			step++;
			break;
		}
		rz_new = bt_pcg_precond(w, r, z);
		for (int k = 0; k < p; k++)
			d[k] = z[k] + (rz_new / rz) * d[k];
		rz = rz_new;
	}
	if (step == 0)
	{
		/* fall back to a preconditioned gradient step */
		for (int k = 0; k < p; k++)
			dx[k] = z[k];
	}
	return step;
}

/*
 * Euclidean norm of x[0..n), scaled by its largest magnitude so that it
 * neither overflows nor underflows (a gradient of 1e200 with weights near
 * 1e250 made the norm Infinity, which the model's text cannot hold).
 */
static double
bt_norm2(const double *x, int n)
{
	double		mx = 0.0,
				s2 = 0.0;

	for (int k = 0; k < n; k++)
	{
		double		a = fabs(x[k]);

		if (a > mx || isnan(a))
			mx = a;
	}
	if (mx == 0.0 || !isfinite(mx))
		return mx;
	for (int k = 0; k < n; k++)
	{
		double		t = x[k] / mx;

		s2 += t * t;
	}
	return mx * sqrt(s2);
}

/* convergence measure: max |g_k| / sqrt(H_kk); also the gradient 2-norm */
static double
bt_scaled_grad(BtWork *w, double *norm2)
{
	double		mx = 0.0;

	for (int k = 0; k < w->p; k++)
	{
		double		g = w->grad[k];
		double		hk = w->diag[k];
		double		v = hk > 0 ? fabs(g) / sqrt(hk) : (g != 0 ? INFINITY : 0.0);

		if (v > mx || isnan(v))
			mx = v;
	}
	*norm2 = bt_norm2(w->grad, w->p);
	return mx;
}

/*
 * sum_k g_k^2 / H_kk: a smooth measure of the remaining Newton decrement
 * (each term squared after the division, so large weights do not
 * overflow it)
 */
static double
bt_scaled_grad2(BtWork *w)
{
	double		s2 = 0.0;

	for (int k = 0; k < w->p; k++)
		if (w->diag[k] > 0)
		{
			double		t = w->grad[k] / sqrt(w->diag[k]);

			s2 += t * t;
		}
	return s2;
}

/*
 * Standard errors at the optimum from the dense factorisation of
 * (H + alpha v v'), H exact (the objective must not contain the Brier
 * term).
 */
static bool
bt_standard_errors(BtWork *w, BtResult *res)
{
	const BtProblem *pb = w->pb;
	const BtEnv *env = w->env;
	int			p = w->p;
	int			n = w->n;
	int			ld;
	void	   *hraw,
			   *craw;
	double	   *hm = bt_dense_alloc(env, p, p, &ld, &hraw);
	double	   *colbuf = bt_dense_alloc(env, p, 4, &ld, &craw);
	double	   *col[4] = {colbuf, colbuf + ld, colbuf + 2 * ld, colbuf + 3 * ld};
	double	   *cdiag = bt_env_alloc(env, sizeof(double) * p);
	double	   *cref = NULL;
	double		vv = 1.0 / (n * (w->vscale + pb->prior));

	bt_hess_dense(w, hm, ld);
	if (!bt_cholesky(hm, p, ld, env))
	{
		bt_env_release(env, hraw);
		bt_env_release(env, craw);
		bt_env_release(env, cdiag);
		return false;
	}

	/*
	 * diag(C)_c = |L^-1 e_c|^2: forward solves, four columns c0 .. c0 + 3
	 * at a time.  col[q][r] = (delta(r, c0 + q) - L[r][c0..r) .
	 * col[q][c0..r)) / L[r][r] from r = c0 on: entries above c0 + q come
	 * out exactly 0, so the four solves share one dot4 call a row.
	 */
	for (int c0 = 0; c0 < p; c0 += 4)
	{
		double		s2[4] = {0.0, 0.0, 0.0, 0.0};

		if ((c0 & 31) == 28)
			bt_env_interrupt(env);
		for (int r = c0; r < p; r++)
		{
			const double *rr = hm + (size_t) r * ld;
			double		s[4];

			pc_kern->dot4(rr + c0, col[0] + c0, col[1] + c0, col[2] + c0,
						  col[3] + c0, r - c0, s);
			for (int q = 0; q < 4; q++)
			{
				double		v = ((r == c0 + q) ? 1.0 : 0.0) - s[q];

				col[q][r] = v / rr[r];
				s2[q] += col[q][r] * col[q][r];
			}
		}
		for (int q = 0; q < 4 && c0 + q < p; q++)
			cdiag[c0 + q] = s2[q];
	}

	if (pb->reference >= 0)
	{
		cref = bt_env_alloc(env, sizeof(double) * p);
		cref[pb->reference] = 1.0;
		bt_chol_solve(hm, p, ld, cref);
	}

	res->se = bt_env_alloc(env, sizeof(double) * n);
	for (int i = 0; i < n; i++)
	{
		double		var;

		if (cref)
			var = cdiag[i] + cdiag[pb->reference] - 2.0 * cref[i];
		else
			var = cdiag[i] - vv;
		if (i == pb->reference)
			var = 0.0;
		res->se[i] = var > 0 ? sqrt(var) : 0.0;
	}
	if (w->ig >= 0)
		res->position_se = sqrt(fmax(cdiag[w->ig], 0.0));
	if (w->it >= 0)
		res->tie_log_se = sqrt(fmax(cdiag[w->it], 0.0));

	bt_env_release(env, hraw);
	bt_env_release(env, craw);
	bt_env_release(env, cdiag);
	if (cref)
		bt_env_release(env, cref);
	return true;
}

/*
 * Starting scores: the log-odds of each item's (smoothed) effective win
 * rate, centred.  For well-mixed comparisons this is close to the
 * estimate; for near-deterministic ones it starts Newton where the
 * scores are spread instead of at 0, where the logistic is flat far away.
 */
static void
bt_warm_start(BtWork *w, double *x)
{
	const BtProblem *pb = w->pb;
	double	   *win = w->grad;
	double	   *loss = w->diag;

	if (pb->start_wins && pb->start_losses)
	{
		for (int i = 0; i < w->n; i++)
			x[i] = log((pb->start_wins[i] + 0.5) / (pb->start_losses[i] + 0.5));
		bt_centre(x, w->n);
		return;
	}
	memset(win, 0, sizeof(double) * w->n);
	memset(loss, 0, sizeof(double) * w->n);
	for (int c = 0; c < pb->nchunk; c++)
	{
		const BtChunk *ch = &pb->chunk[c];

		for (int64_t k = 0; k < ch->m; k++)
		{
			double		a = ch->w1[k] + 0.5 * ch->wt[k];
			double		b = ch->w2[k] + 0.5 * ch->wt[k];

			win[ch->i[k]] += a;
			loss[ch->j[k]] += a;
			win[ch->j[k]] += b;
			loss[ch->i[k]] += b;
		}
	}
	for (int i = 0; i < w->n; i++)
		x[i] = log((win[i] + 0.5) / (loss[i] + 0.5));
	bt_centre(x, w->n);
}

/*
 * The fit.  See the file header.
 */
BtStatus
bt_solve(const BtProblem *pb, const BtEnv *env, bool want_se, BtResult *res)
{
	BtWork		w;
	int			n = pb->n;
	int			p;
	double	   *x,
			   *xn,
			   *dx,
			   *hm = NULL,
			   *r = NULL,
			   *z = NULL,
			   *q = NULL,
			   *dd = NULL;
	double		obj,
				g0 = 0.0;
	bool		dense = n <= BT_DENSE_NEWTON_MAX;
	int			ld = 0;
	void	   *hraw = NULL;
	int			iter = 0;

	memset(&w, 0, sizeof(w));
	memset(res, 0, sizeof(*res));
	res->position_se = NAN;
	res->tie_log_se = NAN;
	w.pb = pb;
	w.env = env;
	w.n = n;
	w.m = pb->m;
	p = n;
	w.ig = pb->position ? p++ : -1;
	w.it = pb->ties == BT_TIES_DAVIDSON ? p++ : -1;
	w.p = p;

	/*
	 * Newton-CG without standard errors reads the per-pair curvature only
	 * in the Hessian products, which find an inexact Newton direction
	 * anyway: single precision there (relative error 6e-8, far inside the
	 * forcing term until the last step) halves that array and its
	 * traffic.  The gradient, the Hessian diagonal and the convergence
	 * test stay in double.  Dense Newton, SEs, a position effect and
	 * Davidson ties keep the double array, and so does a fit whose
	 * curvatures leave [BT_HF_MIN, BT_HF_MAX] (bt_eval switches).
	 */
	if (!dense && !(want_se && n <= BT_SE_MAX_ITEMS && pb->brier_weight == 0) &&
		w.ig < 0 && w.it < 0)
	{
		w.hf = bt_env_alloc(env, sizeof(float) * (pb->m + 1));
		w.hblk = bt_env_alloc(env, sizeof(double) * BT_EVAL_BLOCK);
	}
	else
		w.hd = bt_env_alloc(env, sizeof(double) * (pb->m + 1));
	if (pb->ties == BT_TIES_DAVIDSON)
	{
		w.gd = bt_env_alloc(env, sizeof(double) * (pb->m + 1));
		w.gt = bt_env_alloc(env, sizeof(double) * (pb->m + 1));
		w.hdt = bt_env_alloc(env, sizeof(double) * (pb->m + 1));
		w.htt = bt_env_alloc(env, sizeof(double) * (pb->m + 1));
	}
	else
	{
		bool		half = pb->ties == BT_TIES_HALF;

		bool		any_tie = false;

		for (int c = 0; half && !any_tie && c < pb->nchunk; c++)
			for (int64_t k = 0; k < pb->chunk[c].m; k++)
				if (pb->chunk[c].wt[k] != 0)
				{
					any_tie = true;
					break;
				}
		if (any_tie)
		{
			/* a = w1 + wt/2, b = w2 + wt/2 */
			double	   *ea,
					   *eb;

			w.ab = bt_env_alloc(env, sizeof(double) * 2 * (pb->m + 1));
			ea = w.ab;
			eb = w.ab + pb->m + 1;
			for (int c = 0, k = 0; c < pb->nchunk; c++)
			{
				const BtChunk *ch = &pb->chunk[c];

				for (int64_t r = 0; r < ch->m; r++, k++)
				{
					ea[k] = ch->w1[r] + 0.5 * ch->wt[r];
					eb[k] = ch->w2[r] + 0.5 * ch->wt[r];
					w.tie_const += 0.25 * ch->wt[r];
				}
			}
		}
		/* else no ties, or ties dropped: the chunks' counts themselves */
		w.gblk = bt_env_alloc(env, sizeof(double) * BT_EVAL_BLOCK);
		w.pblk = bt_env_alloc(env, sizeof(double) * BT_EVAL_BLOCK);
	}
	w.grad = bt_env_alloc(env, sizeof(double) * p);
	w.diag = bt_env_alloc(env, sizeof(double) * p);
	x = bt_env_alloc(env, sizeof(double) * p);
	xn = bt_env_alloc(env, sizeof(double) * p);
	dx = bt_env_alloc(env, sizeof(double) * p);
	if (dense)
		hm = bt_dense_alloc(env, p, p, &ld, &hraw);
	else
	{
		r = bt_env_alloc(env, sizeof(double) * p);
		z = bt_env_alloc(env, sizeof(double) * p);
		q = bt_env_alloc(env, sizeof(double) * p);
		dd = bt_env_alloc(env, sizeof(double) * p);
	}

	if (pb->ties != BT_TIES_DAVIDSON)
		bt_warm_start(&w, x);
	obj = bt_eval(&w, x, true);
	for (;;)
	{
		double		gnorm;
		double		sg = bt_scaled_grad(&w, &gnorm);
		double		slope = 0.0,
					step = 1.0,
					objn = obj,
					sg2;
		bool		accepted = false;

		bt_env_interrupt(env);
		if (iter == 0)
			g0 = gnorm > 0 ? gnorm : 1.0;
		sg2 = bt_scaled_grad2(&w);
		res->scaled_grad = sg;
		res->grad_norm = gnorm;
		if (sg <= pb->tol)
		{
			res->converged = true;
			break;
		}
		if (iter >= pb->max_iter)
			break;

		/* Newton direction */
		if (dense)
		{
			bt_hess_dense(&w, hm, ld);
			if (!bt_cholesky(hm, p, ld, env))
			{
				/* cannot happen for a checked problem; gradient step */
				for (int k = 0; k < p; k++)
					dx[k] = -w.grad[k] / (w.diag[k] > 0 ? w.diag[k] : 1.0);
			}
			else
			{
				for (int k = 0; k < p; k++)
					dx[k] = -w.grad[k];
				bt_chol_solve(hm, p, ld, dx);
			}
		}
		else
		{
			double		eta = fmin(BT_CG_ETA_MAX, fmax(gnorm / g0, BT_CG_ETA_MIN));

			res->cg_iterations += bt_pcg(&w, eta, 1000, dx, r, z, q, dd);
		}
		for (int k = 0; k < p; k++)
			slope += dx[k] * w.grad[k];
		if (!(slope < 0))
		{
			/* not a descent direction (rounding at the optimum): stop */
			break;
		}

		/* backtracking (Armijo) line search */
		for (int ls = 0; ls < 40; ls++)
		{
			for (int k = 0; k < p; k++)
				xn[k] = x[k] + step * dx[k];
			bt_centre(xn, n);
			objn = bt_eval(&w, xn, true);
			if (objn <= obj + 1e-4 * step * slope)
			{
				accepted = true;
				break;
			}

			/*
			 * Near the optimum the decrease of a full Newton step falls
			 * below the rounding of the objective; accept the step when
			 * the objective is unchanged up to rounding and the scaled
			 * gradient shrank.
			 */
			if (fabs(objn - obj) <= 1e-12 * fabs(obj) &&
				bt_scaled_grad2(&w) < sg2)
			{
				accepted = true;
				break;
			}
			step *= 0.5;
		}
		iter++;
		if (!accepted)
		{
			/* no decrease possible in floating point: measure and stop */
			obj = bt_eval(&w, x, true);
			res->scaled_grad = bt_scaled_grad(&w, &res->grad_norm);
			break;
		}
		/* derivatives at xn are current */
		memcpy(x, xn, sizeof(double) * p);
		obj = objn;
	}

	res->iterations = iter;
	res->dense = dense;
	res->objective = obj;
	res->loglik = w.loglik;
	res->brier = w.brier;
	res->position = w.ig >= 0 ? x[w.ig] : 0.0;
	res->tie_log = w.it >= 0 ? x[w.it] : 0.0;

	for (int k = 0; k < p; k++)
		if (!isfinite(x[k]) || fabs(x[k]) > BT_DIVERGENCE_LIMIT)
			res->diverged = true;

	if (want_se && n <= BT_SE_MAX_ITEMS && pb->brier_weight == 0 &&
		!res->diverged)
	{
		/* derivatives at x are current (last bt_eval had derivs) */
		if (!bt_standard_errors(&w, res))
			res->se = NULL;
	}

	res->score = bt_env_alloc(env, sizeof(double) * n);
	for (int i = 0; i < n; i++)
		res->score[i] = x[i] - (pb->reference >= 0 ? x[pb->reference] : 0.0);

	if (w.hd)
		bt_env_release(env, w.hd);
	if (w.hf)
	{
		bt_env_release(env, w.hf);
		bt_env_release(env, w.hblk);
	}
	if (w.gt)
	{
		bt_env_release(env, w.gd);
		bt_env_release(env, w.gt);
		bt_env_release(env, w.hdt);
		bt_env_release(env, w.htt);
	}
	if (w.ab)
		bt_env_release(env, w.ab);
	if (w.gblk)
	{
		bt_env_release(env, w.gblk);
		bt_env_release(env, w.pblk);
	}
	bt_env_release(env, w.grad);
	bt_env_release(env, w.diag);
	bt_env_release(env, x);
	bt_env_release(env, xn);
	bt_env_release(env, dx);
	if (hraw)
		bt_env_release(env, hraw);
	if (r)
	{
		bt_env_release(env, r);
		bt_env_release(env, z);
		bt_env_release(env, q);
		bt_env_release(env, dd);
	}
	return BT_OK;
}

/* whether every item carries both marks */
static bool
bt_scc_all_marked(int n, const uint8_t *fr, const uint8_t *br)
{
	unsigned	all = 1;

	for (int u = 0; u < n; u++)
		all &= fr[u] & br[u];
	return all != 0;
}

/*
 * Whether every item reaches item 0 and is reached from it, by sweeps
 * over the pairs that spread both marks along the arcs (branch-free: an
 * arc that is absent masks its update).  Returns 1 when all are reached
 * both ways, 0 when a sweep changed nothing and some are not (the marks
 * are then closed: the graph has more than one component), -1 when
 * BT_SCC_SWEEPS did not settle it.
 *
 * The sweeps count the items that gain their second mark; once the count
 * reaches n (on a connected table, usually early in the first sweep) the
 * marks are checked item by item, every BT_SCC_BLOCK pairs, and the sweep
 * stops as soon as every item has both.  The count only triggers that
 * check, so the verdict never rests on it.
 */
#define BT_SCC_BLOCK 65536

static int
bt_scc_sweep(int n, int nchunk, const BtChunk *chunk, const uint8_t *arc,
			 const BtEnv *env)
{
	uint8_t    *fr = bt_env_alloc(env, n);	/* reached from item 0 */
	uint8_t    *br = bt_env_alloc(env, n);	/* reaches item 0 */
	int			verdict = -1;
	int64_t		both = 1;		/* items with both marks, as counted */

	fr[0] = br[0] = 1;
	for (int sweep = 0; sweep < BT_SCC_SWEEPS && verdict < 0; sweep++)
	{
		unsigned	changed = 0;
		const uint8_t *ak = arc;

		bt_env_interrupt(env);

		for (int c = 0; c < nchunk && verdict < 0; ak += chunk[c].m, c++)
		{
			const int32_t *pi = chunk[c].i;
			const int32_t *pj = chunk[c].j;

			for (int64_t k0 = 0; k0 < chunk[c].m && verdict < 0; k0 += BT_SCC_BLOCK)
			{
				int64_t		kend = chunk[c].m - k0 < BT_SCC_BLOCK ? chunk[c].m : k0 + BT_SCC_BLOCK;

				for (int64_t k = k0; k < kend; k++)
				{
					int32_t		i = pi[k];
					int32_t		j = pj[k];
					unsigned	f = ak[k] & BT_ARC_FWD;
					unsigned	b = (ak[k] >> 1) & 1;
					unsigned	fi = fr[i],
								fj = fr[j],
								bi = br[i],
								bj = br[j];
					unsigned	nfj = fj | (fi & f),
								nfi = fi | (fj & b),
								nbi = bi | (bj & f),
								nbj = bj | (bi & b);

					changed |= (nfj ^ fj) | (nfi ^ fi) | (nbi ^ bi) | (nbj ^ bj);
					both += ((nfi & nbi) ^ (fi & bi)) + ((nfj & nbj) ^ (fj & bj));
					fr[j] = (uint8_t) nfj;
					fr[i] = (uint8_t) nfi;
					br[i] = (uint8_t) nbi;
					br[j] = (uint8_t) nbj;
				}
				if (both >= n && bt_scc_all_marked(n, fr, br))
					verdict = 1;
			}
		}
		if (verdict < 0)
		{
			if (bt_scc_all_marked(n, fr, br))
				verdict = 1;
			else if (!changed)
				verdict = 0;
		}
	}
	bt_env_release(env, fr);
	bt_env_release(env, br);
	return verdict;
}

/*
 * Strongly connected components of the win graph.  See bt_solve.h.
 */
int
bt_scc(int n, int nchunk, const BtChunk *chunk, const uint8_t *arc,
	   int32_t *comp, const BtEnv *env)
{
	int64_t    *start;
	int64_t		narcs = 0;
	int32_t    *adj;
	int64_t    *fill;
	int32_t    *index;
	int32_t    *low;
	bool	   *onstack;
	int32_t    *stack;
	int32_t    *cstack;			/* call stack */
	int64_t    *cpos;
	int			sp = 0,
				ncomp = 0,
				counter = 0;
	int64_t		k;

	if (n > 0 && bt_scc_sweep(n, nchunk, chunk, arc, env) == 1)
	{
		memset(comp, 0, sizeof(int32_t) * n);
		return 1;
	}

	start = bt_env_alloc(env, sizeof(int64_t) * (n + 1));
	index = bt_env_alloc(env, sizeof(int32_t) * n);
	low = bt_env_alloc(env, sizeof(int32_t) * n);
	onstack = bt_env_alloc(env, sizeof(bool) * n);
	stack = bt_env_alloc(env, sizeof(int32_t) * n);
	cstack = bt_env_alloc(env, sizeof(int32_t) * n);
	cpos = bt_env_alloc(env, sizeof(int64_t) * n);

	/* CSR adjacency: arc u -> v when u beat v */
	k = 0;
	for (int c = 0; c < nchunk; c++)
		for (int64_t r = 0; r < chunk[c].m; r++, k++)
		{
			if (arc[k] & BT_ARC_FWD)
			{
				start[chunk[c].i[r] + 1]++;
				narcs++;
			}
			if (arc[k] & BT_ARC_BWD)
			{
				start[chunk[c].j[r] + 1]++;
				narcs++;
			}
		}
	for (int u = 0; u < n; u++)
		start[u + 1] += start[u];
	adj = bt_env_alloc(env, sizeof(int32_t) * (narcs + 1));
	fill = bt_env_alloc(env, sizeof(int64_t) * (n + 1));
	memcpy(fill, start, sizeof(int64_t) * (n + 1));
	k = 0;
	for (int c = 0; c < nchunk; c++)
		for (int64_t r = 0; r < chunk[c].m; r++, k++)
		{
			if (arc[k] & BT_ARC_FWD)
				adj[fill[chunk[c].i[r]]++] = chunk[c].j[r];
			if (arc[k] & BT_ARC_BWD)
				adj[fill[chunk[c].j[r]]++] = chunk[c].i[r];
		}

	for (int u = 0; u < n; u++)
		index[u] = -1;

	for (int root = 0; root < n; root++)
	{
		int			csp = 0;

		if (index[root] >= 0)
			continue;
		bt_env_interrupt(env);
		cstack[csp] = root;
		cpos[csp] = start[root];
		csp++;
		index[root] = low[root] = counter++;
		stack[sp++] = root;
		onstack[root] = true;
		while (csp > 0)
		{
			int			u = cstack[csp - 1];

			if (cpos[csp - 1] < start[u + 1])
			{
				int			v = adj[cpos[csp - 1]++];

				if (index[v] < 0)
				{
					index[v] = low[v] = counter++;
					stack[sp++] = v;
					onstack[v] = true;
					cstack[csp] = v;
					cpos[csp] = start[v];
					csp++;
				}
				else if (onstack[v] && index[v] < low[u])
					low[u] = index[v];
			}
			else
			{
				csp--;
				if (low[u] == index[u])
				{
					int			v;

					do
					{
						v = stack[--sp];
						onstack[v] = false;
						comp[v] = ncomp;
					} while (v != u);
					ncomp++;
				}
				if (csp > 0)
				{
					int			parent = cstack[csp - 1];

					if (low[u] < low[parent])
						low[parent] = low[u];
				}
			}
		}
	}

	bt_env_release(env, start);
	bt_env_release(env, adj);
	bt_env_release(env, fill);
	bt_env_release(env, index);
	bt_env_release(env, low);
	bt_env_release(env, onstack);
	bt_env_release(env, stack);
	bt_env_release(env, cstack);
	bt_env_release(env, cpos);
	return ncomp;
}

/*
 * The deviance, 2 sum_k n_k KL(observed shares || fitted probabilities),
 * pair by pair.  Each KL is formed from the differences between shares
 * and probabilities (sum_c s_c log1p((s_c - P_c) / P_c)), so a pair fitted
 * to within rounding adds about n_k * 1e-32 rather than the 1e-16 * n_k
 * that subtracting totals leaves.  Uses the problem's counts as the
 * solver does (ties 'half' as half a win and half a loss, 'drop' without
 * them, Davidson's three outcomes).
 */
double
bt_deviance_pairs(const BtProblem *pb, const BtResult *res)
{
	const double *x = res->score;
	double		gamma = pb->position ? res->position : 0.0;
	double		theta = res->tie_log;
	double		dev = 0.0;

	for (int c = 0; c < pb->nchunk; c++)
	{
		const BtChunk *ch = &pb->chunk[c];

		for (int64_t k = 0; k < ch->m; k++)
		{
			double		d = x[ch->i[k]] - x[ch->j[k]] + gamma;
			double		t = 0.0,
						nk;

			if (pb->ties != BT_TIES_DAVIDSON)
			{
				double		half = pb->ties == BT_TIES_HALF ? 0.5 * ch->wt[k] : 0.0;
				double		a = ch->w1[k] + half,
							b = ch->w2[k] + half;
				double		e = exp(-fabs(d));
				double		hi = 1.0 / (1.0 + e),
							lo = e / (1.0 + e);
				double		p = d >= 0 ? hi : lo,
							q = d >= 0 ? lo : hi;

				nk = a + b;
				if (!(nk > 0))
					continue;
				if (a > 0)
					t += (a / nk) * log1p((a / nk - p) / p);
				if (b > 0)
					t += (b / nk) * log1p((b / nk - q) / q);
			}
			else
			{
				double		u = 0.5 * d;
				double		logd = bt_davidson_logd(u, theta);
				double		cnt[3] = {ch->w1[k], ch->w2[k], ch->wt[k]};
				double		lp[3] = {u - logd, -u - logd, theta - logd};

				nk = cnt[0] + cnt[1] + cnt[2];
				if (!(nk > 0))
					continue;
				for (int o = 0; o < 3; o++)
					if (cnt[o] > 0)
					{
						double		pc = exp(lp[o]);

						t += (cnt[o] / nk) * log1p((cnt[o] / nk - pc) / pc);
					}
			}
			dev += 2.0 * nk * fmax(t, 0.0);
		}
	}
	return dev;
}
