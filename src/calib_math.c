/*-------------------------------------------------------------------------
 *
 * calib_math.c
 *	  Pure maths on calibration states (see calib.h): initialisation,
 *	  merge, the measures (ECE, MCE, RMS calibration error, Brier score,
 *	  log loss, the Murphy decomposition) and the consistency check used
 *	  by the type's input functions.  No fmgr, no palloc, no ereport.
 *
 * Every measure is a function of the per-bin sums, so states merge by
 * adding them; the measures are read only at the end.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>

#include "calib.h"

void
calib_init(CalibState *s, int nbins, int nclasses, int flags)
{
	/* the varlena header belongs to the caller */
	memset(((char *) s) + sizeof(int32_t), 0,
		   CALIB_SIZE(nbins) - sizeof(int32_t));
	s->version = CALIB_VERSION;
	s->flags = (uint16_t) flags;
	s->nbins = nbins;
	s->nclasses = nclasses;
}

/*
 * dst += src.  The caller has checked that nbins and nclasses agree.  The
 * log loss stays tracked only if both sides track it, and so do the Brier
 * sum and the second moments (a state of ece_agg has neither).  Returns
 * false when a sum overflowed (as calib_add); dst is then unusable.
 */
bool
calib_merge(CalibState *dst, const CalibState *src,
			void (*add) (double *restrict, const double *restrict, int))
{
	bool		ok;

	dst->w += src->w;
	ok = !isinf(dst->w);
	calib_sum_add(&dst->brier, &dst->brier_c, src->brier);
	dst->brier_c += src->brier_c;
	ok = ok && !isinf(dst->brier);
	if ((dst->flags & CALIB_F_LOGLOSS) && (src->flags & CALIB_F_LOGLOSS))
	{
		bool		was_inf = isinf(dst->logloss) || isinf(src->logloss);

		calib_sum_add(&dst->logloss, &dst->logloss_c, src->logloss);
		dst->logloss_c += src->logloss_c;
		ok = ok && (was_inf || !isinf(dst->logloss));
	}
	else
	{
		dst->flags &= ~CALIB_F_LOGLOSS;
		dst->logloss = 0.0;
		dst->logloss_c = 0.0;
	}
	if (dst->nbins > 0)
		add((double *) dst->bins, (const double *) src->bins,
			dst->nbins * CALIB_BIN_FIELDS);
	if ((dst->flags | src->flags) & CALIB_F_NO_MOMENTS)
	{
		dst->flags |= CALIB_F_NO_MOMENTS;
		dst->brier = 0.0;
		dst->brier_c = 0.0;
		for (int b = 0; b < dst->nbins; b++)
		{
			dst->bins[b].wpp = 0.0;
			dst->bins[b].wpy = 0.0;
			dst->bins[b].wyy = 0.0;
		}
		ok = !isinf(dst->w);
	}
	return ok;
}

/* edge k of nbins equal-width bins: the double nearest k / nbins */
double
calib_edge(int k, int nbins)
{
	return (double) k / nbins;
}

/* ECE = sum_b (n_b / N) |mean y_b - mean p_b| = sum_b |wy_b - wp_b| / N */
double
calib_ece(const CalibState *s)
{
	double		acc = 0.0;

	for (int b = 0; b < s->nbins; b++)
		acc += fabs(s->bins[b].wy - s->bins[b].wp);
	return acc / s->w;
}

/* MCE = max over non-empty bins of |mean y_b - mean p_b| */
double
calib_mce(const CalibState *s)
{
	double		m = 0.0;

	for (int b = 0; b < s->nbins; b++)
	{
		const CalibBin *bin = &s->bins[b];

		if (bin->w > 0.0)
		{
			double		g = fabs(bin->wy - bin->wp) / bin->w;

			if (g > m)
				m = g;
		}
	}
	return m;
}

/* RMSCE = sqrt(sum_b (n_b / N) (mean y_b - mean p_b)^2) */
double
calib_rmsce(const CalibState *s)
{
	double		acc = 0.0;

	for (int b = 0; b < s->nbins; b++)
	{
		const CalibBin *bin = &s->bins[b];

		/* share of the weight times the squared gap, each at most 1 */
		if (bin->w > 0.0)
		{
			double		g = (bin->wy - bin->wp) / bin->w;

			acc += (bin->w / s->w) * g * g;
		}
	}
	return sqrt(acc);
}

double
calib_brier(const CalibState *s)
{
	return calib_sum_value(s->brier, s->brier_c) / s->w;
}

double
calib_logloss(const CalibState *s)
{
	return calib_sum_value(s->logloss, s->logloss_c) / s->w;
}

/*
 * Murphy's decomposition of the Brier score over the bins, with the two
 * within-bin terms that make it an identity (Stephenson, Coelho and
 * Jolliffe 2008).  Per bin b with weight n_b and means pb, yb:
 *
 *	sum_{i in b} w (p - y)^2 = n_b (pb - yb)^2 + n_b var_b(p)
 *							   + n_b var_b(y) - 2 n_b cov_b(p, y)
 *
 * and sum_b n_b var_b(y) = N (UNC - RES) with ybar the overall mean,
 * UNC = mean(y^2) - ybar^2 (= ybar (1 - ybar) for binary y) and
 * RES = sum_b n_b (yb - ybar)^2 / N.  Hence
 *
 *	Brier = REL - RES + UNC + WBV - WBC
 *
 * with REL = sum_b n_b (pb - yb)^2 / N, WBV = sum_b n_b var_b(p) / N and
 * WBC = 2 sum_b n_b cov_b(p, y) / N.  Brier itself is the compensated
 * total, so the identity holds up to the rounding of the sums (and of
 * the clamping below, which is of the same order).
 */
void
calib_decompose(const CalibState *s, CalibDecomposition *d)
{
	double		n = s->w;
	double		wy = 0.0,
				wyy = 0.0;
	double		ybar;
	double		rel = 0.0,
				res = 0.0,
				wbv = 0.0,
				wbc = 0.0;

	for (int b = 0; b < s->nbins; b++)
	{
		wy += s->bins[b].wy;
		wyy += s->bins[b].wyy;
	}
	ybar = wy / n;
	for (int b = 0; b < s->nbins; b++)
	{
		const CalibBin *bin = &s->bins[b];
		double		pb,
					yb,
					vp,
					vy,
					cv,
					lim;

		if (!(bin->w > 0.0))
			continue;
		pb = bin->wp / bin->w;
		yb = bin->wy / bin->w;
		rel += bin->w * (pb - yb) * (pb - yb);
		res += bin->w * (yb - ybar) * (yb - ybar);

		/*
		 * n_b var_b(p), n_b var_b(y) and n_b cov_b(p, y) from the one-pass
		 * sums cancel: where the true value is 0 (one value of p in the
		 * bin) rounding leaves about 1e-16 of the sums, of either sign.
		 * The variances are kept at 0 or above and the covariance within
		 * Cauchy-Schwarz of them, which moves no term by more than that
		 * rounding.
		 */
		vp = bin->wpp - bin->wp * pb;
		vy = bin->wyy - bin->wy * yb;
		cv = bin->wpy - bin->wp * yb;
		if (!(vp > 0.0))
			vp = 0.0;
		if (!(vy > 0.0))
			vy = 0.0;
		lim = sqrt(vp) * sqrt(vy);
		if (cv > lim)
			cv = lim;
		else if (cv < -lim)
			cv = -lim;
		wbv += vp;
		wbc += cv;
	}
	d->brier = calib_brier(s);
	d->reliability = rel / n;
	d->resolution = res / n;

	/*
	 * With binary targets y^2 = y, so the sums wyy and wy are the same
	 * numbers and UNC = ybar (1 - ybar), without cancellation (exactly 0
	 * when every target is the same); soft targets take the general
	 * form, kept at 0 or above like the variances.
	 */
	if (wyy == wy)
		d->uncertainty = ybar * (1.0 - ybar);
	else
	{
		d->uncertainty = wyy / n - ybar * ybar;
		if (!(d->uncertainty > 0.0))
			d->uncertainty = 0.0;
	}
	d->within_bin_variance = wbv / n;
	d->within_bin_covariance = 2.0 * wbc / n;
}

/*
 * Check that a state read from text or binary input is one the
 * aggregates could have produced: known version and flags, sane sizes,
 * no NaN, non-negative weights, and sums within what the weights allow
 * (each p in its bin's range, y in [0, 1], Cauchy-Schwarz, the bin
 * weights adding up to the total, the Brier sum agreeing with the bins;
 * for a state without second moments, those and the Brier sum at 0).
 * Returns true when the state is fine, else false with what is wrong in
 * *pb (the caller's, so concurrent checks never share a buffer).
 */
bool
calib_check(const CalibState *s, int maxbins, CalibProblem *pb)
{
	double		bound;
	double		sumw = 0.0,
				sumb = 0.0,
				scale = 0.0;

	if (s->version != CALIB_VERSION)
		CALIB_FAIL(CALIB_BAD_VALUE, "unsupported calibration_state version %d",
			 (int) s->version);
	if ((s->flags & ~CALIB_F_ALL) != 0 || s->pad != 0)
		CALIB_FAIL(CALIB_BAD_VALUE, "unknown flags in calibration_state");
	if (s->nbins < 0 || s->nbins > maxbins)
		CALIB_FAIL(CALIB_BAD_VALUE, "nbins %d is out of range (0 to %d)",
			 (int) s->nbins, maxbins);
	if (s->nclasses != 0 && s->nclasses < 2)
		CALIB_FAIL(CALIB_BAD_VALUE, "classes %d is invalid (0, or at least 2)",
			 (int) s->nclasses);
	if (isnan(s->w) || isnan(s->brier) || isnan(s->brier_c) ||
		isnan(s->logloss) || isnan(s->logloss_c))
		CALIB_FAIL(CALIB_BAD_VALUE, "totals must not be NaN");
	if (!(s->w >= 0.0) || !isfinite(s->w))
		CALIB_FAIL(CALIB_OUT_OF_RANGE, "total weight %g is out of range", s->w);

	if (s->flags & CALIB_F_NO_MOMENTS)
	{
		if (s->nbins == 0 || (s->flags & CALIB_F_LOGLOSS))
			CALIB_FAIL(CALIB_BAD_VALUE,
				 "a state without second moments must have bins and no log loss");
		if (s->brier != 0.0 || s->brier_c != 0.0)
			CALIB_FAIL(CALIB_BAD_VALUE, "untracked brier sum must be 0");
	}

	bound = (s->nclasses > 0 && s->nbins == 0) ? s->nclasses : 1.0;
	if (!(s->brier >= 0.0) || !isfinite(s->brier) ||
		!calib_le_tol(s->brier, bound * s->w))
		CALIB_FAIL(CALIB_OUT_OF_RANGE,
			 "brier sum %g is out of range for total weight %g",
			 s->brier, s->w);
	if (!isfinite(s->brier_c) || fabs(s->brier_c) > CALIB_TOL * s->brier)
		CALIB_FAIL(CALIB_OUT_OF_RANGE, "brier_comp %g is out of range",
			 s->brier_c);
	if (s->flags & CALIB_F_LOGLOSS)
	{
		if (!(s->logloss >= 0.0))
			CALIB_FAIL(CALIB_OUT_OF_RANGE, "logloss sum %g is out of range",
				 s->logloss);
		if (!isfinite(s->logloss_c) ||
			(isfinite(s->logloss) &&
			 fabs(s->logloss_c) > CALIB_TOL * s->logloss))
			CALIB_FAIL(CALIB_OUT_OF_RANGE, "logloss_comp %g is out of range",
				 s->logloss_c);
		if (s->w == 0.0 && s->logloss != 0.0)
			CALIB_FAIL(CALIB_BAD_VALUE, "logloss sum must be 0 when the total weight is 0");
	}
	else if (s->logloss != 0.0 || s->logloss_c != 0.0)
		CALIB_FAIL(CALIB_BAD_VALUE, "untracked logloss must be 0");

	for (int b = 0; b < s->nbins; b++)
	{
		const CalibBin *bin = &s->bins[b];
		double		lo = calib_edge(b, s->nbins);
		double		hi = calib_edge(b + 1, s->nbins);
		const double *f = (const double *) bin;

		for (int i = 0; i < CALIB_BIN_FIELDS; i++)
			if (!isfinite(f[i]))
				CALIB_FAIL(CALIB_BAD_VALUE, "bin %d holds a non-finite sum", b + 1);
		if (!(bin->w >= 0.0))
			CALIB_FAIL(CALIB_OUT_OF_RANGE, "bin %d has negative weight %g",
				 b + 1, bin->w);
		if (bin->w == 0.0)
		{
			for (int i = 1; i < CALIB_BIN_FIELDS; i++)
				if (f[i] != 0.0)
					CALIB_FAIL(CALIB_OUT_OF_RANGE,
						 "bin %d has weight 0 but non-zero sums", b + 1);
			continue;
		}
		if (!calib_le_tol(lo * bin->w, bin->wp) || !calib_le_tol(bin->wp, hi * bin->w))
			CALIB_FAIL(CALIB_OUT_OF_RANGE,
				 "bin %d: sum of p %g is outside what weight %g allows in (%g, %g]",
				 b + 1, bin->wp, bin->w, lo, hi);
		if (!(bin->wy >= 0.0) || !calib_le_tol(bin->wy, bin->w))
			CALIB_FAIL(CALIB_OUT_OF_RANGE,
				 "bin %d: sum of y %g is outside [0, weight %g]",
				 b + 1, bin->wy, bin->w);
		sumw += bin->w;
		if (s->flags & CALIB_F_NO_MOMENTS)
		{
			if (bin->wpp != 0.0 || bin->wpy != 0.0 || bin->wyy != 0.0)
				CALIB_FAIL(CALIB_BAD_VALUE,
					 "bin %d: untracked second moments must be 0", b + 1);
			continue;
		}
		if (!(bin->wpp >= 0.0) || !calib_le_tol(bin->wpp, bin->wp) ||
			!calib_le_tol(bin->wp * bin->wp, bin->w * bin->wpp))
			CALIB_FAIL(CALIB_OUT_OF_RANGE,
				 "bin %d: sum of p^2 %g is inconsistent with the sum of p",
				 b + 1, bin->wpp);
		if (!(bin->wyy >= 0.0) || !calib_le_tol(bin->wyy, bin->wy) ||
			!calib_le_tol(bin->wy * bin->wy, bin->w * bin->wyy))
			CALIB_FAIL(CALIB_OUT_OF_RANGE,
				 "bin %d: sum of y^2 %g is inconsistent with the sum of y",
				 b + 1, bin->wyy);
		if (!(bin->wpy >= 0.0) || !calib_le_tol(bin->wpy, bin->wp) ||
			!calib_le_tol(bin->wpy, bin->wy))
			CALIB_FAIL(CALIB_OUT_OF_RANGE,
				 "bin %d: sum of p*y %g is inconsistent with the sums of p and y",
				 b + 1, bin->wpy);
		sumb += bin->wpp - 2.0 * bin->wpy + bin->wyy;
		scale += bin->wpp + 2.0 * bin->wpy + bin->wyy;
	}
	if (s->nbins > 0)
	{
		if (fabs(sumw - s->w) > CALIB_TOL * s->w)
			CALIB_FAIL(CALIB_BAD_VALUE,
				 "bin weights add up to %g, not the total weight %g",
				 sumw, s->w);
		if (!(s->flags & CALIB_F_NO_MOMENTS) &&
			fabs(sumb - s->brier) > CALIB_TOL * scale + 1e-300)
			CALIB_FAIL(CALIB_BAD_VALUE,
				 "brier sum %g disagrees with the bins (%g)", s->brier, sumb);
	}
	else if (s->w == 0.0 && s->brier != 0.0)
		CALIB_FAIL(CALIB_BAD_VALUE, "brier sum must be 0 when the total weight is 0");
	return true;
}
