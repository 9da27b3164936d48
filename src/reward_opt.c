/*-------------------------------------------------------------------------
 *
 * reward_opt.c
 *	  Evaluation and optimisers of reward_fit: the objective, gradient and
 *	  (optionally) packed Hessian at given parameters, over the rows held
 *	  in memory or as a pass of the reward_pass aggregate over the query;
 *	  Newton's method with the dense Hessian (up to RW_NEWTON_MAX
 *	  parameters; the shared dense Cholesky of bt_dense.c) and L-BFGS
 *	  beyond, both with a backtracking line search.
 *
 *-------------------------------------------------------------------------
 */
#include "reward_fit_int.h"

#include <math.h>

#include "bt_dense.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"

/*
 * The design rows of one held comparison: itself and, with augmentation,
 * its twin (display order swapped, or the spurious features exchanged);
 * their dense rows z (kd values, the position column 1) in ft->zbuf.
 * Returns how many (1 or 2).
 */
int
rw_twins(const RwFit *ft, const double *zrow, int a, int b, double y,
		 RwTwin tw[2])
{
	int			d = ft->d;
	double	   *z0 = ft->zbuf,
			   *z1 = ft->zbuf + d + 1;

	if (d > 0)
		memcpy(z0, zrow, sizeof(double) * d);
	z0[d] = 1.0;
	tw[0].z = z0;
	tw[0].a = a;
	tw[0].b = b;
	tw[0].y = y;
	if (ft->augment == RW_AUG_NONE)
		return 1;
	for (int i = 0; i < d; i++)
		z1[i] = (ft->augment == RW_AUG_SWAP || ft->spur[i]) ? -zrow[i] : zrow[i];
	z1[d] = 1.0;
	tw[1].z = z1;
	if (ft->augment == RW_AUG_SWAP)
	{
		tw[1].a = b;
		tw[1].b = a;
		tw[1].y = 1.0 - y;
	}
	else
	{
		tw[1].a = a;
		tw[1].b = b;
		tw[1].y = y;
	}
	return 2;
}

/* one row and its augmented twin into the sums */
static inline void
rw_eval_row(RwFit *ft, const double *zrow, int a, int b, double y, double w,
			const double *theta, RwSums *sums, double *g, double *H)
{
	RwTwin		tw[2];
	int			nt = rw_twins(ft, zrow, a, b, y, tw);

	for (int t = 0; t < nt; t++)
		rw_accumulate(ft->kd, tw[t].z, tw[t].a, tw[t].b, tw[t].y, w, theta,
					  ft->nitems, ft->objective, ft->lambda, sums, g, H);
}

static void
rw_eval_pass(RwFit *ft, const double *theta, bool hess, RwSums *sums,
			 double *g, double *H)
{
	Datum	   *elems = palloc(sizeof(Datum) * ft->k);
	Datum		args[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	ArrayType  *arr;
	int			rc;
	bool		isnull;
	Datum		res;
	RewardPass *s;

	for (int i = 0; i < ft->k; i++)
		elems[i] = Float8GetDatum(theta[i]);
	arr = construct_array(elems, ft->k, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
	args[0] = PointerGetDatum(arr);
	args[1] = CStringGetTextDatum(rw_objective_name(ft->objective));
	args[2] = Float8GetDatum(ft->lambda);
	args[3] = BoolGetDatum(hess);
	/*
	 * No row count (the aggregate returns one row): executed with a count,
	 * the plan's Gather ran without workers (Workers Launched: 0).
	 */
	rc = SPI_execute_plan(ft->plan, args, nulls, true, 0);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "reward pass query failed: %s", SPI_result_code_string(rc));
	res = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("the query returned no comparisons")));
	s = (RewardPass *) PG_DETOAST_DATUM(res);
	*sums = s->sums;
	memcpy(g, RW_PASS_GRAD(s), sizeof(double) * ft->k);
	if (hess)
		memcpy(H, RW_PASS_HESS(s), sizeof(double) * ft->k * (ft->k + 1) / 2);
	SPI_freetuptable(SPI_tuptable);
	pfree(arr);
	pfree(elems);
}

/*
 * Objective (prior included), gradient and optionally Hessian at theta.
 * The prior prior/2 |theta|^2 covers w and the item effects, not gamma.
 */
void
rw_eval(RwFit *ft, const double *theta, bool hess, RwSums *sums, double *g,
		double *H)
{
	size_t		nh = (size_t) ft->k * (ft->k + 1) / 2;

	memset(sums, 0, sizeof(*sums));
	memset(g, 0, sizeof(double) * ft->k);
	if (hess)
		memset(H, 0, sizeof(double) * nh);
	ft->passes++;
	if (ft->in_memory)
	{
		for (int c = 0; c < ft->nchunk; c++)
		{
			RwChunk    *ch = &ft->chunk[c];

			for (int r = 0; r < ch->m; r++)
			{
				if ((r & 1023) == 0)
					CHECK_FOR_INTERRUPTS();
				rw_eval_row(ft, ch->z ? ch->z + (size_t) r * ft->d : NULL,
							ch->a ? ch->a[r] : -1, ch->b ? ch->b[r] : -1,
							ch->y[r], ch->w[r], theta, sums, g,
							hess ? H : NULL);
			}
		}
	}
	else
		rw_eval_pass(ft, theta, hess, sums, g, H);

	for (int i = 0; i < ft->k; i++)
	{
		if (i >= ft->d && i < ft->kd)
			continue;			/* gamma: no prior */
		sums->f += 0.5 * ft->prior * theta[i] * theta[i];
		g[i] += ft->prior * theta[i];
		if (hess)
			H[(size_t) i * (i + 1) / 2 + i] += ft->prior;
	}
}

static double
maxabs(const double *x, int n)
{
	double		m = 0.0;

	for (int i = 0; i < n; i++)
		if (fabs(x[i]) > m)
			m = fabs(x[i]);
	return m;
}

static double
dot(const double *x, const double *y, int n)
{
	double		s = 0.0;

	for (int i = 0; i < n; i++)
		s += x[i] * y[i];
	return s;
}

void
rw_check_divergence(RwFit *ft, const RwSums *sums)
{
	if (ft->prior == 0.0 && rw_objective_has_logloss(ft->objective) &&
		sums->maxeta > RW_DIVERGENCE_LIMIT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the maximum likelihood estimate does not exist"),
				 errdetail("The comparisons are separable: some combination of the features%s predicts every outcome, so the log-odds grow without bound.",
						   ft->nitems > 0 ? " and item effects" : ""),
				 errhint("Add a prior (for example prior => 0.1) to get finite coefficients.")));
}

/* the shared dense solver (bt_dense.c) on palloc'd memory */
static void *
rw_env_alloc(void *arg, size_t size)
{
	return palloc_extended(size, MCXT_ALLOC_HUGE);
}

static void
rw_env_release(void *arg, void *ptr)
{
	pfree(ptr);
}

const BtEnv rw_bt_env = {rw_env_alloc, rw_env_release, pc_interrupt, NULL};

/*
 * A (rows ld apart, lower triangle) = the packed Hessian H + mu I, and,
 * with item effects and no prior, + u u' on the item block: the Hessian
 * is singular along u = (0, 1 .. 1) and the effects are centred, Sigma s
 * = 0 (the Newton step stays in that plane; see rw_standard_errors).
 */
void
rw_dense_from_packed(const RwFit *ft, const double *H, double mu,
					 double *A, int ld)
{
	for (int i = 0; i < ft->k; i++)
	{
		const double *hr = H + (size_t) i * (i + 1) / 2;
		double	   *ar = A + (size_t) i * ld;

		memcpy(ar, hr, sizeof(double) * (i + 1));
		ar[i] += mu;
	}
	rw_centre_items(ft, A, ld);
}

/* + u u' on the item block when the effects are centred (no prior) */
void
rw_centre_items(const RwFit *ft, double *A, int ld)
{
	if (ft->nitems == 0 || ft->prior != 0.0)
		return;
	for (int i = ft->kd; i < ft->k; i++)
		for (int j = ft->kd; j <= i; j++)
			A[(size_t) i * ld + j] += 1.0;
}

/* step acceptance: Armijo, or (at rounding level) a smaller gradient */
static inline bool
rw_accept(double fnew, double f, double t, double gd, double gmax_new,
		  double gmax)
{
	if (fnew <= f + 1e-4 * t * gd)
		return true;
	return fabs(fnew - f) <= 1e-12 * Max(fabs(f), 1.0) && gmax_new < gmax;
}

/*
 * Backtracking from step t along dir (halving, at most tries steps): the
 * first acceptable point thn with its sums, gradient and (when Hn is not
 * NULL) Hessian; false when none is.
 */
static bool
rw_line_search(RwFit *ft, const double *th, const double *dir, double t,
			   int tries, const RwSums *s, double gd, double gmax,
			   double *thn, RwSums *sn, double *gn, double *Hn)
{
	int			k = ft->k;

	for (int ls = 0; ls < tries; ls++)
	{
		for (int i = 0; i < k; i++)
			thn[i] = th[i] + t * dir[i];
		rw_eval(ft, thn, Hn != NULL, sn, gn, Hn);
		if (isfinite(sn->f) && rw_accept(sn->f, s->f, t, gd, maxabs(gn, k), gmax))
			return true;
		t *= 0.5;
	}
	return false;
}

void
rw_newton(RwFit *ft, int max_iter, double tol, RwOpt *o)
{
	int			k = ft->k;
	size_t		nh = (size_t) k * (k + 1) / 2;
	double	   *H = palloc(sizeof(double) * nh);
	double	   *Hn = palloc(sizeof(double) * nh);
	int			ld;
	void	   *lraw;
	double	   *L = bt_dense_alloc(&rw_bt_env, k, k, &ld, &lraw);
	double	   *g = palloc(sizeof(double) * k);
	double	   *gn = palloc(sizeof(double) * k);
	double	   *dir = palloc(sizeof(double) * k);
	double	   *th = palloc0(sizeof(double) * k);
	double	   *thn = palloc(sizeof(double) * k);
	RwSums		s,
				sn;
	double		target;

	rw_eval(ft, th, true, &s, g, H);
	target = tol * Max(1.0, s.wsum);
	o->iterations = 0;
	o->converged = false;
	for (;;)
	{
		double		gmax = maxabs(g, k);
		double		mu = 0.0,
					maxdiag = 0.0,
					gd;
		bool		accepted = false;

		if (gmax <= target)
		{
			o->converged = true;
			break;
		}
		if (o->iterations >= max_iter)
			break;
		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < k; i++)
			maxdiag = Max(maxdiag, H[(size_t) i * (i + 1) / 2 + i]);
		for (;;)
		{
			rw_dense_from_packed(ft, H, mu, L, ld);
			if (bt_cholesky(L, k, ld, &rw_bt_env))
				break;
			mu = mu == 0.0 ? 1e-10 * Max(maxdiag, 1.0) : mu * 10.0;
			if (mu > 1e10 * Max(maxdiag, 1.0))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("the reward model is not identified"),
						 errdetail("The Hessian is singular: a feature may be constant or a copy of others, or the items may not be connected by comparisons."),
						 errhint("Add a prior (for example prior => 0.1), or drop redundant features.")));
		}
		for (int i = 0; i < k; i++)
			dir[i] = -g[i];
		bt_chol_solve(L, k, ld, dir);
		gd = dot(g, dir, k);
		accepted = rw_line_search(ft, th, dir, 1.0, 40, &s, gd, gmax,
								  thn, &sn, gn, Hn);
		if (!accepted)
			break;
		o->iterations++;
		memcpy(th, thn, sizeof(double) * k);
		memcpy(g, gn, sizeof(double) * k);
		memcpy(H, Hn, sizeof(double) * nh);
		s = sn;
		rw_check_divergence(ft, &s);
	}
	o->theta = th;
	o->H = H;
	o->sums = s;
	o->gmax = maxabs(g, k);
	pfree(Hn);
	pfree(lraw);
	pfree(gn);
	pfree(dir);
	pfree(thn);
	pfree(g);
}

void
rw_lbfgs(RwFit *ft, int max_iter, double tol, RwOpt *o)
{
	int			k = ft->k;
	double	   *S = palloc(sizeof(double) * RW_LBFGS_M * k);
	double	   *Y = palloc(sizeof(double) * RW_LBFGS_M * k);
	double		rho[RW_LBFGS_M],
				alpha[RW_LBFGS_M];
	double	   *g = palloc(sizeof(double) * k);
	double	   *gn = palloc(sizeof(double) * k);
	double	   *dir = palloc(sizeof(double) * k);
	double	   *th = palloc0(sizeof(double) * k);
	double	   *thn = palloc(sizeof(double) * k);
	int			m = 0,
				head = 0;
	RwSums		s,
				sn;
	double		target;
	int64		limit = (int64) max_iter * 10;

	rw_eval(ft, th, false, &s, g, NULL);
	target = tol * Max(1.0, s.wsum);
	o->iterations = 0;
	o->converged = false;
	for (;;)
	{
		double		gmax = maxabs(g, k),
					gd,
					t,
					sy,
					ss,
					yy;
		bool		accepted = false;

		if (gmax <= target)
		{
			o->converged = true;
			break;
		}
		if (o->iterations >= limit)
			break;
		CHECK_FOR_INTERRUPTS();
		rw_lbfgs_direction(k, g, m, head, S, Y, rho, alpha, dir);
		gd = dot(g, dir, k);
		if (!(gd < 0.0))
		{
			m = 0;
			for (int i = 0; i < k; i++)
				dir[i] = -g[i];
			gd = dot(g, dir, k);
		}
		t = m == 0 ? Min(1.0, 1.0 / maxabs(g, k)) : 1.0;
		accepted = rw_line_search(ft, th, dir, t, 50, &s, gd, gmax,
								  thn, &sn, gn, NULL);
		if (!accepted)
			break;
		o->iterations++;
		/* the newest pair s = thn - th, y = gn - g */
		sy = ss = yy = 0.0;
		for (int i = 0; i < k; i++)
		{
			double		si = thn[i] - th[i],
						yi = gn[i] - g[i];

			S[(size_t) head * k + i] = si;
			Y[(size_t) head * k + i] = yi;
			sy += si * yi;
			ss += si * si;
			yy += yi * yi;
		}
		if (sy > 1e-12 * sqrt(ss * yy))
		{
			rho[head] = 1.0 / sy;
			head = (head + 1) % RW_LBFGS_M;
			if (m < RW_LBFGS_M)
				m++;
		}
		memcpy(th, thn, sizeof(double) * k);
		memcpy(g, gn, sizeof(double) * k);
		s = sn;
		rw_check_divergence(ft, &s);
	}
	o->theta = th;
	o->H = NULL;
	o->sums = s;
	o->gmax = maxabs(g, k);
	pfree(S);
	pfree(Y);
	pfree(gn);
	pfree(dir);
	pfree(thn);
	pfree(g);
}
