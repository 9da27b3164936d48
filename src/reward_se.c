/*-------------------------------------------------------------------------
 *
 * reward_se.c
 *	  Standard errors of a reward_fit and the model it builds: the inverse
 *	  of the Hessian of the penalised negative log-likelihood at the
 *	  optimum, and the reward_model value with standardisation undone.
 *
 *-------------------------------------------------------------------------
 */
#include "reward_fit_int.h"

#include <math.h>

#include "miscadmin.h"
#include "utils/float.h"

/*
 * Standard errors: square roots of the diagonal of the inverse of the
 * Hessian of the penalised negative log-likelihood (the Fisher
 * information, plus the prior's lambda I when there is one).  With item
 * effects and no prior the Hessian is singular along u = (0, 1 .. 1);
 * (H + u u')^-1 - u u' / |u|^4 is then its pseudo-inverse, the
 * covariance of the effects under Sigma s = 0.
 */
double *
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