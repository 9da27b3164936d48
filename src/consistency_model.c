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

static double
lbeta(double a, double b)
{
	return lgamma(a) + lgamma(b) - lgamma(a + b);
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
