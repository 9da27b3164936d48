/*-------------------------------------------------------------------------
 *
 * pc_math.h
 *	  Small numerical helpers shared by several families (plain C, no
 *	  PostgreSQL headers): the logistic function, used by the
 *	  recalibrators, the Bradley-Terry predictions, the simulator and the
 *	  consistency classifier, and the logistic with its logs, used by the
 *	  scalar Bradley-Terry kernel and the reward models' row loss.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PC_MATH_H
#define PC_MATH_H

#include <math.h>

/*
 * 1 / (1 + exp(-u)), evaluated on the side where exp cannot overflow: for
 * u < 0 as e / (1 + e) with e = exp(u), so that a very negative u gives
 * its tiny probability rather than 0 from 1 / (1 + huge).
 */
static inline double
pc_sigmoid(double u)
{
	if (u >= 0)
		return 1.0 / (1.0 + exp(-u));
	else
	{
		double		e = exp(u);

		return e / (1.0 + e);
	}
}

/*
 * p = 1 / (1 + exp(-d)) with log p and log(1 - p), without cancellation:
 * with e = exp(-|d|) in (0, 1], p = 1 / (1 + e), log p = -log1p(e) and
 * log(1 - p) = -d - log1p(e) when d >= 0; p = e / (1 + e),
 * log p = d - log1p(e) and log(1 - p) = -log1p(e) otherwise.  Returns e.
 */
static inline double
pc_logistic_logs(double d, double *p, double *logp, double *logq)
{
	double		e = exp(-fabs(d));
	double		l1 = log1p(e);

	if (d >= 0)
	{
		*p = 1.0 / (1.0 + e);
		*logp = -l1;
		*logq = -d - l1;
	}
	else
	{
		*p = e / (1.0 + e);
		*logp = d - l1;
		*logq = -l1;
	}
	return e;
}

#endif							/* PC_MATH_H */
