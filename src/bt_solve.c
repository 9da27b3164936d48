/*-------------------------------------------------------------------------
 *
 * bt_solve.c
 *	  Bradley-Terry maximum (penalised) likelihood on plain arrays: the
 *	  Newton iterations (dense Cholesky, bt_dense.c, or preconditioned CG),
 *	  the line search, the starting point and the standard errors.  The
 *	  objective and its derivatives over the pairs are in bt_eval.c, the
 *	  win graph's components in bt_scc.c.
 *
 * Parameters x = (s_0 .. s_{n-1}, [gamma], [theta]): item scores, the
 * first-shown effect gamma (when pb->position) and theta = log nu, the
 * Davidson tie parameter (when ties = davidson).  For pair k, with
 * d = s_i - s_j + gamma (i shown first):
 *
 *   binary (ties half or dropped):  P(first wins) = 1 / (1 + exp(-d)),
 *     a = w1 + wt/2, b = w2 + wt/2 (half) or a = w1, b = w2 (drop),
 *     loglik_k = a log p + b log(1 - p);
 *   Davidson (1970):  P(first) = e^{d/2} / D, P(second) = e^{-d/2} / D,
 *     P(tie) = nu / D, D = e^{d/2} + e^{-d/2} + nu,
 *     loglik_k = w1 log P(first) + w2 log P(second) + wt log P(tie).
 *
 * The objective is  -loglik + prior/2 * sum s_i^2 + lambda * B  with
 * B = sum_k a (1 - p)^2 + b p^2 (the count-weighted Brier score; ties as
 * the target 0.5 differ from this by a constant).  Both -loglik and the
 * penalty are convex; the Brier term is not, so a pair whose total
 * curvature would be negative enters the Newton matrix with the
 * Gauss-Newton part of the Brier curvature (2 lambda N (p(1-p))^2) instead
 * of the exact one, and every step is safeguarded by a backtracking line
 * search.
 *
 * The likelihood is invariant under a common shift of the scores: the
 * Hessian H has the null vector v = (1/sqrt(n), ..., 0, 0) when prior = 0.
 * Newton steps solve (H + v v') dx = -g (v' g = 0), and the scores are
 * recentred after every step (with prior > 0 the optimum is centred
 * anyway, so recentring only lowers the objective).
 *
 * Up to BT_DENSE_NEWTON_MAX items the Newton system is factorised densely
 * (Cholesky); beyond, it is solved by conjugate gradients with a Jacobi
 * preconditioner, using Hessian-vector products over the pairs (inexact
 * Newton, forcing term min(BT_CG_ETA_MAX, |g|/|g0|), tightening in
 * proportion to the gradient, so the outer iteration keeps Newton's fast
 * local convergence; see BT_CG_ETA_MAX for the cap).
 *
 * Convergence: max_k |g_k| / sqrt(H_kk) <= tol, the gradient measured in
 * units of each parameter's curvature (roughly: the remaining error of
 * each parameter as a fraction of its standard error).
 *
 * The scores' Hessian H is singular along v = (1, ..., 1, 0, 0) / sqrt(n)
 * (shifting every score changes nothing but the prior), so the Newton
 * systems and the covariance use H + alpha v v', alpha the mean of the
 * scores' curvatures H_ii.  Any alpha > 0 gives the same Newton step (the
 * gradient is orthogonal to v); one on the scale of H keeps the matrix as
 * well conditioned as H is on the other directions, whatever the weights'
 * scale.  (A fixed alpha = 1 did not: with weights near 1e8 the rank-one
 * term swamped the variances in the subtraction below and the SEs came
 * out 0.)
 *
 * Covariance: C = (H + alpha v v')^-1 at the optimum.  Because
 * H v = prior v, the covariance of the centred scores (the projection
 * P C P, which for prior = 0 is the Moore-Penrose inverse of H) is
 * C - v v' / (alpha + prior).  With a reference item r,
 * Var(s_i - s_r) = C_ii + C_rr - 2 C_ir (the projection terms cancel).
 *
 *-------------------------------------------------------------------------
 */
#include "bt_dense.h"
#include "bt_solve_int.h"
#include "kernels.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* x[0..n) -= its mean */
static void
bt_centre(double *x, int n)
{
	double		mean = 0.0;

	for (int i = 0; i < n; i++)
		mean += x[i];
	mean /= n;
	for (int i = 0; i < n; i++)
		x[i] -= mean;
}

/*
 * Floor of the CG forcing term.  Conjugate gradients cannot bring the
 * residual much below machine epsilon times the condition number (nor,
 * with the single-precision curvature, below its rounding, about 6e-8 a
 * product); a fit stalled at the rounding of its gradient (weights near
 * 1e40, whose convergence test cannot be met) would otherwise run every
 * Newton step to the CG step limit.  A relative residual of 1e-6 still
 * gives the Newton step all its accuracy until the gradient has fallen
 * by six orders of magnitude, far past where fits converge.
 */
#define BT_CG_ETA_MIN 1e-6

/*
 * Largest forcing term: each Newton system is solved to at least this
 * relative residual.  An evaluation pass (the kernel, the scatter into
 * the items) costs about three Hessian products, so a Newton step saved
 * is worth more than the products a tighter first step takes: a cap of
 * 0.5 lets the first steps be loose enough to need an extra Newton step
 * on large fits, while caps from 0.01 to 0.05 do not
 * (test/bench/bt_solve_bench.c measures it).
 */
#define BT_CG_ETA_MAX 0.02

static double bt_norm2(const double *x, int n);

/*
 * z = P D^-1 r, the Jacobi preconditioner followed by the projection P
 * that takes the scores' mean out (the shift the constraint fixes), so the
 * CG iterates stay orthogonal to v; returns r'z.  H maps that subspace
 * into itself, so CG never spends steps on v, whatever alpha is; both
 * the scaled alpha and the projection take CG steps off every Newton
 * system.
 */
static double
bt_pcg_precond(const BtWork *w, const double *r, double *z)
{
	double		rz = 0.0;

	for (int k = 0; k < w->p; k++)
	{
		double		dk = w->diag[k];

		z[k] = dk > 0 ? r[k] / dk : r[k];
	}
	bt_centre(z, w->n);
	for (int k = 0; k < w->p; k++)
		rz += r[k] * z[k];
	return rz;
}

/*
 * Preconditioned conjugate gradients for (H + alpha v v') dx = -g on the
 * subspace orthogonal to v (where the operator is H), stopping at
 * |r| <= eta |g| or max_cg steps.  Returns the steps taken.
 */
static int
bt_pcg(BtWork *w, double eta, int max_cg, double *dx,
	   double *r, double *z, double *q, double *d)
{
	int			p = w->p;
	double		rz,
				gnorm;
	int			step;

	/*
	 * The gradient's component along v is rounding (the pair terms cancel
	 * in exact arithmetic and x is centred), but at large weights it can
	 * exceed the rest; no step orthogonal to v reduces it, so it is taken
	 * out of the starting residual and of the norm the forcing term uses.
	 */
	for (int k = 0; k < p; k++)
		r[k] = -w->grad[k];
	bt_centre(r, w->n);
	gnorm = bt_norm2(r, p);
	memset(dx, 0, sizeof(double) * p);
	rz = bt_pcg_precond(w, r, z);
	for (int k = 0; k < p; k++)
		d[k] = z[k];
	for (step = 0; step < max_cg; step++)
	{
		double		dq = 0.0,
					alpha,
					rnorm,
					rz_new;

		bt_env_interrupt(w->env);
		bt_hess_matvec(w, d, q);
		for (int k = 0; k < p; k++)
			dq += d[k] * q[k];
		if (!(dq > 0))
			break;
		alpha = rz / dq;
		for (int k = 0; k < p; k++)
		{
			dx[k] += alpha * d[k];
			r[k] -= alpha * q[k];
		}
		rnorm = bt_norm2(r, p);
		if (rnorm <= eta * gnorm)
		{
			step++;
			break;
		}
		rz_new = bt_pcg_precond(w, r, z);
		for (int k = 0; k < p; k++)
			d[k] = z[k] + (rz_new / rz) * d[k];
		rz = rz_new;
	}
	if (step == 0)
	{
		/* fall back to a preconditioned gradient step */
		for (int k = 0; k < p; k++)
			dx[k] = z[k];
	}
	return step;
}

/*
 * Euclidean norm of x[0..n), scaled by its largest magnitude so that it
 * neither overflows nor underflows (a gradient of 1e200 with weights near
 * 1e250 made the norm Infinity, which the model's text cannot hold).
 */
static double
bt_norm2(const double *x, int n)
{
	double		mx = 0.0,
				s2 = 0.0;

	for (int k = 0; k < n; k++)
	{
		double		a = fabs(x[k]);

		if (a > mx || isnan(a))
			mx = a;
	}
	if (mx == 0.0 || !isfinite(mx))
		return mx;
	for (int k = 0; k < n; k++)
	{
		double		t = x[k] / mx;

		s2 += t * t;
	}
	return mx * sqrt(s2);
}

/* convergence measure: max |g_k| / sqrt(H_kk); also the gradient 2-norm */
static double
bt_scaled_grad(BtWork *w, double *norm2)
{
	double		mx = 0.0;

	for (int k = 0; k < w->p; k++)
	{
		double		g = w->grad[k];
		double		hk = w->diag[k];
		double		v = hk > 0 ? fabs(g) / sqrt(hk) : (g != 0 ? INFINITY : 0.0);

		if (v > mx || isnan(v))
			mx = v;
	}
	*norm2 = bt_norm2(w->grad, w->p);
	return mx;
}

/*
 * sum_k g_k^2 / H_kk: a smooth measure of the remaining Newton decrement
 * (each term squared after the division, so large weights do not
 * overflow it)
 */
static double
bt_scaled_grad2(BtWork *w)
{
	double		s2 = 0.0;

	for (int k = 0; k < w->p; k++)
		if (w->diag[k] > 0)
		{
			double		t = w->grad[k] / sqrt(w->diag[k]);

			s2 += t * t;
		}
	return s2;
}

/*
 * Standard errors at the optimum from the dense factorisation of
 * (H + alpha v v'), H exact (the objective must not contain the Brier
 * term).
 */
static bool
bt_standard_errors(BtWork *w, BtResult *res)
{
	const BtProblem *pb = w->pb;
	const BtEnv *env = w->env;
	int			p = w->p;
	int			n = w->n;
	int			ld;
	void	   *hraw;
	double	   *hm = bt_dense_alloc(env, p, p, &ld, &hraw);
	double	   *cdiag = bt_env_alloc(env, sizeof(double) * p);
	double	   *cref = NULL;
	double		vv = 1.0 / (n * (w->vscale + pb->prior));

	bt_hess_dense(w, hm, ld);
	if (!bt_cholesky(hm, p, ld, env))
	{
		bt_env_release(env, hraw);
		bt_env_release(env, cdiag);
		return false;
	}
	bt_chol_inverse_diag(hm, p, ld, cdiag, env);

	if (pb->reference >= 0)
	{
		cref = bt_env_alloc(env, sizeof(double) * p);
		cref[pb->reference] = 1.0;
		bt_chol_solve(hm, p, ld, cref);
	}

	res->se = bt_env_alloc(env, sizeof(double) * n);
	for (int i = 0; i < n; i++)
	{
		double		var;

		if (cref)
			var = cdiag[i] + cdiag[pb->reference] - 2.0 * cref[i];
		else
			var = cdiag[i] - vv;
		if (i == pb->reference)
			var = 0.0;
		res->se[i] = var > 0 ? sqrt(var) : 0.0;
	}
	if (w->ig >= 0)
		res->position_se = sqrt(fmax(cdiag[w->ig], 0.0));
	if (w->it >= 0)
		res->tie_log_se = sqrt(fmax(cdiag[w->it], 0.0));

	bt_env_release(env, hraw);
	bt_env_release(env, cdiag);
	if (cref)
		bt_env_release(env, cref);
	return true;
}

/*
 * Starting scores: the log-odds of each item's (smoothed) effective win
 * rate, centred.  For well-mixed comparisons this is close to the
 * estimate; for near-deterministic ones it starts Newton where the
 * scores are spread instead of at 0, where the logistic is flat far away.
 */
static void
bt_warm_start(BtWork *w, double *x)
{
	const BtProblem *pb = w->pb;
	double	   *win = w->grad;
	double	   *loss = w->diag;

	if (pb->start_wins && pb->start_losses)
	{
		for (int i = 0; i < w->n; i++)
			x[i] = log((pb->start_wins[i] + 0.5) / (pb->start_losses[i] + 0.5));
		bt_centre(x, w->n);
		return;
	}
	memset(win, 0, sizeof(double) * w->n);
	memset(loss, 0, sizeof(double) * w->n);
	for (int c = 0; c < pb->nchunk; c++)
	{
		const BtChunk *ch = &pb->chunk[c];

		for (int64_t k = 0; k < ch->m; k++)
		{
			double		a = ch->w1[k] + 0.5 * ch->wt[k];
			double		b = ch->w2[k] + 0.5 * ch->wt[k];

			win[ch->i[k]] += a;
			loss[ch->j[k]] += a;
			win[ch->j[k]] += b;
			loss[ch->i[k]] += b;
		}
	}
	for (int i = 0; i < w->n; i++)
		x[i] = log((win[i] + 0.5) / (loss[i] + 0.5));
	bt_centre(x, w->n);
}

/*
 * The binary models with ties as halves read a = w1 + wt/2 and
 * b = w2 + wt/2 from arrays of their own when some pair has a tie (else
 * the chunks' counts themselves, as with ties dropped).
 */
static void
bt_work_halves(BtWork *w)
{
	const BtProblem *pb = w->pb;
	bool		any_tie = false;
	double	   *ea,
			   *eb;

	for (int c = 0; !any_tie && c < pb->nchunk; c++)
		for (int64_t k = 0; k < pb->chunk[c].m; k++)
			if (pb->chunk[c].wt[k] != 0)
			{
				any_tie = true;
				break;
			}
	if (!any_tie)
		return;
	w->ab = bt_env_alloc(w->env, sizeof(double) * 2 * (pb->m + 1));
	ea = w->ab;
	eb = w->ab + pb->m + 1;
	for (int c = 0, k = 0; c < pb->nchunk; c++)
	{
		const BtChunk *ch = &pb->chunk[c];

		for (int64_t r = 0; r < ch->m; r++, k++)
		{
			ea[k] = ch->w1[r] + 0.5 * ch->wt[r];
			eb[k] = ch->w2[r] + 0.5 * ch->wt[r];
			w->tie_const += 0.25 * ch->wt[r];
		}
	}
}

/*
 * The fit's working storage.  Newton-CG reads the per-pair curvature
 * only in the Hessian products, which find an inexact Newton direction
 * anyway: single precision there (relative error 6e-8, far inside the
 * forcing term until the last step) halves that array and its traffic.
 * The gradient, the Hessian diagonal and the convergence test stay in
 * double.  Dense Newton, a fit that could have SEs (up to
 * BT_SE_MAX_ITEMS items, log loss only: whether they are asked for does
 * not change the path, so the scores are the same bits either way), a
 * position effect and Davidson ties keep the double array, and so does a
 * fit whose curvatures leave [BT_HF_MIN, BT_HF_MAX] (bt_eval switches).
 */
static void
bt_work_alloc(BtWork *w)
{
	const BtProblem *pb = w->pb;
	const BtEnv *env = w->env;
	int			p = w->p;

	if (!w->dense && !(w->n <= BT_SE_MAX_ITEMS && pb->brier_weight == 0) &&
		w->ig < 0 && w->it < 0)
	{
		w->hf = bt_env_alloc(env, sizeof(float) * (pb->m + 1));
		w->hblk = bt_env_alloc(env, sizeof(double) * BT_EVAL_BLOCK);
	}
	else
		w->hd = bt_env_alloc(env, sizeof(double) * (pb->m + 1));
	if (pb->ties == BT_TIES_DAVIDSON)
	{
		w->gd = bt_env_alloc(env, sizeof(double) * (pb->m + 1));
		w->gt = bt_env_alloc(env, sizeof(double) * (pb->m + 1));
		w->hdt = bt_env_alloc(env, sizeof(double) * (pb->m + 1));
		w->htt = bt_env_alloc(env, sizeof(double) * (pb->m + 1));
	}
	else
	{
		if (pb->ties == BT_TIES_HALF)
			bt_work_halves(w);
		w->gblk = bt_env_alloc(env, sizeof(double) * BT_EVAL_BLOCK);
		w->pblk = bt_env_alloc(env, sizeof(double) * BT_EVAL_BLOCK);
	}
	w->grad = bt_env_alloc(env, sizeof(double) * p);
	w->diag = bt_env_alloc(env, sizeof(double) * p);
	w->x = bt_env_alloc(env, sizeof(double) * p);
	w->xn = bt_env_alloc(env, sizeof(double) * p);
	w->dx = bt_env_alloc(env, sizeof(double) * p);
	if (w->dense)
		w->hm = bt_dense_alloc(env, p, p, &w->ld, &w->hraw);
	else
	{
		w->r = bt_env_alloc(env, sizeof(double) * p);
		w->z = bt_env_alloc(env, sizeof(double) * p);
		w->q = bt_env_alloc(env, sizeof(double) * p);
		w->dd = bt_env_alloc(env, sizeof(double) * p);
	}
}

/* release what bt_work_alloc (and bt_eval's switch to double) took */
static void
bt_work_free(BtWork *w)
{
	const BtEnv *env = w->env;

	if (w->hd)
		bt_env_release(env, w->hd);
	if (w->hf)
	{
		bt_env_release(env, w->hf);
		bt_env_release(env, w->hblk);
	}
	if (w->gt)
	{
		bt_env_release(env, w->gd);
		bt_env_release(env, w->gt);
		bt_env_release(env, w->hdt);
		bt_env_release(env, w->htt);
	}
	if (w->ab)
		bt_env_release(env, w->ab);
	if (w->gblk)
	{
		bt_env_release(env, w->gblk);
		bt_env_release(env, w->pblk);
	}
	bt_env_release(env, w->grad);
	bt_env_release(env, w->diag);
	bt_env_release(env, w->x);
	bt_env_release(env, w->xn);
	bt_env_release(env, w->dx);
	if (w->hraw)
		bt_env_release(env, w->hraw);
	if (w->r)
	{
		bt_env_release(env, w->r);
		bt_env_release(env, w->z);
		bt_env_release(env, w->q);
		bt_env_release(env, w->dd);
	}
}

/*
 * The Newton direction dx at the current derivatives: dense Cholesky, or
 * preconditioned CG to the forcing term for gradient norm gnorm (g0 the
 * first)
 */
static void
bt_newton_direction(BtWork *w, double gnorm, double g0, BtResult *res)
{
	int			p = w->p;
	double	   *dx = w->dx;

	if (w->dense)
	{
		bt_hess_dense(w, w->hm, w->ld);
		if (!bt_cholesky(w->hm, p, w->ld, w->env))
		{
			/* cannot happen for a checked problem; gradient step */
			for (int k = 0; k < p; k++)
				dx[k] = -w->grad[k] / (w->diag[k] > 0 ? w->diag[k] : 1.0);
		}
		else
		{
			for (int k = 0; k < p; k++)
				dx[k] = -w->grad[k];
			bt_chol_solve(w->hm, p, w->ld, dx);
		}
	}
	else
	{
		double		eta = fmin(BT_CG_ETA_MAX, fmax(gnorm / g0, BT_CG_ETA_MIN));

		res->cg_iterations += bt_pcg(w, eta, 1000, dx, w->r, w->z, w->q, w->dd);
	}
}

/*
 * Backtracking (Armijo) line search from x along dx, whose slope is
 * slope; obj the objective at x, sg2 its squared scaled gradient.  Returns
 * whether a step was accepted; then xn holds it, *objn its objective and
 * the derivatives are at xn.
 */
static bool
bt_line_search(BtWork *w, double obj, double slope, double sg2, double *objn)
{
	double		step = 1.0;

	for (int ls = 0; ls < 40; ls++)
	{
		for (int k = 0; k < w->p; k++)
			w->xn[k] = w->x[k] + step * w->dx[k];
		bt_centre(w->xn, w->n);
		*objn = bt_eval(w, w->xn, true);
		if (*objn <= obj + 1e-4 * step * slope)
			return true;

		/*
		 * Near the optimum the decrease of a full Newton step falls below
		 * the rounding of the objective; accept the step when the
		 * objective is unchanged up to rounding and the scaled gradient
		 * shrank.
		 */
		if (fabs(*objn - obj) <= 1e-12 * fabs(obj) && bt_scaled_grad2(w) < sg2)
			return true;
		step *= 0.5;
	}
	return false;
}

/*
 * Newton iterations from w->x until the scaled gradient is within tol,
 * max_iter is reached, or no descent is possible.  Returns the objective
 * at w->x; the derivatives are current there.
 */
static double
bt_newton(BtWork *w, BtResult *res)
{
	const BtProblem *pb = w->pb;
	double		obj = bt_eval(w, w->x, true);
	double		g0 = 0.0;
	int			iter = 0;

	for (;;)
	{
		double		gnorm;
		double		sg = bt_scaled_grad(w, &gnorm);
		double		slope = 0.0,
					objn = obj,
					sg2;

		bt_env_interrupt(w->env);
		if (iter == 0)
			g0 = gnorm > 0 ? gnorm : 1.0;
		sg2 = bt_scaled_grad2(w);
		res->scaled_grad = sg;
		res->grad_norm = gnorm;
		if (sg <= pb->tol)
		{
			res->converged = true;
			break;
		}
		if (iter >= pb->max_iter)
			break;

		bt_newton_direction(w, gnorm, g0, res);
		for (int k = 0; k < w->p; k++)
			slope += w->dx[k] * w->grad[k];
		if (!(slope < 0))
		{
			/* not a descent direction (rounding at the optimum): stop */
			break;
		}
		iter++;
		if (!bt_line_search(w, obj, slope, sg2, &objn))
		{
			/* no decrease possible in floating point: measure and stop */
			obj = bt_eval(w, w->x, true);
			res->scaled_grad = bt_scaled_grad(w, &res->grad_norm);
			break;
		}
		/* derivatives at xn are current */
		memcpy(w->x, w->xn, sizeof(double) * w->p);
		obj = objn;
	}
	res->iterations = iter;
	return obj;
}

/*
 * The fit.  See the file header.
 */
BtStatus
bt_solve(const BtProblem *pb, const BtEnv *env, bool want_se, BtResult *res)
{
	BtWork		w;
	int			n = pb->n;
	int			p = n;
	double	   *x;

	memset(&w, 0, sizeof(w));
	memset(res, 0, sizeof(*res));
	res->position_se = NAN;
	res->tie_log_se = NAN;
	w.pb = pb;
	w.env = env;
	w.n = n;
	w.m = pb->m;
	w.ig = pb->position ? p++ : -1;
	w.it = pb->ties == BT_TIES_DAVIDSON ? p++ : -1;
	w.p = p;
	w.dense = n <= BT_DENSE_NEWTON_MAX;
	bt_work_alloc(&w);
	x = w.x;

	if (pb->ties != BT_TIES_DAVIDSON)
		bt_warm_start(&w, x);
	res->objective = bt_newton(&w, res);
	res->dense = w.dense;
	res->loglik = w.loglik;
	res->brier = w.brier;
	res->position = w.ig >= 0 ? x[w.ig] : 0.0;
	res->tie_log = w.it >= 0 ? x[w.it] : 0.0;

	for (int k = 0; k < p; k++)
		if (!isfinite(x[k]) || fabs(x[k]) > BT_DIVERGENCE_LIMIT)
			res->diverged = true;

	if (want_se && n <= BT_SE_MAX_ITEMS && pb->brier_weight == 0 &&
		!res->diverged)
	{
		/* derivatives at x are current (last bt_eval had derivs) */
		if (!bt_standard_errors(&w, res))
			res->se = NULL;
	}

	res->score = bt_env_alloc(env, sizeof(double) * n);
	for (int i = 0; i < n; i++)
		res->score[i] = x[i] - (pb->reference >= 0 ? x[pb->reference] : 0.0);
	bt_work_free(&w);
	return BT_OK;
}


