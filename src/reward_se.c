/*-------------------------------------------------------------------------
 *
 * reward_se.c
 *	  Standard errors of a reward_fit at the optimum (log-loss fits):
 *	  the inverse of the Hessian of the penalised negative log-likelihood
 *	  (the observed Fisher information), or with a cluster column the
 *	  cluster-robust sandwich H^-1 B H^-1, B the sum over clusters of the
 *	  outer products of their score sums.  Newton fits have the Hessian;
 *	  for L-BFGS fits one pass over the rows held in memory builds it
 *	  (n k^2 / 2 multiply-adds, 8 k^2 bytes), up to RW_SE_MAX parameters,
 *	  when prefcal.reward_standard_errors is on (auto computes them only
 *	  from a Newton fit's Hessian; off, never).
 *	  The factorisation is the shared dense Cholesky (bt_dense.c).
 *
 *-------------------------------------------------------------------------
 */
#include "reward_fit_int.h"

#include <math.h>

#include "kernels.h"
#include "miscadmin.h"

/*
 * Rows a block of the Hessian pass adds to the matrix at once, held
 * transposed (a feature's RW_HBLOCK values contiguous): each entry of the
 * lower triangle takes one RW_HBLOCK-term dot product per block, through
 * the dot4 kernel, so the matrix is swept once per RW_HBLOCK rows.
 */
#define RW_HBLOCK 64

/*
 * A += sum over the block's rows r of c[r] z_r z_r' (lower triangle, kd
 * columns); zt holds the block transposed, kd columns of RW_HBLOCK values
 * (unused rows zero), u is scratch of 4 RW_HBLOCK values.  Four rows of A
 * at a time: one dot4 call reads column j of the block once for the four
 * entries A[i0..i0+3][j].
 */
static void
rw_hess_block(double *A, int ld, int kd, const double *zt, const double *c,
			  double *u)
{
	for (int i0 = 0; i0 < kd; i0 += 4)
	{
		int			nq = Min(4, kd - i0);
		const double *y[4];

		for (int q = 0; q < 4; q++)
		{
			const double *zi = zt + (size_t) (i0 + Min(q, nq - 1)) * RW_HBLOCK;
			double	   *uq = u + q * RW_HBLOCK;

			for (int r = 0; r < RW_HBLOCK; r++)
				uq[r] = c[r] * zi[r];
			y[q] = uq;
		}
		for (int j = 0; j < i0 + nq; j++)
		{
			double		out[4];

			pc_kern->dot4(zt + (size_t) j * RW_HBLOCK, y[0], y[1], y[2], y[3],
						  RW_HBLOCK, out);
			for (int q = Max(0, j - i0); q < nq; q++)
				A[(size_t) (i0 + q) * ld + j] += out[q];
		}
	}
}

/*
 * The design rows of held row r of chunk ch (rw_twins) and the first and
 * second derivatives of their log-loss terms in eta at theta; returns how
 * many rows.
 */
static int
rw_row_derivs(const RwFit *ft, const RwChunk *ch, int r, const double *theta,
			  RwTwin tw[2], double d1[2], double d2[2])
{
	int			nt = rw_twins(ft, ch->z ? ch->z + (size_t) r * ft->d : NULL,
							  ch->a ? ch->a[r] : -1, ch->b ? ch->b[r] : -1,
							  ch->y[r], tw);

	for (int t = 0; t < nt; t++)
	{
		double		eta = 0.0,
					f,
					ll,
					br;

		for (int i = 0; i < ft->kd; i++)
			eta += theta[i] * tw[t].z[i];
		if (tw[t].a >= 0)
			eta += theta[ft->kd + tw[t].a] - theta[ft->kd + tw[t].b];
		rw_row_loss(eta, tw[t].y, ch->w[r], RW_OBJ_LOGLOSS, 0.0,
					&f, &d1[t], &d2[t], &ll, &br);
	}
	return nt;
}

/*
 * The Hessian of the penalised negative log-likelihood at theta from the
 * rows held in memory, into A (lower triangle, rows ld apart, zeroed
 * here).
 */
static void
rw_hessian_dense(RwFit *ft, const double *theta, double *A, int ld)
{
	int			kd = ft->kd;
	double	   *zt = palloc0(sizeof(double) * RW_HBLOCK * Max(kd, 1));
	double		cb[RW_HBLOCK];
	double		u[4 * RW_HBLOCK];
	int			nb = 0;

	for (int i = 0; i < ft->k; i++)
		memset(A + (size_t) i * ld, 0, sizeof(double) * (i + 1));
	memset(cb, 0, sizeof(cb));
	for (int c = 0; c < ft->nchunk; c++)
	{
		RwChunk    *ch = &ft->chunk[c];

		for (int r = 0; r < ch->m; r++)
		{
			RwTwin		tw[2];
			double		d1[2],
						d2[2];
			int			nt = rw_row_derivs(ft, ch, r, theta, tw, d1, d2);

			if ((r & 255) == 0)
				CHECK_FOR_INTERRUPTS();
			for (int t = 0; t < nt; t++)
			{
				if (tw[t].a >= 0)
					rw_item_hessian(A + (size_t) (kd + tw[t].a) * ld,
									A + (size_t) (kd + tw[t].b) * ld,
									kd, tw[t].a, tw[t].b, tw[t].z, d2[t]);
				for (int i = 0; i < kd; i++)
					zt[(size_t) i * RW_HBLOCK + nb] = tw[t].z[i];
				cb[nb++] = d2[t];
				if (nb == RW_HBLOCK)
				{
					rw_hess_block(A, ld, kd, zt, cb, u);
					nb = 0;
				}
			}
		}
	}
	if (nb > 0)
	{
		for (int b = nb; b < RW_HBLOCK; b++)
		{
			cb[b] = 0.0;
			for (int i = 0; i < kd; i++)
				zt[(size_t) i * RW_HBLOCK + b] = 0.0;
		}
		rw_hess_block(A, ld, kd, zt, cb, u);
	}
	for (int i = 0; i < ft->k; i++)
		if (i < ft->d || i >= kd)	/* gamma: no prior */
			A[(size_t) i * ld + i] += ft->prior;
	pfree(zt);
}

/*
 * The sums of the scores (gradients of the log-likelihood terms) of each
 * cluster's comparisons at theta: nclusters rows of k values.
 */
static double *
rw_cluster_scores(RwFit *ft, const double *theta)
{
	int			k = ft->k,
				kd = ft->kd;
	double	   *S = palloc_extended(sizeof(double) * (size_t) ft->nclusters * k,
									MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);

	for (int c = 0; c < ft->nchunk; c++)
	{
		RwChunk    *ch = &ft->chunk[c];

		for (int r = 0; r < ch->m; r++)
		{
			RwTwin		tw[2];
			double		d1[2],
						d2[2];
			int			nt = rw_row_derivs(ft, ch, r, theta, tw, d1, d2);
			double	   *sc = S + (size_t) ch->c[r] * k;

			if ((r & 1023) == 0)
				CHECK_FOR_INTERRUPTS();
			for (int t = 0; t < nt; t++)
			{
				for (int i = 0; i < kd; i++)
					sc[i] += d1[t] * tw[t].z[i];
				if (tw[t].a >= 0)
				{
					sc[kd + tw[t].a] += d1[t];
					sc[kd + tw[t].b] -= d1[t];
				}
			}
		}
	}
	return S;
}

/*
 * Cluster-robust variances from the factor L of the Hessian: with x_c =
 * H^-1 S_c, V = q sum_c x_c x_c', q = G / (G - 1) (N - 1) / (N - p) (the
 * small-sample factor of Stata and statsmodels; N comparisons, p free
 * parameters).  Fills var (k) and, when cov is not NULL, the packed d x d
 * block of the coefficients.  With centred item effects every score sum
 * is orthogonal to u, so (H + u u')^-1 S_c is the pseudo-inverse's and
 * needs no correction.
 */
static void
rw_sandwich(RwFit *ft, const double *L, int ld, const double *theta,
			double *var, double *cov)
{
	int			k = ft->k,
				d = ft->d;
	double	   *S = rw_cluster_scores(ft, theta);
	double	   *x = palloc(sizeof(double) * k);
	int			p = k - ((ft->nitems > 0 && ft->prior == 0.0) ? 1 : 0);
	double		G = ft->nclusters,
				N = (double) ft->held,
				q = (G > 1 && N > p) ? G / (G - 1) * (N - 1) / (N - p) : 1.0;

	memset(var, 0, sizeof(double) * k);
	if (cov)
		memset(cov, 0, sizeof(double) * (size_t) d * (d + 1) / 2);
	for (int c = 0; c < ft->nclusters; c++)
	{
		if ((c & 63) == 0)
			CHECK_FOR_INTERRUPTS();
		memcpy(x, S + (size_t) c * k, sizeof(double) * k);
		bt_chol_solve(L, k, ld, x);
		for (int i = 0; i < k; i++)
			var[i] += x[i] * x[i];
		if (cov)
			for (int i = 0; i < d; i++)
				for (int j = 0; j <= i; j++)
					cov[(size_t) i * (i + 1) / 2 + j] += x[i] * x[j];
	}
	for (int i = 0; i < k; i++)
		var[i] *= q;
	if (cov)
		for (size_t i = 0; i < (size_t) d * (d + 1) / 2; i++)
			cov[i] *= q;
	pfree(S);
	pfree(x);
}

/*
 * Model-based variances from the factor L of H (+ u u' with centred item
 * effects): diag(H^-1), for the item block of the pseudo-inverse (H + u
 * u')^-1 - u u' / |u|^4, the covariance of the effects under Sigma s = 0;
 * and, when cov is not NULL, the coefficients' block (d solves).
 */
static void
rw_inverse(RwFit *ft, const double *L, int ld, double *var, double *cov)
{
	int			k = ft->k,
				d = ft->d;

	bt_chol_inverse_diag(L, k, ld, var, &rw_bt_env);
	if (ft->nitems > 0 && ft->prior == 0.0)
		for (int i = ft->kd; i < k; i++)
			var[i] -= 1.0 / ((double) ft->nitems * ft->nitems);
	if (cov)
	{
		double	   *e = palloc(sizeof(double) * k);

		for (int i = 0; i < d; i++)
		{
			CHECK_FOR_INTERRUPTS();
			memset(e, 0, sizeof(double) * k);
			e[i] = 1.0;
			bt_chol_solve(L, k, ld, e);
			for (int j = 0; j <= i; j++)
				cov[(size_t) i * (i + 1) / 2 + j] = e[j];
		}
		pfree(e);
	}
}

/*
 * Why the fit cannot have standard errors (RW_SEN_*), or RW_SEN_NONE.
 * A Hessian the optimiser did not leave (L-BFGS) is built from the rows
 * held in memory, and counts with the cluster score sums against
 * prefcal.reward_memory.
 */
static int
rw_se_feasible(const RwFit *ft, const RwOpt *o)
{
	Size		need = 0;

	if (!rw_objective_is_likelihood(ft->objective))
		return RW_SEN_OBJECTIVE;
	if (rw_se_setting == RW_SE_SETTING_OFF)
		return RW_SEN_OFF;
	if (ft->k > RW_SE_MAX)
		return RW_SEN_LIMIT;
	if (o->H == NULL && !ft->in_memory)
		return RW_SEN_PASSES;
	if (o->H == NULL && rw_se_setting == RW_SE_SETTING_AUTO)
		return RW_SEN_AUTO;
	if (o->H == NULL)
		need += sizeof(double) * (Size) ft->k * (ft->k + 8);
	if (ft->clustered)
		need += sizeof(double) * (Size) ft->nclusters * ft->k;
	if (o->H == NULL || ft->clustered)
	{
		if (ft->bytes + need > (Size) rw_memory_kb * 1024)
			return RW_SEN_MEMORY;
	}
	return RW_SEN_NONE;
}

void
rw_standard_errors(RwFit *ft, const RwOpt *o, RwSe *out)
{
	int			k = ft->k,
				ld;
	void	   *raw;
	double	   *A;
	double	   *var;

	memset(out, 0, sizeof(*out));
	out->note = rw_se_feasible(ft, o);
	if (out->note != RW_SEN_NONE)
		return;
	A = bt_dense_alloc(&rw_bt_env, k, k, &ld, &raw);
	if (o->H)
		rw_dense_from_packed(ft, o->H, 0.0, A, ld);
	else
	{
		rw_hessian_dense(ft, o->theta, A, ld);
		rw_centre_items(ft, A, ld);
	}
	if (!bt_cholesky(A, k, ld, &rw_bt_env))
	{
		pfree(raw);
		out->note = RW_SEN_SINGULAR;
		return;
	}
	var = palloc(sizeof(double) * k);
	if (ft->d > 0 && ft->d <= RW_COV_MAX)
		out->cov = palloc(sizeof(double) * (size_t) ft->d * (ft->d + 1) / 2);
	if (ft->clustered)
	{
		rw_sandwich(ft, A, ld, o->theta, var, out->cov);
		out->method = RW_SE_CLUSTER;
		out->clusters = ft->nclusters;
	}
	else
	{
		rw_inverse(ft, A, ld, var, out->cov);
		out->method = RW_SE_HESSIAN;
	}
	pfree(raw);
	for (int i = 0; i < k; i++)
		var[i] = sqrt(Max(var[i], 0.0));
	out->se = var;
}
