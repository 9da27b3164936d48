/*-------------------------------------------------------------------------
 *
 * pav_math.c
 *	  Pure maths of the sorted calibration state (pav.h): sorting and
 *	  merging runs of points, pool-adjacent-violators, the isotonic fit as
 *	  scikit-learn builds it, the CORP Brier decomposition, equal-mass
 *	  and debiased ECE.  No fmgr: only c.h for the sort template.
 *
 * PAV (Ayer et al. 1955; Barlow et al. 1972) fits the non-decreasing
 * step function of p that minimises the weighted squared error to y:
 * scan the points in order of p, push each as a block, and while the
 * last two blocks have decreasing means pool them.  Each point is pushed
 * once and pooled at most once, so the fit is linear in the points.
 *
 * CORP (Dimitriadis, Gneiting and Jordan 2021, PNAS 118(8)) reads the
 * PAV fit as the recalibrated forecast: with S the mean Brier score of
 * the predictions, S_rc that of the PAV fit and S_mg that of the mean
 * outcome, MCB = S - S_rc, DSC = S_mg - S_rc, UNC = S_mg, so that
 * S = MCB - DSC + UNC.  The PAV fit minimises every Bregman loss over the
 * non-decreasing functions of p at once (Robertson, Wright and Dykstra
 * 1988, theorem 1.5.1), the log loss included, so the same fit gives the
 * log-loss decomposition.
 *
 *-------------------------------------------------------------------------
 */
#include "c.h"

#include <math.h>

#include "pav.h"

#define ST_SORT pav_sort_points
#define ST_ELEMENT_TYPE PavPoint
#define ST_COMPARE(a, b) (((a)->p > (b)->p) - ((a)->p < (b)->p))
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

/* merge the runs of equal p of points sorted by p; returns the count */
static int
pav_merge_equal(PavPoint *pts, int n)
{
	int			k = 0;

	if (n <= 1)
		return n;
	for (int i = 1; i < n; i++)
	{
		if (pts[i].p == pts[k].p)
		{
			pts[k].w += pts[i].w;
			pts[k].wy += pts[i].wy;
			pts[k].wyy += pts[i].wyy;
		}
		else
			pts[++k] = pts[i];
	}
	return k + 1;
}

int
pav_sort_compact(PavPoint *pts, int n)
{
	if (n <= 1)
		return n;
	pav_sort_points(pts, n);
	return pav_merge_equal(pts, n);
}

/*
 * Sort by p and merge equal p, from src into dst (room for n), by one
 * distribution pass on the leading bits of p (nb buckets of equal width
 * on [0, 1], counts has room for nb + 1) and a sort of each bucket: on
 * spread-out predictions each bucket holds a handful of points, so a row
 * costs a scatter and a few comparisons instead of log2(n).  Returns the
 * count.
 */
int
pav_bucket_sort_compact(const PavPoint *src, int n, PavPoint *dst,
						int *counts, int nb)
{
	int			i,
				k;

	memset(counts, 0, sizeof(int) * (nb + 1));
	for (i = 0; i < n; i++)
	{
		int			b = (int) (src[i].p * nb);

		counts[Min(b, nb - 1) + 1]++;
	}
	for (i = 0; i < nb; i++)
		counts[i + 1] += counts[i];
	for (i = 0; i < n; i++)
	{
		int			b = (int) (src[i].p * nb);

		dst[counts[Min(b, nb - 1)]++] = src[i];
	}
	/* counts[b] is now the end of bucket b */
	for (i = 0, k = 0; i < nb; i++)
	{
		int			end = counts[i];

		if (end - k > 1)
			pav_sort_points(dst + k, end - k);
		k = end;
	}
	return pav_merge_equal(dst, n);
}

int
pav_grid_compact(PavPoint *pts, int n)
{
	int			i,
				k = -1;

	for (i = 0; i < n; i++)
	{
		double		g = pav_grid_round(pts[i].p);

		if (k >= 0 && pts[k].p == g)
		{
			pts[k].w += pts[i].w;
			pts[k].wy += pts[i].wy;
			pts[k].wyy += pts[i].wyy;
		}
		else
		{
			pts[++k] = pts[i];
			pts[k].p = g;
		}
	}
	return k + 1;
}

int
pav_merge_runs(const PavPoint *a, int na, const PavPoint *b, int nb,
			   PavPoint *out, bool *overflow)
{
	int			i = 0,
				j = 0,
				k = 0;

	while (i < na && j < nb)
	{
		if (a[i].p < b[j].p)
			out[k++] = a[i++];
		else if (b[j].p < a[i].p)
			out[k++] = b[j++];
		else
		{
			out[k] = a[i++];
			out[k].w += b[j].w;
			out[k].wy += b[j].wy;
			out[k].wyy += b[j].wyy;
			if (isinf(out[k].w))
				*overflow = true;
			k++;
			j++;
		}
	}
	while (i < na)
		out[k++] = a[i++];
	while (j < nb)
		out[k++] = b[j++];
	return k;
}

/*
 * PAV over n items given by their sums; the block stack is "blocks".
 * A block is pooled into its predecessor while the predecessor's mean is
 * at least its own (compared as cross products, no division).
 */
static int
pav_fit_sums(const PavPoint *pts, int n, PavBlock *blocks)
{
	int			nb = 0;

	for (int i = 0; i < n; i++)
	{
		PavBlock   *b = &blocks[nb++];

		b->first = b->last = i;
		b->w = pts[i].w;
		b->wy = pts[i].wy;
		b->wyy = pts[i].wyy;
		while (nb > 1)
		{
			PavBlock   *prev = &blocks[nb - 2];
			PavBlock   *cur = &blocks[nb - 1];

			if (prev->wy / prev->w < cur->wy / cur->w)
				break;
			prev->last = cur->last;
			prev->w += cur->w;
			prev->wy += cur->wy;
			prev->wyy += cur->wyy;
			nb--;
		}
	}
	return nb;
}

int
pav_fit(const PavPoint *pts, int n, PavBlock *blocks)
{
	return pav_fit_sums(pts, n, blocks);
}

int
pav_isotonic_knots(const PavPoint *pts, int n, PavPoint *groups,
				   PavBlock *blocks, double *xs, double *ys)
{
	int			ng = 0;
	int			nb;
	int			k = 0;

	/*
	 * scikit-learn's _make_unique: a new group starts where x minus the
	 * group's first x is at least 1e-15; the group's x is its first.
	 */
	for (int i = 0; i < n; i++)
	{
		if (ng > 0 && pts[i].p - groups[ng - 1].p < PAV_SKLEARN_EPS)
		{
			groups[ng - 1].w += pts[i].w;
			groups[ng - 1].wy += pts[i].wy;
			groups[ng - 1].wyy += pts[i].wyy;
		}
		else
			groups[ng++] = pts[i];
	}
	nb = pav_fit_sums(groups, ng, blocks);

	/* knots: each block's first and last x (once when they are equal) */
	for (int b = 0; b < nb; b++)
	{
		double		fx = groups[blocks[b].first].p;
		double		lx = groups[blocks[b].last].p;
		double		m = blocks[b].wy / blocks[b].w;

		xs[k] = fx;
		ys[k++] = m;
		if (lx != fx)
		{
			xs[k] = lx;
			ys[k++] = m;
		}
	}
	return k;
}

double
pav_interp(const double *xs, const double *ys, int n, double x)
{
	int			lo,
				hi;
	double		slope;

	if (n == 1 || x <= xs[0])
		return ys[0];
	if (x >= xs[n - 1])
		return ys[n - 1];
	/* the largest j with xs[j] <= x */
	lo = 0;
	hi = n - 1;
	while (hi - lo > 1)
	{
		int			mid = lo + (hi - lo) / 2;

		if (xs[mid] <= x)
			lo = mid;
		else
			hi = mid;
	}
	slope = (ys[lo + 1] - ys[lo]) / (xs[lo + 1] - xs[lo]);
	return slope * (x - xs[lo]) + ys[lo];
}

/*
 * The CORP decomposition under a scoring rule given as its summed score
 * over a point's rows at the point's own p (point) and over rows of
 * outcome sums (w, wy, wyy) at their mean outcome (at_mean): the score of
 * the forecasts, of the PAV fit (blocks at their means) and of the
 * overall mean, each per unit weight; MCB and DSC are their differences.
 * Rounding must not make a score negative (for the log loss, a sum of
 * non-negative terms, the clamps never act).  Inlined into each rule.
 */
static pg_attribute_always_inline void
pav_corp_with(const PavPoint *pts, int n, PavBlock *blocks, PavCorp *out,
			  double (*point) (const PavPoint *pt),
			  double (*at_mean) (double w, double wy, double wyy))
{
	double		W = 0,
				WY = 0,
				WYY = 0,
				s = 0,
				src = 0;
	int			nb;

	for (int i = 0; i < n; i++)
	{
		const PavPoint *pt = &pts[i];

		W += pt->w;
		WY += pt->wy;
		WYY += pt->wyy;
		s += point(pt);
	}
	nb = pav_fit_sums(pts, n, blocks);
	for (int b = 0; b < nb; b++)
		src += at_mean(blocks[b].w, blocks[b].wy, blocks[b].wyy);
	out->weight = W;
	out->nblocks = nb;
	out->score = s / W;
	src = src / W;
	out->unc = at_mean(W, WY, WYY) / W;
	if (out->score < 0)
		out->score = 0;
	if (src < 0)
		src = 0;
	if (out->unc < 0)
		out->unc = 0;
	out->mcb = out->score - src;
	out->dsc = out->unc - src;
}

/* sum over the point's rows of w (p - y)^2 */
static double
brier_point(const PavPoint *pt)
{
	return pt->w * pt->p * pt->p - 2.0 * pt->p * pt->wy + pt->wyy;
}

/* sum over rows of w (m - y)^2, m their mean outcome */
static double
brier_at_mean(double w, double wy, double wyy)
{
	double		m = wy / w;

	return w * m * m - 2.0 * m * wy + wyy;
}

void
pav_corp(const PavPoint *pts, int n, PavBlock *blocks, PavCorp *out)
{
	pav_corp_with(pts, n, blocks, out, brier_point, brier_at_mean);
}

/*
 * The summed log loss of outcome sums (w, wy) under a forecast: -wy log f
 * - (w - wy) log(1 - f), a zero sum contributing 0 (0 log 0 = 0).  The
 * forecast of a point is its p (log1p for 1 - p); that of a block or of
 * the whole is a ratio of sums, so f = wy / w and 1 - f = (w - wy) / w, so
 * that f = 1 never meets a positive w - wy by rounding.
 */
double
pav_logloss_sum(double w, double wy, double p)
{
	double		l = 0;

	if (wy > 0)
		l -= wy * log(p);
	if (w - wy > 0)
		l -= (w - wy) * log1p(-p);
	return l;
}

static double
logloss_at_mean(double w, double wy)
{
	double		l = 0;

	if (wy > 0)
		l -= wy * log(wy / w);
	if (w - wy > 0)
		l -= (w - wy) * log((w - wy) / w);
	return l;
}

static double
logloss_point(const PavPoint *pt)
{
	return pav_logloss_sum(pt->w, pt->wy, pt->p);
}

static double
logloss_mean(double w, double wy, double wyy)
{
	return logloss_at_mean(w, wy);
}

void
pav_corp_logloss(const PavPoint *pts, int n, PavBlock *blocks, PavCorp *out)
{
	pav_corp_with(pts, n, blocks, out, logloss_point, logloss_mean);
}

int
pav_equal_mass_bin(double cum, double w, double total, int nbins)
{
	double		b = floor((cum + 0.5 * w) / total * nbins);

	if (b < 0)
		return 0;
	if (b >= nbins)
		return nbins - 1;
	return (int) b;
}

/*
 * Walk the equal-mass bins: for each non-empty bin, its weight and its
 * sums of w p, w y, w y^2, handed to the callback-free accumulators of
 * the two measures below.
 */
typedef struct EmBin
{
	double		w,
				wp,
				wy,
				wyy;
} EmBin;

static int
em_next_bin(const PavPoint *pts, int n, int nbins, double total,
			int *i, double *cum, EmBin *bin)
{
	int			b;

	if (*i >= n)
		return -1;
	b = pav_equal_mass_bin(*cum, pts[*i].w, total, nbins);
	bin->w = bin->wp = bin->wy = bin->wyy = 0;
	while (*i < n && pav_equal_mass_bin(*cum, pts[*i].w, total, nbins) == b)
	{
		const PavPoint *pt = &pts[*i];

		bin->w += pt->w;
		bin->wp += pt->w * pt->p;
		bin->wy += pt->wy;
		bin->wyy += pt->wyy;
		*cum += pt->w;
		(*i)++;
	}
	return b;
}

static double
total_weight(const PavPoint *pts, int n)
{
	double		W = 0;

	for (int i = 0; i < n; i++)
		W += pts[i].w;
	return W;
}

double
pav_ece_equal_mass(const PavPoint *pts, int n, int nbins)
{
	double		W = total_weight(pts, n);
	double		cum = 0,
				ece = 0;
	int			i = 0;
	EmBin		bin;

	while (em_next_bin(pts, n, nbins, W, &i, &cum, &bin) >= 0)
		ece += bin.w / W * fabs(bin.wy / bin.w - bin.wp / bin.w);
	return ece;
}

double
pav_ece_debiased_sq(const PavPoint *pts, int n, int nbins)
{
	double		W = total_weight(pts, n);
	double		cum = 0,
				ece = 0;
	int			i = 0;
	EmBin		bin;

	while (em_next_bin(pts, n, nbins, W, &i, &cum, &bin) >= 0)
	{
		double		my,
					mp,
					var;

		if (!(bin.w > 1.0))
			continue;			/* fewer than two rows: no estimate, 0 */
		my = bin.wy / bin.w;
		mp = bin.wp / bin.w;
		/* unbiased estimate of the variance of the bin's mean outcome */
		var = (bin.wyy - bin.w * my * my) / (bin.w * (bin.w - 1.0));
		ece += bin.w / W * ((my - mp) * (my - mp) - var);
	}
	return ece;
}
