/*-------------------------------------------------------------------------
 *
 * pc_math.h
 *	  Small numerical helpers shared by several families (plain C, no
 *	  PostgreSQL headers): the logistic function, used by the
 *	  recalibrators, the Bradley-Terry predictions, the simulator and the
 *	  consistency classifier.
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

#endif							/* PC_MATH_H */
