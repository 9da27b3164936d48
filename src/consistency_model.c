/*-------------------------------------------------------------------------
 *
 * consistency_model.c
 *	  Closed-form marginal likelihoods of the three response models and
 *	  the decision rule of classify_preference_consistency.
 *
 * With k_c and m_c the counts of choices of the first and second item
 * under condition c, K = sum k_c, M = sum m_c, and
 *
 *	  D(k, m) = 1/2 B(k + A, m + B) / B(A, B) + 1/2 B(k + B, m + A) / B(A, B)
 *
 * (the marginal likelihood of k and m under one direction-agnostic
 * agreement probability drawn from 1/2 Beta(A, B) + 1/2 Beta(B, A)):
 *
 *	  genuine:		L_G = D(K, M)						one p for all
 *	  constructed:	L_C = prod_c D(k_c, m_c)			one p per condition
 *	  non_attitude:	L_N = prod_c B(k_c + a, m_c + a) / B(a, a)
 *
 * Posteriors follow from the prior class probabilities; see
 * doc/annotation.md for why, and for the decision rule.
 *
 *-------------------------------------------------------------------------
 */
#include "consistency_model.h"

#include <math.h>

/*
 * Stirling's correction for x >= PC_LBETA_LARGE:
 * lgamma(x) - ((x - 1/2) log x - x + log(2 pi) / 2)
 *   = sum_n B_2n / (2n (2n - 1) x^(2n - 1)),
 * nine terms (the first omitted one is below 2e-19 at x = 10).
 */
#define PC_LBETA_LARGE 10.0

static double
stirling_correction(double x)
{
	static const double c[9] = {
		1.0 / 12.0, -1.0 / 360.0, 1.0 / 1260.0, -1.0 / 1680.0,
		1.0 / 1188.0, -691.0 / 360360.0, 1.0 / 156.0,
		-3617.0 / 122400.0, 43867.0 / 244188.0
	};
	double		z = 1.0 / (x * x);
	double		s = c[8];

	for (int i = 7; i >= 0; i--)
		s = s * z + c[i];
	return s / x;
}

/*
 * log B(a, b) for a, b > 0.  lgamma(a) + lgamma(b) - lgamma(a + b) loses
 * about ulp(lgamma(a + b)) to cancellation: 3e-6 at arguments near 1e9,
 * where the result is only about -15.  For large arguments the Stirling
 * forms are combined first so that the large terms cancel analytically
 * (with x = min(a, b), y = max(a, b), t = x / (x + y)):
 *
 *	  both large:	log(2 pi) / 2 - log(y) / 2 + (x - 1/2) log t
 *					+ y log1p(-t) + corr(x) + corr(y) - corr(x + y)
 *	  y large:		lgamma(x) + x - x log(x + y) + (y - 1/2) log1p(-t)
 *					+ corr(y) - corr(x + y)
 *
 * (corr = stirling_correction), accurate to a few ulps of the result.
 */
static double
lbeta(double a, double b)
{
	const double half_log_2pi = 0.91893853320467274178;
	double		x = fmin(a, b);
	double		y = fmax(a, b);
	double		t;

	if (y < PC_LBETA_LARGE)
		return lgamma(x) + lgamma(y) - lgamma(x + y);
	t = x / (x + y);
	if (x >= PC_LBETA_LARGE)
		return half_log_2pi - 0.5 * log(y) + (x - 0.5) * log(t) +
			y * log1p(-t) +
			(stirling_correction(x) + stirling_correction(y) -
			 stirling_correction(x + y));
	return lgamma(x) + x - x * log(x + y) + (y - 0.5) * log1p(-t) +
		(stirling_correction(y) - stirling_correction(x + y));
}

static double
logaddexp(double x, double y)
{
	double		hi = x > y ? x : y;
	double		lo = x > y ? y : x;

	return hi + log1p(exp(lo - hi));
}

/* log D(k, m) */
static double
log_direction_marginal(double k, double m)
{
	const double A = PC_CONS_ALPHA;
	const double B = PC_CONS_BETA;
	double		norm = lbeta(A, B);

	return logaddexp(lbeta(k + A, m + B) - norm,
					 lbeta(k + B, m + A) - norm) - M_LN2;
}

void
pc_consistency_classify(const double *k, const double *m, int nc,
						long n_responses, int n_conditions,
						PcConsResult *res)
{
	const double a = PC_CONS_NULL_A;
	double		K = 0.0,
				M = 0.0;
	double		lc = 0.0,
				ln = 0.0;
	double		lp[3];

	for (int c = 0; c < nc; c++)
	{
		K += k[c];
		M += m[c];
		lc += log_direction_marginal(k[c], m[c]);
		ln += lbeta(k[c] + a, m[c] + a) - lbeta(a, a);
	}
	res->log_ml[PC_CONS_GENUINE] = log_direction_marginal(K, M);
	res->log_ml[PC_CONS_NON_ATTITUDE] = ln;
	res->log_ml[PC_CONS_CONSTRUCTED] = lc;
	lp[PC_CONS_GENUINE] = log(PC_CONS_PRIOR_GENUINE);
	lp[PC_CONS_NON_ATTITUDE] = log(PC_CONS_PRIOR_NON_ATTITUDE);
	lp[PC_CONS_CONSTRUCTED] = log(PC_CONS_PRIOR_CONSTRUCTED);
	pc_consistency_decide(res->log_ml, lp, n_responses, n_conditions,
						  PC_CONS_THRESHOLD, res);
}

void
pc_consistency_decide(const double log_ml[3], const double log_prior[3],
					  long n_responses, int n_conditions, double threshold,
					  PcConsResult *res)
{
	double		lp[3];
	double		mx,
				z;
	int			best;

	for (int i = 0; i < 3; i++)
	{
		res->log_ml[i] = log_ml[i];
		lp[i] = log_ml[i] + log_prior[i];
	}
	mx = fmax(lp[0], fmax(lp[1], lp[2]));
	if (!isfinite(mx))
	{
		/* every class has probability zero under the prior given */
		for (int i = 0; i < 3; i++)
			res->post[i] = NAN;
		res->label = PC_CONS_INSUFFICIENT;
		return;
	}
	z = 0.0;
	for (int i = 0; i < 3; i++)
		z += exp(lp[i] - mx);
	for (int i = 0; i < 3; i++)
		res->post[i] = exp(lp[i] - mx) / z;

	/* ties go to the earlier class: genuine, non_attitude, constructed */
	best = 0;
	for (int i = 1; i < 3; i++)
		if (res->post[i] > res->post[best])
			best = i;

	if (n_responses < 2)
		res->label = PC_CONS_INSUFFICIENT;
	else if (n_conditions < 2 && best != PC_CONS_NON_ATTITUDE)
		res->label = PC_CONS_INSUFFICIENT;	/* genuine = constructed here */
	else if (res->post[best] < threshold)
		res->label = PC_CONS_INSUFFICIENT;
	else
		res->label = best;
}
