/*-------------------------------------------------------------------------
 *
 * consistency_eb.c
 *	  EM for the empirical-Bayes prior of classify_preference_consistency
 *	  and the class likelihoods of one group under it.
 *
 * One group: counts k_c, m_c of choices of the first / second item under
 * condition c (weighted by confidence), n = sum (k_c + m_c).  Under a
 * direction pattern d (d_c = 1: the first item under c) and agreement q,
 * the responses have likelihood q^A (1 - q)^(n - A) with
 * A = sum_c (d_c k_c + (1 - d_c) m_c).  The classes:
 *
 *	  genuine:		d constant: all 1 w.p. rho, all 0 w.p. 1 - rho
 *	  constructed:	d a non-constant pattern, pattern b w.p. pi_b (pattern
 *					mode), or each d_c a fair coin (independent mode)
 *	  non_attitude:	prod_c r_c^k_c (1 - r_c)^m_c
 *
 * Conditions a group did not see contribute no factor, which is the
 * marginal over their pattern entries.  EM (doc/annotation.md) estimates
 * w, rho, q, r and pi with pseudo-counts that keep them inside (0, 1).
 *
 *-------------------------------------------------------------------------
 */
#include "consistency_eb.h"

#include <float.h>
#include <math.h>

/* x log y with 0 log 0 = 0 */
static inline double
xlogy(double x, double y)
{
	return x == 0.0 ? 0.0 : x * log(y);
}

static inline double
logaddexp(double x, double y)
{
	double		hi = x > y ? x : y;
	double		lo = x > y ? y : x;

	if (hi == -INFINITY)
		return -INFINITY;
	return hi + log1p(exp(lo - hi));
}

/* log of q^a (1 - q)^(n - a) */
static inline double
follow(double q, double a, double n)
{
	return xlogy(a, q) + xlogy(n - a, 1.0 - q);
}

long
pc_eb_scratch_size(int ncond, int npat)
{
	return 3L * npat + 4L * ncond + 16;
}

/*
 * The core: lg[2] (log rho-weighted genuine terms for direction 0 / 1),
 * lc[npat] (log pi_b + log likelihood, pattern mode), *ln, *lci (log
 * likelihood of the unknown-condition and, in independent mode, all
 * constructed factors) and the totals.
 */
static void
eb_terms(const PcEbParams *par, int len, const int *idx,
		 const double *k, const double *m, double *lg, double *lc,
		 double *ln, double *lci, double *ktot, double *ntot)
{
	const double q = par->q;
	double		K = 0.0,
				M = 0.0,
				N = 0.0,
				indep = 0.0;

	for (int i = 0; i < len; i++)
	{
		int			c = idx[i];
		double		r = c >= 0 ? par->r[c] : 0.5;

		K += k[i];
		M += m[i];
		N += xlogy(k[i], r) + xlogy(m[i], 1.0 - r);
		if (c < 0 || par->ncond > PC_EB_MAX_PATTERN_CONDITIONS)
			indep += logaddexp(follow(q, k[i], k[i] + m[i]),
							   follow(q, m[i], k[i] + m[i])) - M_LN2;
	}
	lg[1] = log(par->rho) + follow(q, K, K + M);
	lg[0] = log1p(-par->rho) + follow(q, M, K + M);
	*ln = N;
	*lci = indep;
	*ktot = K;
	*ntot = K + M;
	if (par->npat > 0)
	{
		for (int b = 1; b <= par->npat; b++)
		{
			double		a = 0.0,
						kk = 0.0;

			for (int i = 0; i < len; i++)
			{
				int			c = idx[i];

				if (c < 0)
					continue;
				if (b & (1 << c))
					a += k[i];
				else
					a += m[i];
				kk += k[i] + m[i];
			}
			lc[b - 1] = log(par->pi[b - 1]) + follow(q, a, kk);
		}
	}
}

void
pc_eb_loglik(const PcEbParams *par, int len, const int *idx,
			 const double *k, const double *m, double *scratch,
			 double log_ml[3])
{
	double		lg[2],
				ln,
				lci,
				K,
				N;

	eb_terms(par, len, idx, k, m, lg, scratch, &ln, &lci, &K, &N);
	log_ml[0] = logaddexp(lg[0], lg[1]);
	log_ml[1] = ln;
	if (par->ncond > PC_EB_MAX_PATTERN_CONDITIONS)
		log_ml[2] = lci;
	else
	{
		/* pattern mode; one condition has no non-constant pattern */
		double		s = -INFINITY;

		for (int b = 0; b < par->npat; b++)
			s = logaddexp(s, scratch[b]);
		log_ml[2] = s + lci;
	}
}

/*
 * A probability estimate of the M-step as a double below 1.  The estimates
 * are (x + 1) / (y + 2) with 0 <= x <= y, so they lie strictly inside
 * (0, 1), but once y passes 2^53 (multiplicities near 2^53, or counts
 * near 2^31 in many groups) the quotient can round to exactly 1, where
 * log(1 - p) = -Infinity makes every likelihood with a disagreeing
 * response 0 and the next E-step divides 0 by 0.  The largest double
 * below 1 is as close to the exact estimate as 1 is.
 */
static inline double
below_one(double p)
{
	const double top = 1.0 - DBL_EPSILON / 2.0;

	return p > top ? top : p;
}

static inline double
upd(double *dst, double val, double maxd)
{
	double		d = fabs(val - *dst);

	*dst = val;
	return d > maxd ? d : maxd;
}

/* one EM iteration's expected sufficient statistics */
typedef struct EbSums
{
	double		gam_tot[3];		/* class responsibilities */
	double		s_rho;			/* genuine: direction posterior */
	double		agree;			/* responses that follow the direction */
	double		ndir;			/* responses with a direction */
	double		ll;				/* log-likelihood */
	double	   *lc;				/* P: the group's pattern log-likelihoods */
	double	   *spi;			/* P: pattern posteriors */
	double	   *rnum;			/* C: non_attitude first-item counts */
	double	   *rden;			/* C: and their totals */
} EbSums;

/* the starting parameters, and the total group count G */
static double
eb_init(const PcEbData *data, PcEbParams *par, PcEbFit *fit)
{
	double		G = 0.0;

	for (int v = 0; v < data->nvec; v++)
		G += data->mult[v];
	par->w[0] = par->w[1] = par->w[2] = 1.0 / 3.0;
	par->rho = 0.5;
	par->q = 0.75;
	for (int c = 0; c < par->ncond; c++)
		par->r[c] = 0.5;
	for (int b = 0; b < par->npat; b++)
		par->pi[b] = 1.0 / par->npat;
	fit->n_groups = G;
	fit->converged = false;
	fit->loglik = 0.0;
	return G;
}

/*
 * The constructed class's share of the agreement for one group of
 * responsibility g2: by pattern posterior, or (beyond
 * PC_EB_MAX_PATTERN_CONDITIONS) response by response
 */
static void
eb_estep_constructed(const PcEbParams *par, EbSums *e, int len,
					 const int *idx, const double *k, const double *m,
					 double g2, double LC)
{
	const int	C = par->ncond;
	const int	P = par->npat;

	if (P > 0 && g2 > 0.0)
	{
		for (int b = 1; b <= P; b++)
		{
			double		pb = g2 * exp(e->lc[b - 1] - LC);
			double		a = 0.0;

			e->spi[b - 1] += pb;
			for (int i = 0; i < len; i++)
				a += (b & (1 << idx[i])) ? k[i] : m[i];
			e->agree += pb * a;
		}
	}
	else if (C > PC_EB_MAX_PATTERN_CONDITIONS && g2 > 0.0)
	{
		for (int i = 0; i < len; i++)
		{
			double		l1 = follow(par->q, k[i], k[i] + m[i]);
			double		l0 = follow(par->q, m[i], k[i] + m[i]);
			double		p1 = exp(l1 - logaddexp(l0, l1));

			e->agree += g2 * (p1 * k[i] + (1.0 - p1) * m[i]);
		}
	}
}

/* the E-step for response vector v, added into e */
static void
eb_estep_vector(const PcEbData *data, const PcEbParams *par, int v,
				const double *lw, EbSums *e)
{
	const int	C = par->ncond;
	const int	P = par->npat;
	int			s = data->start[v],
				len = data->start[v + 1] - s;
	const int  *idx = data->idx + s;
	const double *k = data->k + s;
	const double *m = data->m + s;
	double		mult = data->mult[v];
	double		lg[2],
				ln,
				lci,
				K,
				N,
				LG,
				LC,
				L[3],
				tot,
				g[3];

	eb_terms(par, len, idx, k, m, lg, e->lc, &ln, &lci, &K, &N);
	LG = logaddexp(lg[0], lg[1]);
	if (P > 0)
	{
		LC = -INFINITY;
		for (int b = 0; b < P; b++)
			LC = logaddexp(LC, e->lc[b]);
	}
	else if (C > PC_EB_MAX_PATTERN_CONDITIONS)
		LC = lci;
	else
		LC = -INFINITY;			/* one condition: no non-constant pattern */
	L[0] = LG + lw[0];
	L[1] = ln + lw[1];
	L[2] = LC + lw[2];
	tot = logaddexp(logaddexp(L[0], L[1]), L[2]);

	/*
	 * Each group's likelihood is at most 1; its log is above 0 only by the
	 * rounding of the class weights' sum (groups with almost no evidence,
	 * e.g. confidences near 0), and a positive loglik would make the prior
	 * unreadable by its own input function.
	 */
	e->ll += mult * fmin(tot, 0.0);
	for (int i = 0; i < 3; i++)
	{
		g[i] = mult * exp(L[i] - tot);
		e->gam_tot[i] += g[i];
	}
	/* genuine: direction posterior (none when genuine is impossible) */
	if (g[0] > 0.0)
	{
		double		p1 = exp(lg[1] - LG);

		e->s_rho += g[0] * p1;
		e->agree += g[0] * (p1 * K + (1.0 - p1) * (N - K));
	}
	e->ndir += (g[0] + g[2]) * N;
	/* constructed: pattern posterior */
	eb_estep_constructed(par, e, len, idx, k, m, g[2], LC);
	/* non_attitude: first-item rate per condition */
	for (int i = 0; i < len; i++)
	{
		e->rnum[idx[i]] += g[1] * k[i];
		e->rden[idx[i]] += g[1] * (k[i] + m[i]);
	}
}

/* the M-step with pseudo-counts; returns the largest parameter change */
static double
eb_mstep(const EbSums *e, double G, PcEbParams *par)
{
	double		maxd = 0.0;
	double		q = (e->agree + 1.0) / (e->ndir + 2.0);

	for (int i = 0; i < 3; i++)
		maxd = upd(&par->w[i], (e->gam_tot[i] + 1.0) / (G + 3.0), maxd);
	maxd = upd(&par->rho, below_one((e->s_rho + 1.0) / (e->gam_tot[0] + 2.0)),
			   maxd);
	maxd = upd(&par->q, q < 0.5 ? 0.5 : below_one(q), maxd);
	for (int c = 0; c < par->ncond; c++)
		maxd = upd(&par->r[c],
				   below_one((e->rnum[c] + 1.0) / (e->rden[c] + 2.0)), maxd);
	for (int b = 0; b < par->npat; b++)
		maxd = upd(&par->pi[b], (e->spi[b] + 1.0 / par->npat) /
				   (e->gam_tot[2] + 1.0), maxd);
	return maxd;
}

void
pc_eb_fit(const PcEbData *data, PcEbParams *par, double *scratch,
		  void (*interrupt) (void), PcEbFit *fit)
{
	const int	C = par->ncond;
	const int	P = par->npat;
	double		G = eb_init(data, par, fit);
	EbSums		e;

	e.lc = scratch;
	e.spi = scratch + P;
	e.rnum = scratch + 2 * P;
	e.rden = e.rnum + C;
	for (fit->iterations = 1; fit->iterations <= PC_EB_MAX_ITER; fit->iterations++)
	{
		double		lw[3];

		e.gam_tot[0] = e.gam_tot[1] = e.gam_tot[2] = 0.0;
		e.s_rho = e.agree = e.ndir = e.ll = 0.0;
		for (int i = 0; i < 3; i++)
			lw[i] = log(par->w[i]);
		for (int b = 0; b < P; b++)
			e.spi[b] = 0.0;
		for (int c = 0; c < C; c++)
			e.rnum[c] = e.rden[c] = 0.0;
		for (int v = 0; v < data->nvec; v++)
		{
			if (interrupt)
				interrupt();
			eb_estep_vector(data, par, v, lw, &e);
		}
		fit->loglik = e.ll;
		if (eb_mstep(&e, G, par) < PC_EB_TOL)
		{
			fit->converged = true;
			break;
		}
	}
	if (fit->iterations > PC_EB_MAX_ITER)
		fit->iterations = PC_EB_MAX_ITER;
}
