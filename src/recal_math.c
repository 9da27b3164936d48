/*-------------------------------------------------------------------------
 *
 * recal_math.c
 *	  Pure maths of recalibration: compaction of (x, w, wy) point lists and
 *	  the Newton solvers for temperature scaling and Platt scaling.  No
 *	  fmgr, no palloc, no ereport: problems come back as a RecalStatus.
 *
 * Both methods minimise the weighted mean log loss
 *
 *		L = (1/W) sum_i [ w_i softplus(u_i) - t_i w_i u_i ],
 *
 * where u_i is the recalibrated logit and t_i the target (the row's y, or
 * Platt's smoothed target), which is -1/W times the log-likelihood of a
 * Bernoulli model with P(y = 1) = sigmoid(u).
 *
 *	temperature scaling (Guo et al., 2017): u = x / T with x = logit(p),
 *		T > 0.  We solve for theta = 1 / T, in which L is convex; a
 *		safeguarded Newton iteration keeps a bracket [lo, hi] with
 *		L'(lo) < 0 < L'(hi) and falls back to bisection when a Newton step
 *		leaves it.
 *	Platt scaling (Platt, 1999): u = a s + b on a score s.  Newton on
 *		(a, b) with an Armijo backtracking line search, on internally
 *		standardised scores for conditioning.  The plain variant is the
 *		maximum-likelihood logistic regression of y on s without penalty
 *		(scikit-learn's LogisticRegression(penalty=None)); the smoothed
 *		variant uses Platt's targets (N+ + 1) / (N+ + 2) for positives and
 *		1 / (N- + 2) for negatives (scikit-learn's sigmoid calibration).
 *
 * Both stop when the squared Newton decrement g' H^-1 g falls to tol
 * (half of it estimates how far the loss is above its minimum).
 *
 *-------------------------------------------------------------------------
 */
#include "recal.h"

#include <math.h>
#include <stdlib.h>

void		(*recal_check_interrupts) (void) = NULL;

#define RECAL_CHECK_INTERRUPTS() \
	do { if (recal_check_interrupts) recal_check_interrupts(); } while (0)

double
recal_softplus(double u)
{
	if (u > 0)
		return u + log1p(exp(-u));
	return log1p(exp(u));
}

double
recal_sigmoid(double u)
{
	if (u >= 0)
		return 1.0 / (1.0 + exp(-u));
	else
	{
		double		e = exp(u);

		return e / (1.0 + e);
	}
}

double
recal_logit(double p)
{
	double		z;

	if (p <= 0)
		return -RECAL_MAX_LOGIT;
	if (p >= 1)
		return RECAL_MAX_LOGIT;
	z = log(p) - log1p(-p);
	return fmin(fmax(z, -RECAL_MAX_LOGIT), RECAL_MAX_LOGIT);
}

static int
point_cmp(const void *a, const void *b)
{
	double		xa = ((const RecalPoint *) a)->x;
	double		xb = ((const RecalPoint *) b)->x;

	return (xa > xb) - (xa < xb);
}

int
recal_compact(RecalPoint *pts, int n)
{
	int			i,
				k;

	if (n <= 1)
		return n;
	qsort(pts, n, sizeof(RecalPoint), point_cmp);
	k = 0;
	for (i = 1; i < n; i++)
	{
		if (pts[i].x == pts[k].x)
		{
			pts[k].w += pts[i].w;
			pts[k].wy += pts[i].wy;
		}
		else
			pts[++k] = pts[i];
	}
	return k + 1;
}

double
recal_apply(RecalMethod method, const double *param, double x)
{
	if (method == RECAL_TEMPERATURE)
		return recal_sigmoid(x / param[0]);
	return recal_sigmoid(param[0] * x + param[1]);
}

/* ---------------------------------------------------------------- */
/* temperature scaling                                               */
/* ---------------------------------------------------------------- */

/* mean loss, derivative and second derivative in theta = 1 / T */
static void
temp_eval(const RecalPoint *pts, int n, double invw, double theta,
		  double *loss, double *g, double *h)
{
	double		l = 0,
				d1 = 0,
				d2 = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		double		u = theta * pts[i].x;
		double		s = recal_sigmoid(u);

		l += pts[i].w * recal_softplus(u) - pts[i].wy * u;
		d1 += pts[i].x * (pts[i].w * s - pts[i].wy);
		d2 += pts[i].w * pts[i].x * pts[i].x * s * (1.0 - s);
	}
	*loss = l * invw;
	*g = d1 * invw;
	*h = d2 * invw;
}

static RecalStatus
fit_temperature(const RecalPoint *pts, int n, int max_iter, double tol,
				RecalFit *fit)
{
	double		invw = 1.0 / fit->sumw;
	double		g0 = 0;
	bool		any_nonzero = false;
	bool		separated = true;
	double		lo,
				hi,
				theta,
				loss,
				g,
				h;
	int			i,
				it;

	for (i = 0; i < n; i++)
	{
		const RecalPoint *p = &pts[i];

		if (p->x != 0)
			any_nonzero = true;
		g0 += p->x * (0.5 * p->w - p->wy);
		/* separated at 0: every x > 0 all positive, every x < 0 all negative */
		if ((p->x > 0 && p->wy < p->w) || (p->x < 0 && p->wy > 0))
			separated = false;
	}
	if (!any_nonzero)
		return RECAL_ALL_ZERO;
	if (separated)
		return RECAL_SEPARATED;
	if (g0 >= 0)
		return RECAL_NO_SIGNAL;

	/* bracket: L'(0) < 0; find hi with L'(hi) > 0 (exists: not separated) */
	lo = 0;
	hi = 1;
	temp_eval(pts, n, invw, hi, &loss, &g, &h);
	for (i = 0; g < 0 && i < 2000; i++)
	{
		RECAL_CHECK_INTERRUPTS();
		lo = hi;
		hi *= 2;
		temp_eval(pts, n, invw, hi, &loss, &g, &h);
	}
	if (g < 0)
		return RECAL_SEPARATED;
	if (g == 0)
	{
		fit->param[0] = 1.0 / hi;
		fit->loss = loss;
		fit->decrement = 0;
		fit->iterations = 0;
		return RECAL_OK;
	}

	theta = hi;
	for (it = 1; it <= max_iter; it++)
	{
		double		next;

		RECAL_CHECK_INTERRUPTS();
		temp_eval(pts, n, invw, theta, &loss, &g, &h);
		fit->decrement = (h > 0) ? g * g / h : INFINITY;
		fit->iterations = it;
		if (fit->decrement <= tol || g == 0)
		{
			fit->param[0] = 1.0 / theta;
			fit->loss = loss;
			return RECAL_OK;
		}
		if (g < 0)
			lo = theta;
		else
			hi = theta;
		next = (h > 0) ? theta - g / h : 0.5 * (lo + hi);
		if (!(next > lo && next < hi))
			next = 0.5 * (lo + hi);
		if (next == theta || hi - lo <= 4e-16 * hi)
		{
			/* the bracket has collapsed to rounding: converged */
			fit->param[0] = 1.0 / theta;
			fit->loss = loss;
			return RECAL_OK;
		}
		theta = next;
	}
	fit->param[0] = 1.0 / theta;
	fit->loss = loss;
	return RECAL_NOT_CONVERGED;
}

/* ---------------------------------------------------------------- */
/* Platt scaling                                                     */
/* ---------------------------------------------------------------- */

typedef struct PlattData
{
	const RecalPoint *pts;
	int			n;
	double		invw;
	double		tpos;			/* target for the positive mass */
	double		tneg;			/* target for the negative mass */
	double		m;				/* standardisation: z = (x - m) / s */
	double		s;
} PlattData;

/* weighted target mass of point i */
static inline double
platt_wt(const PlattData *d, int i)
{
	const RecalPoint *p = &d->pts[i];

	return p->wy * d->tpos + (p->w - p->wy) * d->tneg;
}

/* mean loss and, if grad != NULL, gradient and Hessian in (a', b') */
static double
platt_eval(const PlattData *d, double a, double b, double *grad,
		   double *hess)
{
	double		l = 0,
				ga = 0,
				gb = 0,
				haa = 0,
				hab = 0,
				hbb = 0;
	int			i;

	for (i = 0; i < d->n; i++)
	{
		double		z = (d->pts[i].x - d->m) / d->s;
		double		u = a * z + b;
		double		w = d->pts[i].w;
		double		wt = platt_wt(d, i);

		l += w * recal_softplus(u) - wt * u;
		if (grad)
		{
			double		sg = recal_sigmoid(u);
			double		r = w * sg - wt;
			double		v = w * sg * (1.0 - sg);

			ga += r * z;
			gb += r;
			haa += v * z * z;
			hab += v * z;
			hbb += v;
		}
	}
	if (grad)
	{
		grad[0] = ga * d->invw;
		grad[1] = gb * d->invw;
		hess[0] = haa * d->invw;
		hess[1] = hab * d->invw;
		hess[2] = hbb * d->invw;
	}
	return l * d->invw;
}

static RecalStatus
fit_platt(const RecalPoint *pts, int n, bool smoothing, int max_iter,
		  double tol, RecalFit *fit)
{
	PlattData	d;
	double		npos = fit->sumwy;
	double		nneg = fit->sumw - fit->sumwy;
	double		mean = 0,
				var = 0,
				a,
				b,
				loss,
				tbar,
				prev_dec = INFINITY;
	int			i,
				it;

	if (n == 1)
		return RECAL_ONE_VALUE;

	d.pts = pts;
	d.n = n;
	d.invw = 1.0 / fit->sumw;
	if (smoothing)
	{
		d.tpos = (npos + 1.0) / (npos + 2.0);
		d.tneg = 1.0 / (nneg + 2.0);
	}
	else
	{
		double		max_neg = -INFINITY,
					min_pos = INFINITY,
					max_pos = -INFINITY,
					min_neg = INFINITY;

		d.tpos = 1.0;
		d.tneg = 0.0;
		/* points are sorted by x */
		for (i = 0; i < n; i++)
		{
			if (pts[i].wy > 0)
			{
				if (min_pos == INFINITY)
					min_pos = pts[i].x;
				max_pos = pts[i].x;
			}
			if (pts[i].w - pts[i].wy > 0)
			{
				if (min_neg == INFINITY)
					min_neg = pts[i].x;
				max_neg = pts[i].x;
			}
		}
		if (max_neg <= min_pos || max_pos <= min_neg)
			return RECAL_SEPARATED;
	}

	/* standardise the scores (weighted mean and standard deviation) */
	for (i = 0; i < n; i++)
		mean += pts[i].w * pts[i].x;
	mean *= d.invw;
	for (i = 0; i < n; i++)
		var += pts[i].w * (pts[i].x - mean) * (pts[i].x - mean);
	var *= d.invw;
	d.m = mean;
	d.s = sqrt(var);
	if (!(d.s > 0) || !isfinite(d.s))
		return RECAL_ONE_VALUE;

	/* start at the constant model */
	tbar = 0;
	for (i = 0; i < n; i++)
		tbar += platt_wt(&d, i);
	tbar *= d.invw;
	tbar = fmin(fmax(tbar, 1e-12), 1.0 - 1e-12);
	a = 0;
	b = log(tbar) - log1p(-tbar);
	loss = platt_eval(&d, a, b, NULL, NULL);

	for (it = 1; it <= max_iter; it++)
	{
		double		g[2],
					hs[3],
					det,
					da,
					db,
					dec,
					t;
		bool		accepted = false;

		RECAL_CHECK_INTERRUPTS();
		loss = platt_eval(&d, a, b, g, hs);
		det = hs[0] * hs[2] - hs[1] * hs[1];
		fit->iterations = it;
		if (!(det > 0))
		{
			/* numerically singular: fall back to a gradient step */
			da = -g[0];
			db = -g[1];
			dec = g[0] * g[0] + g[1] * g[1];
		}
		else
		{
			da = -(hs[2] * g[0] - hs[1] * g[1]) / det;
			db = -(-hs[1] * g[0] + hs[0] * g[1]) / det;
			dec = -(g[0] * da + g[1] * db);
		}
		fit->decrement = dec;
		if (dec <= tol)
			goto done;
		/* rounding floor: the decrement stopped shrinking near zero */
		if (dec < 1e-14 && dec >= 0.25 * prev_dec)
			goto done;
		prev_dec = dec;
		if (dec < 1e-8)
		{
			/*
			 * Quadratic region: the predicted decrease is below what the
			 * loss can resolve, so take the full step and let the gradient
			 * judge it.
			 */
			a += da;
			b += db;
			continue;
		}
		for (t = 1.0; t > 1e-12; t *= 0.5)
		{
			double		na = a + t * da,
						nb = b + t * db;
			double		nl;

			RECAL_CHECK_INTERRUPTS();
			nl = platt_eval(&d, na, nb, NULL, NULL);

			if (nl <= loss - 0.25 * t * dec)
			{
				a = na;
				b = nb;
				loss = nl;
				accepted = true;
				break;
			}
		}
		if (!accepted)
			break;
	}
	fit->param[0] = a / d.s;
	fit->param[1] = b - a * d.m / d.s;
	fit->loss = loss;
	return RECAL_NOT_CONVERGED;

done:
	/* back to the caller's scale: a' (x - m) / s + b' = a x + b */
	fit->param[0] = a / d.s;
	fit->param[1] = b - a * d.m / d.s;
	fit->loss = loss;
	return RECAL_OK;
}

/* ---------------------------------------------------------------- */

RecalStatus
recal_fit_points(const RecalPoint *pts, int n, RecalMethod method,
				 bool smoothing, int max_iter, double tol, RecalFit *fit)
{
	double		sumw = 0,
				sumwy = 0,
				lid = 0;
	int			i;
	RecalStatus st;

	fit->param[0] = fit->param[1] = 0;
	fit->loss = fit->loss_identity = NAN;
	fit->decrement = NAN;
	fit->iterations = 0;
	for (i = 0; i < n; i++)
	{
		sumw += pts[i].w;
		sumwy += pts[i].wy;
		lid += pts[i].w * recal_softplus(pts[i].x) - pts[i].wy * pts[i].x;
	}
	fit->sumw = sumw;
	fit->sumwy = sumwy;
	if (n == 0 || !(sumw > 0))
		return RECAL_EMPTY;
	fit->loss_identity = lid / sumw;

	if (method == RECAL_TEMPERATURE)
		st = fit_temperature(pts, n, max_iter, tol, fit);
	else
		st = fit_platt(pts, n, smoothing, max_iter, tol, fit);

	/* report the loss against the rows' own targets (not smoothed ones) */
	if (st == RECAL_OK || st == RECAL_NOT_CONVERGED)
	{
		double		l = 0;

		for (i = 0; i < n; i++)
		{
			double		u = (method == RECAL_TEMPERATURE) ?
				pts[i].x / fit->param[0] :
				fit->param[0] * pts[i].x + fit->param[1];

			l += pts[i].w * recal_softplus(u) - pts[i].wy * u;
		}
		fit->loss = l / sumw;
	}
	return st;
}
