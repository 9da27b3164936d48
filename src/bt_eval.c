/*-------------------------------------------------------------------------
 *
 * bt_eval.c
 *	  The Bradley-Terry objective and its derivatives over the pairs: the
 *	  binary models block by block through the pairs_binary kernel, the
 *	  Davidson model pair by pair, the scatter of per-pair derivatives
 *	  into the items, the Hessian-vector products of Newton-CG, the dense
 *	  Hessian of dense Newton, and the deviance summed pair by pair.  See
 *	  bt_solve.c for the model and the notation.
 *
 *-------------------------------------------------------------------------
 */
#include "bt_solve_int.h"
#include "kernels.h"

#include <float.h>
#include <math.h>
#include <string.h>

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
 * One block of the binary models: the count-weighted Brier score's share
 * (returned; two partial sums, so the additions overlap), and gb turned
 * from d loglik / d d (the kernel's) into d (-loglik) / d d.
 */
static inline double
bt_eval_block_brier(int64_t bn, const double *ak, const double *bk,
					const double *pr, double *gb)
{
	double		b0 = 0.0,
				b1 = 0.0;
	int64_t		t = 0;

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
	return b0 + b1;
}

/*
 * One block's objective derivatives with the Brier term: -loglik plus
 * lambda * Brier; the Brier curvature exact when the pair's total
 * curvature stays positive, else its Gauss-Newton part alone
 */
static inline void
bt_eval_block_lambda(int64_t bn, const double *ak, const double *bk,
					 const double *pr, double lambda, double *gb, double *h)
{
	for (int64_t t = 0; t < bn; t++)
	{
		double		p = pr[t];
		double		q = p * (1.0 - p);
		double		nk = ak[t] + bk[t];
		double		exact = h[t] + 2.0 * lambda *
			(nk * q * q + (nk * p - ak[t]) * q * (1.0 - 2.0 * p));

		gb[t] *= 1.0 + 2.0 * lambda * q;
		if (exact > 0)
			h[t] = exact;
		else
			h[t] += 2.0 * lambda * nk * q * q;
	}
}

/* a block's curvatures in single precision; whether one left its range */
static inline bool
bt_eval_block_hf(int64_t bn, const double *h, float *hf)
{
	bool		bad = false;

	for (int64_t t = 0; t < bn; t++)
	{
		hf[t] = (float) h[t];
		bad |= (h[t] > BT_HF_MAX) | (h[t] > 0 && h[t] < BT_HF_MIN);
	}
	return bad;
}

/*
 * The binary models, block by block: the kernel writes the block's
 * per-pair derivatives (the first to a buffer that stays in cache, the
 * second to hd, which the Hessian products read), then the Brier term,
 * the count-weighted Brier score for the report, and the scatter into
 * the items, while the block is in cache.  Sets *obj; returns false when
 * a curvature left single precision's range (nothing else is then set).
 */
static bool
bt_eval_binary(BtWork *w, const double *x, bool derivs, double *obj)
{
	const BtProblem *pb = w->pb;
	double		gamma = w->ig >= 0 ? x[w->ig] : 0.0;
	double		lambda = pb->brier_weight;
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
			br += bt_eval_block_brier(bn, ak, bk, pr, gb);
			if (lambda > 0)
				bt_eval_block_lambda(bn, ak, bk, pr, lambda, gb, h);
			if (w->hf)
				hf_bad |= bt_eval_block_hf(bn, h, w->hf + base + k0);
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
		return false;
	w->loglik = ll;
	w->brier = br - w->tie_const;
	*obj = -ll + (lambda > 0 ? lambda * w->brier : 0.0);
	if (derivs && w->ig >= 0)
	{
		g[w->ig] = sg;
		dg[w->ig] = sh;
	}
	return true;
}

/* the Davidson model's gradient and Hessian diagonal from the per-pair arrays */
static void
bt_eval_davidson_derivs(BtWork *w)
{
	const BtProblem *pb = w->pb;
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

/* the Davidson model: per-pair derivatives of -loglik; returns -loglik */
static double
bt_eval_davidson(BtWork *w, const double *x, bool derivs)
{
	const BtProblem *pb = w->pb;
	double		gamma = w->ig >= 0 ? x[w->ig] : 0.0;
	double		theta = w->it >= 0 ? x[w->it] : 0.0;
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
	if (derivs)
		bt_eval_davidson_derivs(w);
	return -ll;
}

/*
 * Evaluate the objective at x; when derivs, also fill the per-pair
 * derivative arrays, the gradient and the Hessian diagonal.  Returns the
 * objective.
 */
double
bt_eval(BtWork *w, const double *x, bool derivs)
{
	const BtProblem *pb = w->pb;
	int			n = w->n;
	double		obj;
	double		pen = 0.0;

	if (derivs)
	{
		memset(w->grad, 0, sizeof(double) * w->p);
		memset(w->diag, 0, sizeof(double) * w->p);
	}
	if (pb->ties == BT_TIES_DAVIDSON)
		obj = bt_eval_davidson(w, x, derivs);
	else if (!bt_eval_binary(w, x, derivs, &obj))
	{
		/*
		 * a curvature outside single precision's comfortable range
		 * (weights near 1e38 overflow it, near 1e-38 lose it): keep double
		 * precision from here on and evaluate again
		 */
		w->hd = bt_env_alloc(w->env, sizeof(double) * (w->m + 1));
		bt_env_release(w->env, w->hf);
		bt_env_release(w->env, w->hblk);
		w->hf = NULL;
		w->hblk = NULL;
		return bt_eval(w, x, derivs);
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
void
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
 * reads.  From an allocator that returns untouched memory (calloc) the
 * upper triangle's pages are then never touched, and fresh pages cost a
 * fault each; the server's allocator zeroes its blocks, so there every
 * page is touched once either way.  Each lower entry takes the same additions in the same order as when both were (no
 * pair has i = j, and the position and tie parameters come after the
 * items, so bt_sym_add never lands on the diagonal here).
 */
void
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


