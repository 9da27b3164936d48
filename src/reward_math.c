/*-------------------------------------------------------------------------
 *
 * reward_math.c
 *	  Losses, accumulation and L-BFGS for the reward model on
 *	  features (declarations and the model in reward_math.h).  Plain C on
 *	  arrays, no PostgreSQL header.
 *
 *-------------------------------------------------------------------------
 */
#include "reward_math.h"

#include <math.h>

#include "pc_math.h"

/*
 * Smoothed hinge of a margin z: with u = 1 - z,
 *	 phi(z) = 0 (u <= 0), u^2 / (2h) (0 < u < h), u - h/2 (u >= h),
 * which is within h/2 of max(0, 1 - z) everywhere and has a continuous
 * derivative.  Returns phi and sets dphi/dz and d2phi/dz2.
 */
static inline double
rw_hinge(double z, double *dz, double *dz2)
{
	double		u = 1.0 - z;

	if (u <= 0.0)
	{
		*dz = 0.0;
		*dz2 = 0.0;
		return 0.0;
	}
	if (u < RW_HINGE_H)
	{
		*dz = -u / RW_HINGE_H;
		*dz2 = 1.0 / RW_HINGE_H;
		return u * u / (2.0 * RW_HINGE_H);
	}
	*dz = -1.0;
	*dz2 = 0.0;
	return u - RW_HINGE_H / 2.0;
}

/*
 * Per comparison, with p = sigma(eta), weight w, outcome y:
 *	 logloss  -w [y log p + (1 - y) log(1 - p)]
 *	 brier    lambda w (p - y)^2
 *	 hinge    w [y phi(eta) + (1 - y) phi(-eta)]   (phi: rw_hinge)
 * and the objectives are logloss, logloss + brier, hinge, hinge + brier.
 * d1 and d2 are the first and second derivatives in eta; ll and br the
 * log-likelihood and Brier terms whatever the objective.
 */
void
rw_row_loss(double eta, double y, double w, int objective, double lambda,
			double *f, double *d1, double *d2, double *ll, double *br)
{
	double		e,
				p,
				q,
				lp,
				lq;

	/* p, 1 - p and their logs from e = exp(-|eta|), without cancellation */
	e = pc_logistic_logs(eta, &p, &lp, &lq);
	q = e / ((1.0 + e) * (1.0 + e));	/* p (1 - p) */
	*ll = w * (y * lp + (1.0 - y) * lq);
	*br = w * (p - y) * (p - y);

	if (objective == RW_OBJ_LOGLOSS || objective == RW_OBJ_LOGLOSS_BRIER)
	{
		*f = -*ll;
		*d1 = w * (p - y);
		*d2 = w * q;
	}
	else
	{
		double		a1,
					a2,
					b1,
					b2,
					ha,
					hb;

		ha = rw_hinge(eta, &a1, &a2);
		hb = rw_hinge(-eta, &b1, &b2);
		*f = w * (y * ha + (1.0 - y) * hb);
		*d1 = w * (y * a1 - (1.0 - y) * b1);
		*d2 = w * (y * a2 + (1.0 - y) * b2);
	}
	if (objective == RW_OBJ_LOGLOSS_BRIER || objective == RW_OBJ_HINGE_BRIER)
	{
		*f += lambda * *br;
		*d1 += 2.0 * lambda * w * (p - y) * q;
		*d2 += 2.0 * lambda * w * (q * q + (p - y) * q * (1.0 - 2.0 * p));
	}
}

double
rw_accumulate(int kd, const double *z, int a, int b, double y, double w,
			  const double *theta, int nitems, int objective, double lambda,
			  RwSums *sums, double *g, double *H)
{
	double		eta = 0.0;
	double		f,
				d1,
				d2,
				ll,
				br;

	for (int i = 0; i < kd; i++)
		eta += theta[i] * z[i];
	if (a >= 0)
		eta += theta[kd + a] - theta[kd + b];

	rw_row_loss(eta, y, w, objective, lambda, &f, &d1, &d2, &ll, &br);
	sums->rows++;
	sums->wsum += w;
	sums->f += f;
	sums->ll += ll;
	sums->br += br;
	if (fabs(eta) > sums->maxeta)
		sums->maxeta = fabs(eta);

	for (int i = 0; i < kd; i++)
		g[i] += d1 * z[i];
	if (a >= 0)
	{
		g[kd + a] += d1;
		g[kd + b] -= d1;
	}
	if (H == NULL || d2 == 0.0)
		return eta;

	for (int i = 0; i < kd; i++)
	{
		double	   *row = H + (size_t) i * (i + 1) / 2;
		double		c = d2 * z[i];

		for (int j = 0; j <= i; j++)
			row[j] += c * z[j];
	}
	if (a >= 0)
		rw_item_hessian(H + (size_t) (kd + a) * (kd + a + 1) / 2,
						H + (size_t) (kd + b) * (kd + b + 1) / 2,
						kd, a, b, z, d2);
	(void) nitems;
	return eta;
}

void
rw_item_hessian(double *rowa, double *rowb, int kd, int a, int b,
				const double *z, double d2)
{
	int			ra = kd + a,
				rb = kd + b;

	for (int j = 0; j < kd; j++)
	{
		rowa[j] += d2 * z[j];
		rowb[j] -= d2 * z[j];
	}
	rowa[ra] += d2;
	rowb[rb] += d2;
	if (ra > rb)
		rowa[rb] -= d2;
	else
		rowb[ra] -= d2;
}

void
rw_sums_add(RwSums *dst, const RwSums *src)
{
	dst->rows += src->rows;
	dst->wsum += src->wsum;
	dst->f += src->f;
	dst->ll += src->ll;
	dst->br += src->br;
	if (src->maxeta > dst->maxeta)
		dst->maxeta = src->maxeta;
}

/*
 * Nocedal and Wright, Numerical Optimization (2nd ed.), Algorithm 7.4,
 * with the initial scaling gamma_k = s'y / y'y of the newest pair.
 */
void
rw_lbfgs_direction(int k, const double *g, int m, int head,
				   const double *S, const double *Y, const double *rho,
				   double *alpha, double *dir)
{
	int			idx;

	for (int i = 0; i < k; i++)
		dir[i] = -g[i];
	for (int c = 0; c < m; c++)
	{
		double		a = 0.0;

		idx = (head - 1 - c + RW_LBFGS_M) % RW_LBFGS_M;
		for (int i = 0; i < k; i++)
			a += S[(size_t) idx * k + i] * dir[i];
		a *= rho[idx];
		alpha[idx] = a;
		for (int i = 0; i < k; i++)
			dir[i] -= a * Y[(size_t) idx * k + i];
	}
	if (m > 0)
	{
		double		yy = 0.0;

		idx = (head - 1 + RW_LBFGS_M) % RW_LBFGS_M;
		for (int i = 0; i < k; i++)
			yy += Y[(size_t) idx * k + i] * Y[(size_t) idx * k + i];
		for (int i = 0; i < k; i++)
			dir[i] *= 1.0 / (rho[idx] * yy);
	}
	for (int c = m - 1; c >= 0; c--)
	{
		double		bcoef = 0.0;

		idx = (head - 1 - c + RW_LBFGS_M) % RW_LBFGS_M;
		for (int i = 0; i < k; i++)
			bcoef += Y[(size_t) idx * k + i] * dir[i];
		bcoef *= rho[idx];
		for (int i = 0; i < k; i++)
			dir[i] += S[(size_t) idx * k + i] * (alpha[idx] - bcoef);
	}
}
