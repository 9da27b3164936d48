/*-------------------------------------------------------------------------
 *
 * calib_smooth.c
 *	  Smooth ECE (Blasiok and Nakkiran, "Smooth ECE: Principled
 *	  Reliability Diagrams via Kernel Smoothing", 2023) from the per-bin
 *	  sums of a calibration state.  Pure maths: no fmgr, no palloc; the
 *	  caller gives the buffers and an interrupt callback.
 *
 * Definition.  With residuals r_i = y_i - p_i, weights w_i, W = sum w_i
 * and the Gaussian kernel of bandwidth sigma reflected at 0 and 1,
 *
 *	K(t, x) = sum_k phi(t - x - 2k) + phi(t + x - 2k)	  (phi = N(0, sigma^2))
 *
 * (the heat kernel of [0, 1] with reflecting ends: its mass over t in
 * [0, 1] is 1 for every x),
 *
 *	smECE_sigma = integral_0^1 | (1/W) sum_i w_i r_i K(t, p_i) | dt
 *
 * and smECE is the value at the fixed point sigma* = smECE_sigma*.
 * smECE_sigma does not increase with sigma (the kernels form a semigroup
 * in sigma^2 and each is an L1 contraction), so F(sigma) = smECE_sigma -
 * sigma falls with slope <= -1 and has one root.
 *
 * What a state knows.  A bin holds sum w, w p, w y, w p^2, w p y, w y^2 of
 * its rows, not the rows.  Expanding each row's kernel about the bin's
 * mean x = wp / w,
 *
 *	K(t, p) = K(t, x) + (p - x) dK/dx(t, x) + remainder,
 *
 * the bin's rows contribute exactly R K(t, x) + C dK/dx(t, x) + the sum of
 * the remainders, with R = sum w r = wy - wp and C = sum w r (p - x) =
 * wpy - wpp - x R: both known.  prefcal evaluates the first two terms
 * (a point charge and a dipole per bin) and bounds the rest.  By Taylor,
 * integral_0^1 |remainder| dt <= (p - x)^2 / 2 * A2, A2 = integral over R
 * of |phi''| = 4 phi_1(1) / sigma^2 (the reflected images of [0, 1] tile
 * the line, so the reflected kernel's derivatives have no more L1 mass
 * than phi's).  Alternatively, without the expansion, each row's error
 * is at most |p - x| (A1 + A1), A1 = integral |phi'| = sqrt(2/pi)/sigma.
 * Since | integral |f| - integral |g| | <= integral |f - g|,
 *
 *	|smECE_sigma(state) - smECE_sigma(rows)|
 *		<= (1/W) sum_b min(A2/2 U2_b, 2 A1 U1_b)
 *
 * with U1_b >= sum w |r| |p - x| and U2_b >= sum w |r| (p - x)^2 taken
 * from what the bin knows: V = sum w (p - x)^2 = wpp - x wp, S = sum w
 * r^2 = wyy - 2 wpy + wpp, rho = max |r| possible in the bin, D = max
 * |p - x| possible in the bin (bin edges):
 *
 *	U1 = min(sqrt(S V), rho sqrt(w V)),  U2 = min(rho V, D U1).
 *
 * A bin whose rows share one p has V = 0 and contributes nothing.
 *
 * The fixed point.  If |f - g| <= eps(sigma) for the rows' f and the
 * state's g, and sigma_g is g's fixed point, then since f(sigma) - sigma
 * has slope <= -1, |sigma_f - sigma_g| <= |f(sigma_g) - sigma_g| <=
 * eps(sigma_g): the bound at the state's own fixed point bounds the error
 * of smECE itself.
 *
 * Numerics.  The reflected kernel is unfolded into images on the real
 * line (each bin gives point and dipole charges at s x + 2k, s = +-1);
 * terms further than 10 sigma from t are dropped (each below 1e-22 of its
 * charge).  The integral of |h| is a sum over cells of width sigma/4 of
 * exact cell integrals (erfc), split at the sign changes of h; a cell
 * with no sign change at its ends is certified root-free when
 * min(|h(a)|, |h(b)|) > (b - a)^2 M2 / 8, M2 a bound on |h''| there, and
 * split otherwise, until (b - a)^3 M2 / 4 (the most such a cell can be
 * wrong by) falls below 1e-16; those terms are added up and reported.
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <math.h>

#include "calib_smooth.h"
#include "kernels.h"

#define SQRT_2_PI		0.79788456080286535588	/* sqrt(2 / pi) */
#define FOUR_PHI1		0.96788289492749900000	/* 4 phi(1) = E|Z^2 - 1| */
#define SMECE_CUT		PC_SMOOTH_UMAX	/* kernel support, in sigmas (10) */
#define CELLS_PER_SIGMA PC_SMOOTH_CELLS_PER_SIGMA	/* the kernel's z uses it */
#define TERM_TOL		1e-16
#define MAX_DEPTH		60

/*
 * The charges of each non-empty bin and its share of the bound, divided
 * by the total weight.  Returns the number of bins written (in order of
 * x, as the bins are).  The caller has checked that s->w > 0.
 */
int
smece_bins(const CalibState *s, SmeceBin *out)
{
	int			n = 0;
	double		W = s->w;

	for (int b = 0; b < s->nbins; b++)
	{
		const CalibBin *bin = &s->bins[b];
		double		lo = calib_edge(b, s->nbins),
					hi = calib_edge(b + 1, s->nbins);
		double		x,
					bw,
					bwp,
					bwy,
					bwpp,
					bwpy,
					bwyy,
					R,
					C,
					V,
					S,
					rho,
					D,
					u1;

		if (!(bin->w > 0.0))
			continue;
		x = bin->wp / bin->w;
		if (x < lo)
			x = lo;
		if (x > hi)
			x = hi;

		/*
		 * Every sum as a share of the total weight (at most 1), so that
		 * the products below neither overflow nor underflow whatever the
		 * weights' scale (with weights near 1e-170, S * V underflowed and
		 * the bound came out 0).
		 */
		bw = bin->w / W;
		bwp = bin->wp / W;
		bwy = bin->wy / W;
		bwpp = bin->wpp / W;
		bwpy = bin->wpy / W;
		bwyy = bin->wyy / W;
		R = bwy - bwp;
		C = (bwpy - bwpp) - x * R;
		/* the within-bin sums, with an allowance for their cancellation */
		V = bwpp - x * bwp;
		V = (V > 0.0 ? V : 0.0) + 4.0 * DBL_EPSILON * bwpp;
		S = bwyy - 2.0 * bwpy + bwpp;
		S = (S > 0.0 ? S : 0.0) +
			4.0 * DBL_EPSILON * (bwyy + 2.0 * bwpy + bwpp);
		rho = hi > 1.0 - lo ? hi : 1.0 - lo;
		D = (x - lo) > (hi - x) ? (x - lo) : (hi - x);
		u1 = fmin(sqrt(S * V), rho * sqrt(bw * V));
		out[n].x = x;
		out[n].r = R;
		out[n].c = C;
		out[n].u1 = u1;
		out[n].u2 = fmin(rho * V, D * u1);
		n++;
	}
	return n;
}

/* the bound on |smECE_sigma(state) - smECE_sigma(rows)| */
double
smece_bound(const SmeceBin *bins, int nbins, double sigma)
{
	double		a1 = SQRT_2_PI / sigma;
	double		a2 = FOUR_PHI1 / (sigma * sigma);
	double		acc = 0.0;

	for (int i = 0; i < nbins; i++)
		acc += fmin(0.5 * a2 * bins[i].u2, 2.0 * a1 * bins[i].u1);
	return acc;
}

/* images a work buffer must hold for nbins bins at bandwidth sigma */
size_t
smece_images_capacity(int nbins, double sigma)
{
	return (size_t) nbins * 2 * ((size_t) (SMECE_CUT * sigma) + 4);
}

/* ---------- smECE at one bandwidth ---------- */

typedef struct Ctx
{
	const double *c;			/* the images' centres, ascending */
	const double *r;			/* their monopoles */
	const double *d;			/* their dipoles */
	int			n;
	double		sigma;
	double		cut;			/* SMECE_CUT * sigma */
	double		qerr;			/* sum of the terminal cells' error bounds */
} Ctx;

typedef struct Node
{
	double		t;
	double		h;				/* the smoothed residual at t */
	double		psi;			/* windowed antiderivative (see eval_node) */
	double		m2;				/* bound on |h''| within sigma/4 of t */
	int			le;				/* number of images with centre <= t */
} Node;

/* first index i with c[i] > v (or >= v when ge) */
static int
search(const double *c, int n, double v, bool ge)
{
	int			lo = 0,
				hi = n;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (ge ? c[mid] >= v : c[mid] > v)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/*
 * h(t) = sum_c r_c phi(t - c) - d_c phi'(t - c) over the images within
 * the cut, and its antiderivative written so that no term cancels: with
 * q(u) = Phi(u) for u < 0 and Phi(u) - 1 for u >= 0 (both tails, from
 * erfc), psi(t) = sum_c r_c q((t - c) / sigma) - d_c phi(t - c), and
 * the integral of h over [a, b] is psi(b) - psi(a) plus the r_c of the
 * images with a < c <= b.
 */
static void
eval_node(const Ctx *cx, double t, Node *nd)
{
	int			lo = search(cx->c, cx->n, t - cx->cut, false);
	int			hi = search(cx->c, cx->n, t + cx->cut, true);
	double		inv = 1.0 / cx->sigma;
	double		sums[3];

	/* the sums over the images within the cut: a kernel (kernels.h) */
	pc_kern->smooth_node(cx->c + lo, cx->r + lo, cx->d + lo, hi - lo, t, inv,
						 sums);
	nd->t = t;
	nd->h = sums[0];
	nd->psi = sums[1];
	/* |phi_sigma''| = env2 / sigma^3, |phi_sigma'''| = env3 / sigma^4 */
	nd->m2 = sums[2] * inv * inv;
	nd->le = search(cx->c, cx->n, t, false);
}

/* the integral of h over [a.t, b.t] */
static double
integral(const Ctx *cx, const Node *a, const Node *b)
{
	double		v = b->psi - a->psi;

	for (int i = a->le; i < b->le; i++)
		v += cx->r[i];
	return v;
}

/* integral of |h| over one cell (see the header comment) */
static double
cell(Ctx *cx, const Node *a, const Node *b, int depth)
{
	double		w = b->t - a->t;
	double		m2 = fmin(a->m2, b->m2);	/* each holds on the whole cell */
	double		dip = w * w * m2 / 8.0; /* how far h can dip below the chord */
	bool		change = (a->h > 0.0 && b->h < 0.0) || (a->h < 0.0 && b->h > 0.0);
	Node		mid;

	if (!change && fmin(fabs(a->h), fabs(b->h)) > dip)
		return fabs(integral(cx, a, b));
	if (2.0 * w * dip <= TERM_TOL || depth >= MAX_DEPTH ||
		w <= 1e-13 * cx->sigma)
	{
		cx->qerr += 2.0 * w * dip;
		if (change)
		{
			/* split at the chord's root */
			eval_node(cx, a->t + w * (a->h / (a->h - b->h)), &mid);
			return fabs(integral(cx, a, &mid)) + fabs(integral(cx, &mid, b));
		}
		return fabs(integral(cx, a, b));
	}
	eval_node(cx, a->t + 0.5 * w, &mid);
	return cell(cx, a, &mid, depth + 1) + cell(cx, &mid, b, depth + 1);
}

/*
 * smECE_sigma of the bins' charges.  work must hold
 * smece_images_capacity(nbins, sigma) images; it is used as three arrays
 * of that many doubles (centres, monopoles, dipoles), which the node sums'
 * kernel reads with vector loads.  *quad_err receives the bound on the
 * quadrature error (rounding aside).
 */
double
smece_at(const SmeceBin *bins, int nbins, double sigma, SmeceImage *work,
		 double *quad_err, void (*interrupt) (void))
{
	double		cut = SMECE_CUT * sigma;
	int			kmin = (int) floor((-cut - 1.0) / 2.0),
				kmax = (int) ceil((cut + 2.0) / 2.0);
	int			n = 0;
	Ctx			cx;
	double		total = 0.0;
	int			i;

	/* the work buffer as three arrays, for the kernel's vector loads */
	size_t		cap = smece_images_capacity(nbins, sigma);
	double	   *wc = (double *) work,
			   *wr = wc + cap,
			   *wd = wr + cap;

	/*
	 * Images in increasing order of centre: for each k, the mirrored ones
	 * 2k - x (in [2k - 1, 2k], x descending) then the direct ones 2k + x
	 * (in [2k, 2k + 1], x ascending); the bins come sorted by x.
	 */
	for (int k = kmin; k <= kmax; k++)
	{
		for (int b = nbins - 1; b >= 0; b--)
		{
			double		c = 2.0 * k - bins[b].x;

			if (c > -cut && c < 1.0 + cut &&
				(bins[b].r != 0.0 || bins[b].c != 0.0))
			{
				wc[n] = c;
				wr[n] = bins[b].r;
				wd[n] = -bins[b].c;
				n++;
			}
		}
		for (int b = 0; b < nbins; b++)
		{
			double		c = 2.0 * k + bins[b].x;

			if (c > -cut && c < 1.0 + cut &&
				(bins[b].r != 0.0 || bins[b].c != 0.0))
			{
				wc[n] = c;
				wr[n] = bins[b].r;
				wd[n] = bins[b].c;
				n++;
			}
		}
	}

	cx.c = wc;
	cx.r = wr;
	cx.d = wd;
	cx.n = n;
	cx.sigma = sigma;
	cx.cut = cut;
	cx.qerr = 0.0;

	/* integrate over the union of [c - cut, c + cut] within [0, 1] */
	i = 0;
	while (i < n)
	{
		double		u0 = fmax(0.0, wc[i] - cut),
					u1 = fmin(1.0, wc[i] + cut);
		int			ncell;
		Node		prev,
					cur;

		for (i++; i < n && wc[i] - cut <= u1; i++)
			u1 = fmin(1.0, fmax(u1, wc[i] + cut));
		if (!(u1 > u0))
			continue;
		ncell = (int) ceil((u1 - u0) / (sigma / CELLS_PER_SIGMA));
		if (ncell < 1)
			ncell = 1;
		eval_node(&cx, u0, &prev);
		for (int j = 1; j <= ncell; j++)
		{
			eval_node(&cx, j == ncell ? u1 : u0 + (u1 - u0) * j / ncell, &cur);
			total += cell(&cx, &prev, &cur, 0);
			prev = cur;
			if (interrupt != NULL && (j & 63) == 0)
				interrupt();
		}
	}
	if (quad_err != NULL)
		*quad_err = cx.qerr;
	return total;
}

/* ---------- the fixed point ---------- */

/*
 * sigma* = smECE_sigma* within [SMECE_SIGMA_MIN, SMECE_SIGMA_MAX] (the
 * state's smECE_sigma is at most sum |R| / W + A1 sum |C| / W <= 1 +
 * sqrt(2/pi)/sigma = 1.4 at sigma = 2, so the root is below 2).  F(sigma)
 * = smECE_sigma - sigma is bracketed by steps of a factor 4 from 0.05,
 * then the Illinois variant of regula falsi narrows the bracket to a
 * relative width of 1e-12.  The value is the bracket's middle; the bound
 * adds eps at the bracket's low end (eps falls with sigma), half the
 * bracket and the quadrature error.
 *
 * When F(SMECE_SIGMA_MIN) <= 0 the fixed point lies in (0, 1e-6]: the
 * value reported is 1e-6 (0 when the state's charges are all zero), and
 * since the rows' sigma_f <= sigma + eps(sigma) for every sigma, the
 * bound is the larger of that value and min over sigma of sigma +
 * eps(sigma) (on a grid).
 */
void
smece_fixed_point(const SmeceBin *bins, int nbins, SmeceImage *work,
				  SmeceResult *res, void (*interrupt) (void))
{
	double		lo = 0.0,
				hi = 0.0,
				flo = 0.0,
				fhi = 0.0;
	double		s = 0.05,
				fs,
				q,
				qmax = 0.0;
	int			side = 0;

	/* bracket */
	for (;;)
	{
		fs = smece_at(bins, nbins, s, work, &q, interrupt) - s;
		qmax = fmax(qmax, q);
		if (fs > 0.0)
		{
			lo = s;
			flo = fs;
			if (hi > 0.0)
				break;
			if (s >= SMECE_SIGMA_MAX)
			{
				/* cannot happen (see above); report the end of the range */
				hi = lo;
				break;
			}
			s = fmin(4.0 * s, SMECE_SIGMA_MAX);
		}
		else
		{
			hi = s;
			fhi = fs;
			if (lo > 0.0 || fs == 0.0)
				break;
			if (s <= SMECE_SIGMA_MIN)
				break;
			s = fmax(0.25 * s, SMECE_SIGMA_MIN);
		}
	}

	if (lo == 0.0 && fhi < 0.0)
	{
		double		best = HUGE_VAL;
		bool		zero = true;

		for (int i = 0; i < nbins; i++)
			if (bins[i].r != 0.0 || bins[i].c != 0.0)
				zero = false;
		for (int k = 0; k <= 64; k++)
		{
			double		t = SMECE_SIGMA_MIN *
				pow(SMECE_SIGMA_MAX / SMECE_SIGMA_MIN, k / 64.0);

			best = fmin(best, t + smece_bound(bins, nbins, t));
		}
		res->value = res->sigma = zero ? 0.0 : SMECE_SIGMA_MIN;
		res->bound = fmax(res->value, best) + qmax;
		return;
	}
	if (lo == 0.0)
		lo = hi;				/* F(hi) == 0: hi is the fixed point */

	/* narrow */
	for (int iter = 0; iter < 100 && hi - lo > 1e-12 * hi; iter++)
	{

		s = (lo * fhi - hi * flo) / (fhi - flo);
		if (!(s > lo && s < hi))
			s = 0.5 * (lo + hi);
		fs = smece_at(bins, nbins, s, work, &q, interrupt) - s;
		qmax = fmax(qmax, q);
		if (fs > 0.0)
		{
			lo = s;
			flo = fs;
			if (side == -1)
				fhi *= 0.5;
			side = -1;
		}
		else if (fs < 0.0)
		{
			hi = s;
			fhi = fs;
			if (side == 1)
				flo *= 0.5;
			side = 1;
		}
		else
			lo = hi = s;
	}
	res->value = res->sigma = 0.5 * (lo + hi);
	res->bound = smece_bound(bins, nbins, fmax(lo - qmax, SMECE_SIGMA_MIN)) +
		0.5 * (hi - lo) + qmax;
}
