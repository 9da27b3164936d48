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
 * Both stop when the squared Newton decrement g' H^-1 g, relative to the
 * loss L, falls to tol (half of it estimates by what fraction the loss is
 * above its minimum).  Relative, because a loss dominated by one heavy,
 * well-fitted row can be 1e-12 and every absolute constant would stop
 * far from the minimum.
 *
 * Accuracy: the loss, its gradient and its Hessian are summed from terms
 * that do not cancel (see point_loss); the weights are rescaled by a power
 * of two so the largest is in [1, 2) and the scores by one so the largest
 * magnitude is in [1, 2), which keeps subnormal weights and scores of any
 * magnitude (1e-170, 1e154) away from underflow and overflow.
 *
 *-------------------------------------------------------------------------
 */
#include "recal.h"
#include "pc_math.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

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
		return pc_sigmoid(x / param[0]);
	return pc_sigmoid(param[0] * x + param[1]);
}

/* ---------------------------------------------------------------- */
/* stable pieces of the loss                                         */
/* ---------------------------------------------------------------- */

/*
 * sigmoid(u), sigmoid(-u), softplus(u) and softplus(-u) from one exp and
 * one log1p, each to full relative accuracy: none is formed as 1 minus
 * another, so sigmoid(-u) stays accurate where sigmoid(u) rounds to 1.
 */
typedef struct Logistic
{
	double		sp;				/* sigmoid(u) */
	double		sn;				/* sigmoid(-u) = 1 - sigmoid(u) */
	double		lp;				/* softplus(u) = -log sigmoid(-u) */
	double		ln;				/* softplus(-u) = -log sigmoid(u) */
} Logistic;

static inline void
logistic(double u, Logistic *o)
{
	double		e = exp(-fabs(u));
	double		r = 1.0 / (1.0 + e);
	double		l = log1p(e);

	if (u >= 0)
	{
		o->sp = r;
		o->sn = e * r;
		o->lp = u + l;
		o->ln = l;
	}
	else
	{
		o->sp = e * r;
		o->sn = r;
		o->lp = l;
		o->ln = l - u;
	}
}

/*
 * A point with positive mass wp (weight times target) and negative mass
 * wn (weight times 1 - target) contributes
 *
 *		wn softplus(u) + wp softplus(-u)		to the loss,
 *		wn sigmoid(u) - wp sigmoid(-u)			to dL/du,
 *		(wp + wn) sigmoid(u) sigmoid(-u)		to d2L/du2.
 *
 * These equal w softplus(u) - wy u and w sigmoid(u) - wy, but are sums of
 * terms of one sign (the loss) or of accurately computed terms: the
 * textbook forms cancel catastrophically when |u| is large and the point
 * is fitted well, which is exactly the situation of a dominant row.
 */
static inline double
point_loss(double wp, double wn, const Logistic *q)
{
	return wn * q->lp + wp * q->ln;
}

/* ---------------------------------------------------------------- */
/* temperature scaling                                               */
/* ---------------------------------------------------------------- */

/*
 * Mean loss, derivative and second derivative in theta, where
 * u = theta * (x * xs): theta is 1 / T in units of the scaled input.
 */
static void
temp_eval(const RecalPoint *pts, int n, double xs, double invw, double theta,
		  double *loss, double *g, double *h)
{
	double		l = 0,
				d1 = 0,
				d2 = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		double		x = pts[i].x * xs;
		double		wp = pts[i].wy;
		double		wn = pts[i].w - pts[i].wy;
		Logistic	q;

		logistic(theta * x, &q);
		l += point_loss(wp, wn, &q);
		d1 += x * (wn * q.sp - wp * q.sn);
		d2 += pts[i].w * x * x * q.sp * q.sn;
	}
	*loss = l * invw;
	*g = d1 * invw;
	*h = d2 * invw;
}

static RecalStatus
fit_temperature(const RecalPoint *pts, int n, double xs, double invw,
				int max_iter, double tol, void (*interrupt) (void),
				RecalFit *fit)
{
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
		g0 += p->x * xs * ((p->w - p->wy) - p->wy);
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

	/*
	 * bracket: L'(0) < 0; find hi with L'(hi) > 0 (exists: not separated).
	 * The scaled inputs are below 2 in magnitude, so theta = 1 is a
	 * natural start whatever the units of x.
	 */
	lo = 0;
	hi = 1;
	temp_eval(pts, n, xs, invw, hi, &loss, &g, &h);
	for (i = 0; g < 0 && hi < 1e300; i++)
	{
		if (interrupt)
			interrupt();
		lo = hi;
		hi *= 2;
		temp_eval(pts, n, xs, invw, hi, &loss, &g, &h);
	}
	if (g < 0)
		return RECAL_SEPARATED;
	if (g == 0)
	{
		fit->param[0] = (1.0 / hi) / xs;
		fit->loss = loss;
		fit->decrement = 0;
		fit->iterations = 0;
		return RECAL_OK;
	}

	theta = hi;
	for (it = 1; it <= max_iter; it++)
	{
		double		next;

		if (interrupt)
			interrupt();
		temp_eval(pts, n, xs, invw, theta, &loss, &g, &h);
		/* squared Newton decrement relative to the loss (loss > 0 here) */
		fit->decrement = (g == 0) ? 0 : (h > 0) ? g * g / h / loss : INFINITY;
		fit->iterations = it;
		if (g < 0)
			lo = theta;
		else if (g > 0)
			hi = theta;
		next = (h > 0) ? theta - g / h : 0.5 * (lo + hi);
		if (fit->decrement <= tol || g == 0)
		{
			/*
			 * Converged.  The last Newton step is still worth taking: it
			 * squares the relative error (tol 1e-20 alone leaves about
			 * 1e-10 in T); it stays inside the bracket.
			 */
			if (g != 0 && next > lo && next < hi)
				theta = next;
			fit->param[0] = (1.0 / theta) / xs;
			fit->loss = loss;
			return RECAL_OK;
		}
		if (!(next > lo && next < hi))
			next = 0.5 * (lo + hi);
		if (next == theta || hi - lo <= 4e-16 * hi)
		{
			/* the bracket has collapsed to rounding: converged */
			fit->param[0] = (1.0 / theta) / xs;
			fit->loss = loss;
			return RECAL_OK;
		}
		theta = next;
	}
	fit->param[0] = (1.0 / theta) / xs;
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
	double		tpos;			/* target of the positive mass */
	double		tneg;			/* target of the negative mass */
	double		cpos;			/* 1 - tpos, computed directly */
	double		cneg;			/* 1 - tneg, computed directly */
	double		xs;				/* power of two: |x xs| < 2 */
	double		m;				/* standardisation: z = (x xs - m) / s */
	double		s;
} PlattData;

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
		const RecalPoint *p = &d->pts[i];
		double		z = (p->x * d->xs - d->m) / d->s;
		double		wneg = p->w - p->wy;
		double		wp = p->wy * d->tpos + wneg * d->tneg;
		double		wn = p->wy * d->cpos + wneg * d->cneg;
		Logistic	q;

		logistic(a * z + b, &q);
		l += point_loss(wp, wn, &q);
		if (grad)
		{
			double		r = wn * q.sp - wp * q.sn;
			double		v = p->w * q.sp * q.sn;

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

/*
 * Platt's targets: smoothed (counting the rows in the caller's weight
 * units), or the rows' own, for which the data must not be separated by
 * the scores (points are sorted by x).  Returns RECAL_SEPARATED or
 * RECAL_OK.
 */
static RecalStatus
platt_targets(PlattData *d, bool smoothing, const RecalFit *fit)
{
	const RecalPoint *pts = d->pts;
	double		max_neg = -INFINITY,
				min_pos = INFINITY,
				max_pos = -INFINITY,
				min_neg = INFINITY;

	if (smoothing)
	{
		double		npos = fit->sumwy;
		double		nneg = fit->sumw - fit->sumwy;

		d->tpos = (npos + 1.0) / (npos + 2.0);
		d->cpos = 1.0 / (npos + 2.0);
		d->tneg = 1.0 / (nneg + 2.0);
		d->cneg = (nneg + 1.0) / (nneg + 2.0);
		return RECAL_OK;
	}
	d->tpos = 1.0;
	d->cpos = 0.0;
	d->tneg = 0.0;
	d->cneg = 1.0;
	for (int i = 0; i < d->n; i++)
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
	return RECAL_OK;
}

/*
 * Standardise the scaled scores (weighted mean and standard deviation).
 * The scaling by xs keeps the squares clear of underflow and overflow
 * whatever the units of the scores.  false when the scores do not vary.
 */
static bool
platt_standardise(PlattData *d)
{
	const RecalPoint *pts = d->pts;
	double		mean = 0,
				var = 0;

	for (int i = 0; i < d->n; i++)
		mean += pts[i].w * (pts[i].x * d->xs);
	mean *= d->invw;
	for (int i = 0; i < d->n; i++)
	{
		double		dx = pts[i].x * d->xs - mean;

		var += pts[i].w * dx * dx;
	}
	var *= d->invw;
	d->m = mean;
	d->s = sqrt(var);
	return d->s > 0 && isfinite(d->s);
}

/* the constant model: b = log(positive mass / negative mass) */
static double
platt_start_b(const PlattData *d)
{
	const RecalPoint *pts = d->pts;
	double		mpos = 0,
				mneg = 0;

	for (int i = 0; i < d->n; i++)
	{
		double		wneg = pts[i].w - pts[i].wy;

		mpos += pts[i].wy * d->tpos + wneg * d->tneg;
		mneg += pts[i].wy * d->cpos + wneg * d->cneg;
	}
	return (mpos > 0 && mneg > 0) ? log(mpos) - log(mneg) : 0;
}

/*
 * The Newton direction (da, db) from the gradient g and Hessian hs (a
 * gradient step where the Hessian is numerically singular); returns the
 * decrement g' H^-1 g and sets *newton to whether it is a Newton step.
 */
static double
platt_direction(const double *g, const double *hs, double *da, double *db,
				bool *newton)
{
	double		det = hs[0] * hs[2] - hs[1] * hs[1];

	*newton = det > 0;
	if (!(det > 0))
	{
		*da = -g[0];
		*db = -g[1];
		return g[0] * g[0] + g[1] * g[1];
	}
	*da = -(hs[2] * g[0] - hs[1] * g[1]) / det;
	*db = -(-hs[1] * g[0] + hs[0] * g[1]) / det;
	return -(g[0] * *da + g[1] * *db);
}

/*
 * Armijo backtracking from (a, b) along (da, db) with decrement dec.
 * Once the predicted decrease is below what the summed loss can resolve
 * (slack bounds its rounding error), a step is accepted if the loss does
 * not rise beyond that: the accurate gradient then judges the step at the
 * next iteration.  Returns whether a step was accepted (then a, b and
 * loss are updated).
 */
static bool
platt_line_search(const PlattData *d, double *a, double *b, double *loss,
				  double da, double db, double dec, void (*interrupt) (void))
{
	double		slack = (d->n + 16) * DBL_EPSILON * *loss;

	for (double t = 1.0; t > 1e-12; t *= 0.5)
	{
		double		na = *a + t * da,
					nb = *b + t * db;
		double		nl;

		if (interrupt)
			interrupt();
		nl = platt_eval(d, na, nb, NULL, NULL);

		if (nl <= *loss - 0.25 * t * dec ||
			(0.25 * t * dec <= slack && nl <= *loss + slack))
		{
			*a = na;
			*b = nb;
			*loss = nl;
			return true;
		}
	}
	return false;
}

/*
 * Newton on (a, b) from the constant model; RECAL_OK when the relative
 * decrement reached tol (or its rounding floor), else RECAL_NOT_CONVERGED.
 */
static RecalStatus
platt_newton(const PlattData *d, double *a, double *b, double *loss,
			 int max_iter, double tol, void (*interrupt) (void),
			 RecalFit *fit)
{
	double		prev_dec = INFINITY;

	for (int it = 1; it <= max_iter; it++)
	{
		double		g[2],
					hs[3],
					da,
					db,
					dec,
					rdec;
		bool		newton;

		if (interrupt)
			interrupt();
		*loss = platt_eval(d, *a, *b, g, hs);
		fit->iterations = it;
		dec = platt_direction(g, hs, &da, &db, &newton);

		/*
		 * Every test is relative to the loss (positive here: the data are
		 * not separated, or the targets are smoothed), so a loss of 1e-12
		 * (a dominant, well-fitted row) converges as tightly as one of 0.6.
		 */
		rdec = dec / *loss;
		fit->decrement = rdec;
		if (rdec <= tol)
		{
			/*
			 * Converged.  Take the last Newton step too (when it is one):
			 * it squares the relative error of (a, b), and a step this
			 * small is below what the loss could check anyway.
			 */
			if (newton)
			{
				*a += da;
				*b += db;
			}
			return RECAL_OK;
		}
		/* rounding floor: the decrement stopped shrinking near zero */
		if (rdec < 1e-14 && rdec >= 0.25 * prev_dec)
			return RECAL_OK;
		prev_dec = rdec;
		if (!platt_line_search(d, a, b, loss, da, db, dec, interrupt))
			break;
	}
	return RECAL_NOT_CONVERGED;
}

static RecalStatus
fit_platt(const RecalPoint *pts, int n, bool smoothing, double xs,
		  double invw, int max_iter, double tol, void (*interrupt) (void),
		  RecalFit *fit)
{
	PlattData	d;
	double		a = 0,
				b,
				loss;
	RecalStatus st;

	if (n == 1)
		return RECAL_ONE_VALUE;
	d.pts = pts;
	d.n = n;
	d.invw = invw;
	d.xs = xs;
	if (platt_targets(&d, smoothing, fit) == RECAL_SEPARATED)
		return RECAL_SEPARATED;
	if (!platt_standardise(&d))
		return RECAL_ONE_VALUE;
	b = platt_start_b(&d);
	loss = platt_eval(&d, a, b, NULL, NULL);
	st = platt_newton(&d, &a, &b, &loss, max_iter, tol, interrupt, fit);
	/* back to the caller's scale: a' (x xs - m) / s + b' = a x + b */
	fit->param[0] = (a / d.s) * xs;
	fit->param[1] = b - a * d.m / d.s;
	fit->loss = loss;
	return st;
}

/* ---------------------------------------------------------------- */

RecalStatus
recal_fit_points(RecalPoint *pts, int n, RecalMethod method,
				 bool smoothing, int max_iter, double tol,
				 void (*interrupt) (void), RecalFit *fit)
{
	double		sumw = 0,
				sumwy = 0,
				wmax = 0,
				xmax = 0,
				xs = 1.0,
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
		wmax = fmax(wmax, pts[i].w);
		xmax = fmax(xmax, fabs(pts[i].x));
	}
	fit->sumw = sumw;
	fit->sumwy = sumwy;
	if (n == 0 || !(sumw > 0))
		return RECAL_EMPTY;

	/*
	 * The mean loss does not change when every weight is multiplied by one
	 * constant, so scale w and wy by the power of two that brings the
	 * largest weight into [1, 2): exact (up to weights below 2^-1022 of the
	 * largest, which vanish), and it keeps every product and sum of the
	 * fit clear of subnormal underflow and of overflow.  The scores are
	 * scaled in the same way (by xs, inside the solvers) for the same
	 * reason.
	 */
	if (isfinite(wmax))
	{
		int			k = ilogb(wmax);
		double		w = 0;

		for (i = 0; i < n; i++)
		{
			pts[i].w = ldexp(pts[i].w, -k);
			pts[i].wy = ldexp(pts[i].wy, -k);
			w += pts[i].w;
		}
		sumw = w;
	}
	if (xmax > 0)
	{
		/* 2^-e with 2^e <= xmax < 2^(e+1); e >= -1022 keeps 2^-e finite */
		int			e = ilogb(xmax);

		xs = ldexp(1.0, -(e < DBL_MIN_EXP - 1 ? DBL_MIN_EXP - 1 : e));
	}

	for (i = 0; i < n; i++)
	{
		Logistic	q;

		logistic(pts[i].x, &q);
		lid += point_loss(pts[i].wy, pts[i].w - pts[i].wy, &q);
	}
	fit->loss_identity = lid / sumw;

	if (method == RECAL_TEMPERATURE)
		st = fit_temperature(pts, n, xs, 1.0 / sumw, max_iter, tol,
							 interrupt, fit);
	else
		st = fit_platt(pts, n, smoothing, xs, 1.0 / sumw, max_iter, tol,
					   interrupt, fit);

	/* report the loss against the rows' own targets (not smoothed ones) */
	if (st == RECAL_OK || st == RECAL_NOT_CONVERGED)
	{
		double		l = 0;

		for (i = 0; i < n; i++)
		{
			double		u = (method == RECAL_TEMPERATURE) ?
				pts[i].x / fit->param[0] :
				fit->param[0] * pts[i].x + fit->param[1];
			Logistic	q;

			logistic(u, &q);
			l += point_loss(pts[i].wy, pts[i].w - pts[i].wy, &q);
		}
		fit->loss = l / sumw;
	}
	return st;
}
