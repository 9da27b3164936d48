/*-------------------------------------------------------------------------
 *
 * reward_fit.c
 *	  reward_fit(query, ...) -> reward_model: fits the reward model on
 *	  features (doc/reward-models.md) to the comparisons a query returns.
 *	  When the rows fit prefcal.reward_memory, one read materialises them
 *	  compactly (feature differences, outcome, weight, item numbers) and
 *	  the optimiser iterates in memory; beyond it, every evaluation is a
 *	  pass of the reward_pass aggregate over the query (a parallel
 *	  partial aggregate where the planner chooses one).  Newton's method
 *	  with the dense Hessian up to RW_NEWTON_MAX parameters, L-BFGS
 *	  beyond.  Also the prefcal.reward_memory setting.
 *
 *-------------------------------------------------------------------------
 */
#include "reward.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

/* prefcal.reward_memory, in kilobytes */
static int	rw_memory_kb = 262144;

void
rw_init_guc(void)
{
	DefineCustomIntVariable("prefcal.reward_memory",
							"Memory reward_fit may use to hold the comparisons in memory.",
							"Beyond it, every optimiser step reads the query again.",
							&rw_memory_kb,
							262144,
							64,
							MAX_KILOBYTES,
							PGC_USERSET,
							GUC_UNIT_KB,
							NULL, NULL, NULL);
}

/* rows held in memory, in chunks */
typedef struct RwChunk
{
	int			m;
	double	   *z;				/* m x d feature differences */
	double	   *y;
	double	   *w;
	int32	   *a;				/* item numbers, or NULL */
	int32	   *b;
} RwChunk;

typedef struct RwFit
{
	int			d;
	int			kd;				/* d + position */
	int			nitems;
	int			k;
	bool		items;			/* item columns given */
	bool		position;
	int			objective;
	double		lambda;
	double		prior;
	int			augment;
	bool	   *spur;			/* d flags */

	/* in memory */
	bool		in_memory;
	RwChunk    *chunk;
	int			nchunk;
	int			chunk_cap;
	int			chunk_rows;
	int64		rows;			/* comparisons read (weight > 0 or not) */
	double		wsum;			/* their weight */
	Size		bytes;

	/* items */
	char	  **item;
	int			item_cap;
	int32	   *htab;			/* open addressing: item number + 1 */
	uint32	   *hkey;
	int			hcap;

	/* pass mode */
	SPIPlanPtr	plan;
	Oid			schema;

	int			passes;
	double	   *zbuf;			/* k */
	double	   *zbuf2;			/* k */
} RwFit;

/* ---------------------------------------------------------------------
 * items
 * ---------------------------------------------------------------------
 */

static int
rw_item_number(RwFit *ft, const char *s, int len)
{
	uint32		h = hash_bytes((const unsigned char *) s, len);
	int			pos;

	if (ft->nitems * 2 >= ft->hcap)
	{
		int			ncap = ft->hcap ? ft->hcap * 2 : 64;
		int32	   *nt = palloc(sizeof(int32) * ncap);
		uint32	   *nk = palloc(sizeof(uint32) * ncap);

		memset(nt, 0, sizeof(int32) * ncap);
		for (int i = 0; i < ft->hcap; i++)
			if (ft->htab[i])
			{
				int			p = ft->hkey[i] & (ncap - 1);

				while (nt[p])
					p = (p + 1) & (ncap - 1);
				nt[p] = ft->htab[i];
				nk[p] = ft->hkey[i];
			}
		if (ft->htab)
		{
			pfree(ft->htab);
			pfree(ft->hkey);
		}
		ft->htab = nt;
		ft->hkey = nk;
		ft->hcap = ncap;
	}
	pos = h & (ft->hcap - 1);
	while (ft->htab[pos])
	{
		const char *n = ft->item[ft->htab[pos] - 1];

		if (ft->hkey[pos] == h && (int) strlen(n) == len && memcmp(n, s, len) == 0)
			return ft->htab[pos] - 1;
		pos = (pos + 1) & (ft->hcap - 1);
	}
	if (ft->nitems == ft->item_cap)
	{
		ft->item_cap = ft->item_cap ? ft->item_cap * 2 : 64;
		ft->item = ft->item ? repalloc(ft->item, sizeof(char *) * ft->item_cap)
			: palloc(sizeof(char *) * ft->item_cap);
	}
	if (memchr(s, '\0', len) != NULL)
		elog(ERROR, "item name contains a zero byte");
	ft->item[ft->nitems] = pnstrdup(s, len);
	ft->bytes += len + 1 + 3 * sizeof(int32) + sizeof(char *);
	ft->htab[pos] = ft->nitems + 1;
	ft->hkey[pos] = h;
	return ft->nitems++;
}

static int
rw_item_of(RwFit *ft, Datum d)
{
	text	   *t = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(d));
	int			r = rw_item_number(ft, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));

	if ((Pointer) t != DatumGetPointer(d))
		pfree(t);
	return r;
}

/* ---------------------------------------------------------------------
 * evaluation
 * ---------------------------------------------------------------------
 */

/* one row and its augmented twin into the sums */
static inline void
rw_eval_row(RwFit *ft, const double *zrow, int a, int b, double y, double w,
			const double *theta, RwSums *sums, double *g, double *H)
{
	double	   *z = ft->zbuf;
	int			d = ft->d;

	if (d > 0)
		memcpy(z, zrow, sizeof(double) * d);
	z[d] = 1.0;
	rw_accumulate(ft->kd, z, a, b, y, w, theta, ft->nitems, ft->objective,
				  ft->lambda, sums, g, H);
	if (ft->augment == RW_AUG_SWAP)
	{
		for (int i = 0; i < d; i++)
			z[i] = -zrow[i];
		rw_accumulate(ft->kd, z, b, a, 1.0 - y, w, theta, ft->nitems,
					  ft->objective, ft->lambda, sums, g, H);
	}
	else if (ft->augment == RW_AUG_COUNTERFACTUAL)
	{
		for (int i = 0; i < d; i++)
			z[i] = ft->spur[i] ? -zrow[i] : zrow[i];
		rw_accumulate(ft->kd, z, a, b, y, w, theta, ft->nitems,
					  ft->objective, ft->lambda, sums, g, H);
	}
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
	rc = SPI_execute_plan(ft->plan, args, nulls, true, 1);
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
static void
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

static void
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

/* state the optimisers report */
typedef struct RwOpt
{
	double	   *theta;
	double	   *H;				/* Hessian at theta (Newton), or NULL */
	RwSums		sums;
	double		gmax;
	int			iterations;
	bool		converged;
} RwOpt;

/* step acceptance: Armijo, or (at rounding level) a smaller gradient */
static inline bool
rw_accept(double fnew, double f, double t, double gd, double gmax_new,
		  double gmax)
{
	if (fnew <= f + 1e-4 * t * gd)
		return true;
	return fabs(fnew - f) <= 1e-12 * Max(fabs(f), 1.0) && gmax_new < gmax;
}

static void
rw_newton(RwFit *ft, int max_iter, double tol, RwOpt *o)
{
	int			k = ft->k;
	size_t		nh = (size_t) k * (k + 1) / 2;
	double	   *H = palloc(sizeof(double) * nh);
	double	   *Hn = palloc(sizeof(double) * nh);
	double	   *L = palloc(sizeof(double) * nh);
	double	   *g = palloc(sizeof(double) * k);
	double	   *gn = palloc(sizeof(double) * k);
	double	   *dir = palloc(sizeof(double) * k);
	double	   *th = palloc0(sizeof(double) * k);
	double	   *thn = palloc(sizeof(double) * k);
	RwSums		s,
				sn;
	double		target;
	bool		centre = ft->nitems > 0 && ft->prior == 0.0;

	rw_eval(ft, th, true, &s, g, H);
	target = tol * Max(1.0, s.wsum);
	o->iterations = 0;
	o->converged = false;
	for (;;)
	{
		double		gmax = maxabs(g, k);
		double		mu = 0.0,
					maxdiag = 0.0,
					gd,
					t;
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
			memcpy(L, H, sizeof(double) * nh);
			for (int i = 0; i < k; i++)
				L[(size_t) i * (i + 1) / 2 + i] += mu;
			if (centre)
			{
				/* + u u' on the item block: Sigma s = 0 (see the header) */
				for (int i = ft->kd; i < k; i++)
					for (int j = ft->kd; j <= i; j++)
						L[(size_t) i * (i + 1) / 2 + j] += 1.0;
			}
			if (rw_cholesky(L, k))
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
		rw_cholesky_solve(L, k, dir);
		gd = dot(g, dir, k);
		t = 1.0;
		for (int ls = 0; ls < 40; ls++)
		{
			for (int i = 0; i < k; i++)
				thn[i] = th[i] + t * dir[i];
			rw_eval(ft, thn, true, &sn, gn, Hn);
			if (isfinite(sn.f) && rw_accept(sn.f, s.f, t, gd, maxabs(gn, k), gmax))
			{
				accepted = true;
				break;
			}
			t *= 0.5;
		}
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
	pfree(L);
	pfree(gn);
	pfree(dir);
	pfree(thn);
	pfree(g);
}

static void
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
		for (int ls = 0; ls < 50; ls++)
		{
			for (int i = 0; i < k; i++)
				thn[i] = th[i] + t * dir[i];
			rw_eval(ft, thn, false, &sn, gn, NULL);
			if (isfinite(sn.f) && rw_accept(sn.f, s.f, t, gd, maxabs(gn, k), gmax))
			{
				accepted = true;
				break;
			}
			t *= 0.5;
		}
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

/*
 * Standard errors: square roots of the diagonal of the inverse of the
 * Hessian of the penalised negative log-likelihood (the Fisher
 * information, plus the prior's lambda I when there is one).  With item
 * effects and no prior the Hessian is singular along u = (0, 1 .. 1);
 * (H + u u')^-1 - u u' / |u|^4 is then its pseudo-inverse, the
 * covariance of the effects under Sigma s = 0.
 */
static double *
rw_standard_errors(RwFit *ft, const double *H)
{
	int			k = ft->k;
	size_t		nh = (size_t) k * (k + 1) / 2;
	double	   *L = palloc(sizeof(double) * nh);
	double	   *e = palloc(sizeof(double) * k);
	double	   *se = palloc(sizeof(double) * k);
	bool		centre = ft->nitems > 0 && ft->prior == 0.0;

	memcpy(L, H, sizeof(double) * nh);
	if (centre)
		for (int i = ft->kd; i < k; i++)
			for (int j = ft->kd; j <= i; j++)
				L[(size_t) i * (i + 1) / 2 + j] += 1.0;
	if (!rw_cholesky(L, k))
	{
		pfree(L);
		pfree(e);
		pfree(se);
		return NULL;
	}
	for (int i = 0; i < k; i++)
	{
		double		v;

		CHECK_FOR_INTERRUPTS();
		memset(e, 0, sizeof(double) * k);
		e[i] = 1.0;
		rw_cholesky_solve(L, k, e);
		v = e[i];
		if (centre && i >= ft->kd)
			v -= 1.0 / ((double) ft->nitems * ft->nitems);
		se[i] = sqrt(Max(v, 0.0));
	}
	pfree(L);
	pfree(e);
	return se;
}

/* ---------------------------------------------------------------------
 * reading the query
 * ---------------------------------------------------------------------
 */

typedef struct RwCols
{
	bool		features;		/* first_features/second_features given */
	bool		weight;
	bool		items;
	const char *ftype1;			/* cast for the feature columns, or "" */
	const char *ftype2;
	const char *ycast;
} RwCols;

static const char *
rw_feature_cast(Oid t)
{
	if (t == FLOAT8ARRAYOID || t == FLOAT4ARRAYOID)
		return "";
	return "::pg_catalog.float8[]";
}

static void
rw_describe(const char *query, RwCols *c)
{
	char	   *q = psprintf("SELECT * FROM (%s) q LIMIT 0", query);
	TupleDesc	td;
	int			f1,
				f2,
				y,
				w,
				i1,
				i2;

	if (SPI_execute(q, true, 0) != SPI_OK_SELECT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the query of reward_fit must be a SELECT")));
	td = SPI_tuptable->tupdesc;
	f1 = SPI_fnumber(td, "first_features");
	f2 = SPI_fnumber(td, "second_features");
	y = SPI_fnumber(td, "outcome");
	w = SPI_fnumber(td, "weight");
	i1 = SPI_fnumber(td, "first_item");
	i2 = SPI_fnumber(td, "second_item");
	if (y <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("the query returns no column \"outcome\""),
				 errhint("Return first_features, second_features and outcome (1 = first wins, 0 = second, 0.5 = tie), and optionally weight, first_item and second_item.")));
	if ((f1 > 0) != (f2 > 0))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("the query returns only one of first_features and second_features")));
	if ((i1 > 0) != (i2 > 0))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("the query returns only one of first_item and second_item")));
	if (f1 <= 0 && i1 <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("the query returns neither features nor items"),
				 errhint("Return first_features and second_features, or first_item and second_item, or both.")));
	c->features = f1 > 0;
	c->weight = w > 0;
	c->items = i1 > 0;
	c->ftype1 = c->features ? rw_feature_cast(SPI_gettypeid(td, f1)) : "";
	c->ftype2 = c->features ? rw_feature_cast(SPI_gettypeid(td, f2)) : "";
	c->ycast = SPI_gettypeid(td, y) == BOOLOID ? "::pg_catalog.int4::pg_catalog.float8" : "::pg_catalog.float8";
	SPI_freetuptable(SPI_tuptable);
}

/* the query with the columns named, typed and in order */
static char *
rw_columns_sql(const char *query, const RwCols *c, bool swapped)
{
	const char *f1 = swapped ? "second_features" : "first_features";
	const char *f2 = swapped ? "first_features" : "second_features";

	return psprintf("SELECT %s%s%s AS first_features, %s%s%s AS second_features, "
					"%s(q.outcome)%s AS outcome, %s AS weight, %s AS first_item, %s AS second_item "
					"FROM (%s) q",
					c->features ? "q." : "NULL::pg_catalog.float8[]", c->features ? f1 : "", c->features ? c->ftype1 : "",
					c->features ? "q." : "NULL::pg_catalog.float8[]", c->features ? f2 : "", c->features ? c->ftype2 : "",
					swapped ? "1 - " : "", c->ycast,
					c->weight ? "(q.weight)::pg_catalog.float8" : "NULL::pg_catalog.float8",
					c->items ? "(q.first_item)::pg_catalog.text" : "NULL::pg_catalog.text",
					c->items ? "(q.second_item)::pg_catalog.text" : "NULL::pg_catalog.text",
					query);
}

static void
rw_add_chunk(RwFit *ft)
{
	RwChunk    *ch;
	int			m = ft->chunk_rows;

	if (ft->nchunk == ft->chunk_cap)
	{
		ft->chunk_cap = ft->chunk_cap ? ft->chunk_cap * 2 : 16;
		ft->chunk = ft->chunk ? repalloc(ft->chunk, sizeof(RwChunk) * ft->chunk_cap)
			: palloc(sizeof(RwChunk) * ft->chunk_cap);
	}
	ch = &ft->chunk[ft->nchunk++];
	ch->m = 0;
	ch->z = ft->d > 0 ? palloc(sizeof(double) * m * ft->d) : NULL;
	ch->y = palloc(sizeof(double) * m);
	ch->w = palloc(sizeof(double) * m);
	ch->a = ft->items ? palloc(sizeof(int32) * m) : NULL;
	ch->b = ch->a ? palloc(sizeof(int32) * m) : NULL;
	ft->bytes += (Size) m * (sizeof(double) * (ft->d + 2) + (ch->a ? 2 * sizeof(int32) : 0));
}

/*
 * Read every row into memory; false when they do not fit the budget (the
 * caller falls back to passes).
 */
static bool
rw_materialise(RwFit *ft, const char *sql, bool items, FunctionCallInfo fcinfo)
{
	SPIPlanPtr	plan = SPI_prepare(sql, 0, NULL);
	Portal		portal;
	Size		budget = (Size) rw_memory_kb * 1024;
	RwScratch  *sc = rw_scratch(fcinfo);
	bool		ok = true;

	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
	ft->chunk_rows = Max(64, (4 << 20) / (int) (sizeof(double) * (ft->d + 2)));
	ft->items = items;
	while (ok)
	{
		SPI_cursor_fetch(portal, true, 10000);
		if (SPI_processed == 0)
			break;
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			TupleDesc	td = SPI_tuptable->tupdesc;
			bool		n1,
						n2,
						ny,
						nw,
						na,
						nb;
			Datum		x1 = SPI_getbinval(tup, td, 1, &n1);
			Datum		x2 = SPI_getbinval(tup, td, 2, &n2);
			Datum		yd = SPI_getbinval(tup, td, 3, &ny);
			Datum		wd = SPI_getbinval(tup, td, 4, &nw);
			Datum		ad = SPI_getbinval(tup, td, 5, &na);
			Datum		bd = SPI_getbinval(tup, td, 6, &nb);
			double		y,
						w;
			RwChunk    *ch;
			int			d1,
						d2;

			if ((ft->d > 0 && (n1 || n2)) || ny)
				continue;
			y = DatumGetFloat8(yd);
			w = nw ? 1.0 : DatumGetFloat8(wd);
			rw_check_outcome_weight(y, w);
			if (items && (na || nb))
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("first_item or second_item is NULL"),
						 errdetail("With item effects every comparison names both items.")));
			if (ft->d > 0)
			{
				d1 = rw_read_vector(x1, sc->x1, "first_features", sc);
				d2 = rw_read_vector(x2, sc->x2, "second_features", sc);
				if (ft->d < 0 || d1 != d2 || d1 != ft->d)
					ereport(ERROR,
							(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
							 errmsg("a comparison has %d and %d features, the first one %d",
									d1, d2, ft->d),
							 errdetail("Every comparison needs the same number of features on both sides.")));
				for (int i = 0; i < ft->d; i++)
				{
					sc->z[i] = sc->x1[i] - sc->x2[i];
					if (!isfinite(sc->z[i]))
						rw_check_finite_row(sc->z[i], sc->x1, sc->x2, ft->d);
				}
			}
			ft->rows++;
			ft->wsum += w;
			if (w == 0.0)
				continue;
			if (ft->nchunk == 0 || ft->chunk[ft->nchunk - 1].m == ft->chunk_rows)
			{
				if (ft->bytes + (Size) ft->chunk_rows * sizeof(double) * (ft->d + 3) > budget)
				{
					ok = false;
					break;
				}
				rw_add_chunk(ft);
			}
			ch = &ft->chunk[ft->nchunk - 1];
			if (ft->d > 0)
				memcpy(ch->z + (size_t) ch->m * ft->d, sc->z, sizeof(double) * ft->d);
			ch->y[ch->m] = y;
			ch->w[ch->m] = w;
			if (items)
			{
				int			a = rw_item_of(ft, ad),
							b = rw_item_of(ft, bd);

				if (a == b)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("item \"%s\" is compared with itself", ft->item[a])));
				ch->a[ch->m] = a;
				ch->b[ch->m] = b;
			}
			ch->m++;
		}
		SPI_freetuptable(SPI_tuptable);
		CHECK_FOR_INTERRUPTS();
		if (ft->bytes > budget)
			ok = false;
	}
	SPI_cursor_close(portal);
	SPI_freeplan(plan);
	return ok;
}

/* the first comparison's feature count (0 without feature columns) */
static int
rw_first_d(const char *sql, FunctionCallInfo fcinfo)
{
	char	   *q = psprintf("SELECT pg_catalog.array_length(first_features, 1) FROM (%s) s "
							 "WHERE first_features IS NOT NULL AND second_features IS NOT NULL "
							 "AND outcome IS NOT NULL LIMIT 1", sql);
	bool		isnull;
	Datum		v;

	if (SPI_execute(q, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "cannot read the query");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("the query returned no comparisons")));
	v = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("first_features must be a non-empty one-dimensional array")));
	SPI_freetuptable(SPI_tuptable);
	return DatumGetInt32(v);
}

/*
 * reward_fit(query text, position_effect boolean, prior float8,
 *			  objective text, brier_weight float8, augment text,
 *			  spurious int[], max_iter int, tol float8,
 *			  standardize boolean) -> reward_model
 */
PG_FUNCTION_INFO_V1(reward_fit);
Datum
reward_fit(PG_FUNCTION_ARGS)
{
	char	   *query;
	RwFit		ft;
	RwCols		cols;
	RwOpt		o;
	RwModelInfo mi;
	int			max_iter;
	double		tol;
	bool		standardize;
	char	   *sql;
	char	   *augname;
	double	   *scales = NULL;
	double	   *se = NULL;
	int32	   *spurious = NULL;
	int			nspurious = 0;
	struct varlena *result;
	MemoryContext fitcxt,
				callcxt = CurrentMemoryContext;

	for (int i = 0; i < 10; i++)
		if (PG_ARGISNULL(i) && i != 6)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("only spurious may be NULL in reward_fit")));
	memset(&ft, 0, sizeof(ft));
	query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ft.position = PG_GETARG_BOOL(1);
	ft.prior = PG_GETARG_FLOAT8(2);
	ft.objective = rw_parse_objective(text_to_cstring(PG_GETARG_TEXT_PP(3)));
	ft.lambda = PG_GETARG_FLOAT8(4);
	augname = text_to_cstring(PG_GETARG_TEXT_PP(5));
	max_iter = PG_GETARG_INT32(7);
	tol = PG_GETARG_FLOAT8(8);
	standardize = PG_GETARG_BOOL(9);

	if (ft.objective < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown objective \"%s\"", text_to_cstring(PG_GETARG_TEXT_PP(3))),
				 errhint("Use 'logloss', 'logloss+brier', 'hinge' or 'hinge+brier'.")));
	if (ft.objective == RW_OBJ_LOGLOSS || ft.objective == RW_OBJ_HINGE)
		ft.lambda = 0.0;
	if (!(ft.prior >= 0.0) || isinf(ft.prior))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("prior must be a finite non-negative number")));
	if (!(PG_GETARG_FLOAT8(4) >= 0.0) || isinf(PG_GETARG_FLOAT8(4)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("brier_weight must be a finite non-negative number")));
	if (max_iter < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_iter must be at least 1")));
	if (!(tol > 0.0) || isinf(tol))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tol must be a finite positive number")));
	if (strcmp(augname, "none") == 0)
		ft.augment = RW_AUG_NONE;
	else if (strcmp(augname, "swap") == 0)
		ft.augment = RW_AUG_SWAP;
	else if (strcmp(augname, "counterfactual") == 0)
		ft.augment = RW_AUG_COUNTERFACTUAL;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown augment \"%s\"", augname),
				 errhint("Use 'none', 'swap' or 'counterfactual'.")));
	if ((ft.augment == RW_AUG_COUNTERFACTUAL) != !PG_ARGISNULL(6))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("spurious is given exactly with augment => 'counterfactual'"),
				 errhint("Name the spurious features as 1-based indices, for example spurious => '{3}'.")));

	fitcxt = AllocSetContextCreate(CurrentMemoryContext, "reward_fit",
								   ALLOCSET_DEFAULT_SIZES);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(fitcxt);

	rw_describe(query, &cols);
	sql = rw_columns_sql(query, &cols, false);
	ft.d = cols.features ? rw_first_d(sql, fcinfo) : 0;
	if (ft.d < 1 && cols.features)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("first_features must be a non-empty one-dimensional array")));
	if (ft.d > RW_MAX_FEATURES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("first_features has %d features, more than the %d supported",
						ft.d, RW_MAX_FEATURES)));
	MemoryContextSwitchTo(fitcxt);
	ft.spur = palloc0(sizeof(bool) * (ft.d + 1));
	if (!PG_ARGISNULL(6))
	{
		ArrayType  *sa = PG_GETARG_ARRAYTYPE_P(6);
		Datum	   *el;
		bool	   *nl;
		int			ne;

		deconstruct_array(sa, INT4OID, 4, true, TYPALIGN_INT, &el, &nl, &ne);
		for (int i = 0; i < ne; i++)
		{
			int			v;

			if (nl[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("spurious contains a NULL")));
			v = DatumGetInt32(el[i]);
			if (v < 1 || v > ft.d)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("spurious feature %d is not between 1 and %d", v, ft.d)));
			ft.spur[v - 1] = true;
		}
		spurious = palloc(sizeof(int32) * (ft.d + 1));
		for (int i = 0; i < ft.d; i++)
			if (ft.spur[i])
				spurious[nspurious++] = i + 1;
		if (nspurious == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("spurious names no feature")));
	}

	ft.kd = ft.d + (ft.position ? 1 : 0);
	ft.zbuf = palloc(sizeof(double) * (ft.d + 1));
	ft.in_memory = rw_materialise(&ft, sql, cols.items, fcinfo);
	if (ft.kd == 0 && ft.nitems == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("the query returned no comparisons")));
	if (!ft.in_memory)
	{
		char	   *psql;
		Oid			types[4] = {FLOAT8ARRAYOID, TEXTOID, FLOAT8OID, BOOLOID};
		const char *sch;

		if (cols.items || ft.augment == RW_AUG_COUNTERFACTUAL || standardize ||
			ft.d == 0)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("the comparisons do not fit in prefcal.reward_memory (%d kB)", rw_memory_kb),
					 errdetail("Item effects, counterfactual augmentation and standardisation need the comparisons in memory."),
					 errhint("Raise prefcal.reward_memory.")));
		for (int c = 0; c < ft.nchunk; c++)
		{
			pfree(ft.chunk[c].y);
			pfree(ft.chunk[c].w);
			if (ft.chunk[c].z)
				pfree(ft.chunk[c].z);
		}
		ft.nchunk = 0;
		sch = quote_identifier(get_namespace_name(get_func_namespace(fcinfo->flinfo->fn_oid)));
		psql = psprintf("SELECT %s.reward_pass($1, r.first_features, r.second_features, r.outcome, r.weight, $2, $3, $4) "
						"FROM (%s%s%s) r", sch, sql,
						ft.augment == RW_AUG_SWAP ? " UNION ALL " : "",
						ft.augment == RW_AUG_SWAP ? rw_columns_sql(query, &cols, true) : "");
		ft.plan = SPI_prepare_cursor(psql, 4, types, CURSOR_OPT_PARALLEL_OK);
		if (ft.plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	}
	ft.k = ft.kd + ft.nitems;
	ft.zbuf = repalloc(ft.zbuf, sizeof(double) * (ft.k + 1));

	if (standardize && ft.in_memory)
	{
		double	   *ss = palloc0(sizeof(double) * ft.d);
		double		ws = 0.0;

		for (int c = 0; c < ft.nchunk; c++)
			for (int r = 0; r < ft.chunk[c].m; r++)
			{
				const double *z = ft.chunk[c].z + (size_t) r * ft.d;

				ws += ft.chunk[c].w[r];
				for (int i = 0; i < ft.d; i++)
					ss[i] += ft.chunk[c].w[r] * z[i] * z[i];
			}
		scales = palloc(sizeof(double) * (ft.d + 1));
		for (int i = 0; i < ft.d; i++)
		{
			scales[i] = ws > 0 ? sqrt(ss[i] / ws) : 1.0;
			if (!(scales[i] > 0) || !isfinite(scales[i]))
				scales[i] = 1.0;
		}
		for (int c = 0; c < ft.nchunk; c++)
			for (int r = 0; r < ft.chunk[c].m; r++)
			{
				double	   *z = ft.chunk[c].z + (size_t) r * ft.d;

				for (int i = 0; i < ft.d; i++)
					z[i] /= scales[i];
			}
	}

	if (ft.k <= RW_NEWTON_MAX)
		rw_newton(&ft, max_iter, tol, &o);
	else
		rw_lbfgs(&ft, max_iter, tol, &o);
	rw_check_divergence(&ft, &o.sums);
	if (!o.converged)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("reward_fit did not converge in %d iterations", o.iterations),
				 errhint("Raise max_iter or tol; reward_info() reports converged = false.")));
	if (o.H != NULL && rw_objective_is_likelihood(ft.objective))
		se = rw_standard_errors(&ft, o.H);

	/* the model, with standardisation undone */
	memset(&mi, 0, sizeof(mi));
	{
		double	   *coef = palloc(sizeof(double) * (ft.d + 1));
		double	   *cse = se ? palloc(sizeof(double) * (ft.d + 1)) : NULL;
		double	   *ieff = palloc(sizeof(double) * (ft.nitems + 1));
		double	   *ise = se ? palloc(sizeof(double) * (ft.nitems + 1)) : NULL;

		for (int i = 0; i < ft.d; i++)
		{
			double		sc = scales ? scales[i] : 1.0;

			coef[i] = o.theta[i] / sc;
			if (cse)
				cse[i] = se[i] / sc;
		}
		for (int i = 0; i < ft.nitems; i++)
		{
			ieff[i] = o.theta[ft.kd + i];
			if (ise)
				ise[i] = se[ft.kd + i];
		}
		mi.coef = coef;
		mi.se = cse;
		mi.item_effect = ieff;
		mi.item_se = ise;
	}
	mi.d = ft.d;
	mi.nitems = ft.nitems;
	mi.objective = ft.objective;
	mi.optimiser = ft.k <= RW_NEWTON_MAX ? RW_OPT_NEWTON : RW_OPT_LBFGS;
	mi.augment = ft.augment;
	mi.nspurious = nspurious;
	mi.spurious = spurious;
	mi.iterations = o.iterations;
	mi.passes = ft.in_memory ? 1 : ft.passes;
	mi.max_iter = max_iter;
	mi.position = ft.position;
	mi.converged = o.converged;
	mi.in_memory = ft.in_memory;
	mi.n = ft.in_memory ? ft.rows : o.sums.rows / (ft.augment == RW_AUG_SWAP ? 2 : 1);
	mi.wsum = ft.in_memory ? ft.wsum : o.sums.wsum / (ft.augment == RW_AUG_SWAP ? 2 : 1);
	mi.prior = ft.prior;
	mi.brier_weight = ft.lambda;
	mi.tol = tol;
	mi.loglik = o.sums.ll;
	mi.objective_value = o.sums.f;
	mi.brier = o.sums.br;
	mi.grad_norm = o.gmax;
	mi.gamma = ft.position ? o.theta[ft.d] : 0.0;
	mi.gamma_se = (se && ft.position) ? se[ft.d] : get_float8_nan();
	mi.scales = scales;
	mi.item = (const char *const *) ft.item;

	MemoryContextSwitchTo(callcxt);
	result = rw_model_build(&mi);
	SPI_finish();
	MemoryContextDelete(fitcxt);
	PG_RETURN_POINTER(result);
}
