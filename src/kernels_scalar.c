/*-------------------------------------------------------------------------
 *
 * kernels_scalar.c
 *	  The scalar reference kernels, their table, the constants the SIMD
 *	  twins share (pc_erfcx_cheb), and the cross-checks of a SIMD result
 *	  against the scalar one that the SIMD kernels call in assert-enabled
 *	  builds.
 *
 * Plain C, no PostgreSQL headers (see kernels.h).  The scalar kernels are
 * the reference every SIMD twin is tested against; they are written so
 * the compiler may vectorise what it can at the baseline ISA without
 * changing results (no reassociation of sums: no fast-math).
 *
 *-------------------------------------------------------------------------
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "kernels.h"

/* ---------- scalar reference kernels ---------- */

static bool
scalar_prob_sumsq(const double *x, int n, double *sumsq)
{
	double		s = 0.0;
	bool		ok = true;

	for (int i = 0; i < n; i++)
	{
		double		v = x[i];

		/* NaN fails both comparisons */
		ok &= (v >= 0.0) & (v <= 1.0);
		s += v * v;
	}
	*sumsq = s;
	return ok;
}

static bool
scalar_prob_argmax(const double *x, int n, int *idx, double *max)
{
	bool		ok = true;
	int			best = 0;
	double		m = n > 0 ? x[0] : 0.0;

	for (int i = 0; i < n; i++)
	{
		double		v = x[i];

		ok &= (v >= 0.0) & (v <= 1.0);
		/* strict: ties keep the lowest index */
		if (v > m)
		{
			m = v;
			best = i;
		}
	}
	*idx = best;
	*max = m;
	return ok;
}

static void
scalar_add(double *restrict dst, const double *restrict src, int n)
{
	for (int i = 0; i < n; i++)
		dst[i] += src[i];
}

static void
scalar_exp(const double *x, double *y, int n)
{
	for (int i = 0; i < n; i++)
		y[i] = exp(x[i]);
}

/*
 * Binary Bradley-Terry pairs.  With e = exp(-|d|) in (0, 1]:
 * p = 1 / (1 + e) and log p = -log1p(e), log(1 - p) = -d - log1p(e) when
 * d >= 0; p = e / (1 + e), log p = d - log1p(e), log(1 - p) = -log1p(e)
 * otherwise.
 */
static double
scalar_pairs_binary(int64_t m, const int32_t *i, const int32_t *j,
					const double *a, const double *b,
					const double *s, double offset,
					double *g, double *h, double *prob)
{
	double		ll = 0.0;

	for (int64_t k = 0; k < m; k++)
	{
		double		d = (s[i[k]] - s[j[k]]) + offset;
		double		e = exp(-fabs(d));
		double		l1 = log1p(e);
		double		nk = a[k] + b[k];
		double		p,
					logp,
					logq;

		if (d >= 0)
		{
			p = 1.0 / (1.0 + e);
			logp = -l1;
			logq = -d - l1;
		}
		else
		{
			p = e / (1.0 + e);
			logp = d - l1;
			logq = -l1;
		}
		ll += a[k] * logp + b[k] * logq;
		g[k] = a[k] - nk * p;
		h[k] = nk * p * (1.0 - p);
		if (prob)
			prob[k] = p;
	}
	return ll;
}

/*
 * Monotone envelopes of the standard normal's second and third
 * derivatives: sup over |v| >= z of |v^2 - 1| phi(v) and of |v^3 - 3v|
 * phi(v).  The first has its maxima at v = 0 (0.39894) and v = sqrt 3
 * (0.17851), the second at v^2 = 3 -+ sqrt 6 (0.55069 at 0.74196,
 * 0.14964 at 2.33441); beyond the last maximum each falls.  The constants
 * are rounded up.  (The SIMD twins use the same thresholds and constants.)
 */
static inline double
env2(double z)
{
	if (z < PC_ENV_T1)
		return PC_ENV2_C0;
	if (z < PC_ENV_SQRT3)
		return PC_ENV2_C1;
	return (z * z - 1.0) * exp(-0.5 * z * z) * PC_INV_SQRT_2PI;
}

static inline double
env3(double z)
{
	if (z < PC_ENV_SQRT3)
		return PC_ENV3_C0;
	if (z < PC_ENV_T3)
		return PC_ENV3_C1;
	return (z * z - 3.0) * z * exp(-0.5 * z * z) * PC_INV_SQRT_2PI;
}

#if defined(__GNUC__) || defined(__clang__)
#define PC_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define PC_ALWAYS_INLINE inline
#endif

/*
 * The scalar node sums; with mag not NULL also the scale of
 * pc_check_smooth's tolerance for each output (kernels.h): the sum of its
 * terms' magnitudes, with |q| taken at its bound 1/2.  mag is a constant
 * NULL in scalar_smooth_node, so that work vanishes there.
 */
static PC_ALWAYS_INLINE void
smooth_sums(const double *c, const double *r, const double *d, int n,
			double t, double inv, double out[3], double *mag)
{
	double		h = 0.0,
				psi = 0.0,
				m2 = 0.0;

	for (int k = 0; k < n; k++)
	{
		double		u = (t - c[k]) * inv;
		double		e = exp(-0.5 * u * u) * PC_INV_SQRT_2PI * inv;
		double		q = 0.5 * erfc(fabs(u) * M_SQRT1_2);
		double		z = fabs(u) - 1.0 / PC_SMOOTH_CELLS_PER_SIGMA;
		double		mterm;

		if (u >= 0.0)
			q = -q;
		h += r[k] * e + d[k] * u * inv * e;
		psi += r[k] * q - d[k] * e;
		if (z < 0.0)
			z = 0.0;
		mterm = (fabs(r[k]) * env2(z) + fabs(d[k]) * inv * env3(z)) * inv;
		m2 += mterm;
		if (mag)
		{
			mag[0] += fabs(r[k] * e) + fabs(d[k] * u * inv * e);
			/* the bound 1/2 of |q|: the SIMD q differs from libm's by up
			 * to (16 + u^2) eps relative, beyond (32 + n) eps of |r q| */
			mag[1] += 0.5 * fabs(r[k]) + fabs(d[k] * e);
			mag[2] += mterm;
		}
	}
	out[0] = h;
	out[1] = psi;
	out[2] = m2;
}

static void
scalar_smooth_node(const double *c, const double *r, const double *d, int n,
				   double t, double inv, double out[3])
{
	smooth_sums(c, r, d, n, t, inv, out, NULL);
}

/*
 * Generated by test/ref/kernels/make_erfcx_cheb.py (K = 3, XMAX = 7.1,
 * degree 20; largest relative error of the series evaluated in doubles
 * 1.5e-15 on [0, 7.1], 7.1e-16 on [0, 3]).
 */
const double pc_erfcx_cheb[PC_ERFCX_TERMS] = {
	0x1.ab4a0ccee8e5fp-2,
	-0x1.becf0044b002ap-2,
	0x1.e5d37c706f5f8p-4,
	-0x1.89788aebb389cp-6,
	0x1.c59efaec57431p-9,
	-0x1.3c4dce560496bp-12,
	0x1.d88ff323be7aep-19,
	0x1.5096c7813d347p-19,
	-0x1.7d15669bdfefap-23,
	-0x1.7bc4812ff5fbfp-26,
	0x1.6e290cda7822bp-29,
	0x1.333f4f4bd002fp-32,
	-0x1.388ed5a37cb38p-35,
	-0x1.585978a4b732ep-38,
	0x1.c45eda7e28b1dp-42,
	0x1.b47f238f5bc38p-44,
	-0x1.02f7ff81af47dp-49,
	-0x1.05a760cbbc5f7p-49,
	-0x1.af2a38596b7dap-54,
	0x1.edd3da1ad5a8dp-56,
	0x1.2cc2012b5356cp-58,
};

/* four dot products in index order (kernels.h) */
static void
scalar_dot4(const double *x, const double *y0, const double *y1,
			const double *y2, const double *y3, int n, double out[4])
{
	double		s0 = 0.0,
				s1 = 0.0,
				s2 = 0.0,
				s3 = 0.0;

	for (int k = 0; k < n; k++)
	{
		double		xk = x[k];

		s0 += xk * y0[k];
		s1 += xk * y1[k];
		s2 += xk * y2[k];
		s3 += xk * y3[k];
	}
	out[0] = s0;
	out[1] = s1;
	out[2] = s2;
	out[3] = s3;
}

/* the replicate loop (kernels.h): fma() rounds once, as the SIMD twins */
static void
scalar_rep_add(double *restrict acc, const double *restrict k, int n,
			   const double *restrict v)
{
	for (int b = 0; b < n; b++)
	{
		double	   *a = acc + (size_t) b * PC_REP_REC;
		double		kb = k[b];

		for (int f = 0; f < PC_REP_REC; f++)
			a[f] = fma(kb, v[f], a[f]);
	}
}

/*
 * ceil(2^53 F(j)) for the Poisson(1) distribution function F, j = 0 .. 16
 * (F(17) rounds to 1).  Computed with 80 decimal digits by
 * test/ref/bootstrap/bootstrap_ref.py, which checks this table.
 */
const uint64_t pc_poisson1_t[PC_POISSON1_NT] = {
	UINT64_C(3313563428353948), UINT64_C(6627126856707896),
	UINT64_C(8283908570884870), UINT64_C(8836169142277195),
	UINT64_C(8974234285125276), UINT64_C(9001847313694892),
	UINT64_C(9006449485123162), UINT64_C(9007106938184343),
	UINT64_C(9007189119816991), UINT64_C(9007198251109507),
	UINT64_C(9007199164238759), UINT64_C(9007199247250509),
	UINT64_C(9007199254168155), UINT64_C(9007199254700281),
	UINT64_C(9007199254738290), UINT64_C(9007199254740824),
	UINT64_C(9007199254740983),
};

static void
scalar_poisson1(uint64_t kh, int n, double *k)
{
	for (int b = 0; b < n; b++)
		k[b] = (double) pc_poisson1_at(kh, b);
}

const PcKernels pc_kernels_scalar = {
	"scalar",
	scalar_prob_sumsq,
	scalar_prob_argmax,
	scalar_add,
	scalar_exp,
	scalar_pairs_binary,
	scalar_smooth_node,
	scalar_dot4,
	scalar_rep_add,
	scalar_poisson1,
};

/* ---------- cross-checks for assert-enabled builds ---------- */

#ifdef USE_ASSERT_CHECKING

/*
 * A SIMD sum of squares agrees with the scalar one when the validity
 * verdict is the same and, for valid input, the sums differ by no more
 * than two reorderings of n nonnegative terms can make them differ:
 * each is within (n - 1) * u * S of the exact sum S (u = DBL_EPSILON / 2),
 * plus an absolute allowance for products that fall into the denormals.
 */
bool
pc_check_sumsq(const double *x, int n, bool ok, double sumsq)
{
	double		ref;
	bool		ref_ok = scalar_prob_sumsq(x, n, &ref);

	if (ok != ref_ok)
		return false;
	if (!ok)
		return true;
	return fabs(sumsq - ref) <= (n + 1) * DBL_EPSILON * ref + n * DBL_MIN;
}

/* argmax and the maximum must be identical, bit for bit */
bool
pc_check_argmax(const double *x, int n, bool ok, int idx, double max)
{
	int			ref_idx;
	double		ref_max;
	bool		ref_ok = scalar_prob_argmax(x, n, &ref_idx, &ref_max);

	if (ok != ref_ok)
		return false;
	if (!ok)
		return true;
	return idx == ref_idx && memcmp(&max, &ref_max, sizeof(double)) == 0;
}

/* within PC_EXP_TOL_EPS relative error of libm, same specials */
bool
pc_check_exp(const double *x, const double *y, int n)
{
	for (int i = 0; i < n; i++)
	{
		double		r = exp(x[i]);

		if (isnan(r) != isnan(y[i]))
			return false;
		if (isnan(r))
			continue;
		if (isinf(r) || r == 0.0 || r < DBL_MIN)
		{
			/* near the ends allow a denormal's worth of slack */
			if (!(r == y[i] || fabs(r - y[i]) <= 4 * DBL_MIN * DBL_EPSILON))
				return false;
			continue;
		}
		if (fabs(y[i] - r) > PC_EXP_TOL_EPS * DBL_EPSILON * r)
			return false;
	}
	return true;
}

/*
 * pairs_binary within PC_PAIRS_TOL_EPS of the scalar twin (see kernels.h),
 * checked on the first pairs only (the scratch arrays are on the stack).
 */
bool
pc_check_pairs(int64_t m, const int32_t *i, const int32_t *j,
			   const double *a, const double *b,
			   const double *s, double offset,
			   const double *g, const double *h,
			   const double *prob, double ll)
{
	double		rg[64],
				rh[64],
				rp[64];
	double		rll,
				scale = 0.0;
	double		tol = PC_PAIRS_TOL_EPS * DBL_EPSILON;
	int			mc = m < 64 ? (int) m : 64;

	rll = scalar_pairs_binary(mc, i, j, a, b, s, offset, rg, rh, rp);
	for (int k = 0; k < mc; k++)
	{
		double		nk = a[k] + b[k];

		if (isnan(rp[k]))
		{
			if (!isnan(g[k]) || !isnan(h[k]) || (prob && !isnan(prob[k])))
				return false;
			continue;
		}
		if (!(fabs(g[k] - rg[k]) <= tol * (fabs(a[k]) + fabs(nk))) ||
			!(fabs(h[k] - rh[k]) <= tol * fabs(nk)) ||
			(prob && !(fabs(prob[k] - rp[k]) <= tol)))
			return false;
	}
	/* the log-likelihood only when every pair was checked */
	if (mc < m)
		return true;
	if (isnan(rll) || isinf(rll))
		return isnan(rll) ? isnan(ll) : ll == rll;
	for (int k = 0; k < mc; k++)
	{
		double		d = (s[i[k]] - s[j[k]]) + offset;

		/* |log p| + |log(1 - p)| <= |d| + 2 log 2 */
		scale += (fabs(a[k]) + fabs(b[k])) * (fabs(d) + 1.4) + 1.0;
	}
	return fabs(ll - rll) <= tol * scale;
}

/* got agrees with ref: both NaN, or within bound of each other */
static bool
pc_agree(double got, double ref, double bound)
{
	if (isnan(ref) || isnan(got))
		return isnan(ref) && isnan(got);
	return fabs(got - ref) <= bound;
}

/*
 * smooth_node within (PC_SMOOTH_TOL_EPS + n) DBL_EPSILON of the scalar
 * twin, on the scale smooth_sums gives for each output (kernels.h).
 */
bool
pc_check_smooth(const double *c, const double *r, const double *d, int n,
				double t, double inv, const double out[3])
{
	double		ref[3],
				scale[3] = {0.0, 0.0, 0.0};
	double		tol = (PC_SMOOTH_TOL_EPS + n) * DBL_EPSILON;

	smooth_sums(c, r, d, n, t, inv, ref, scale);
	for (int j = 0; j < 3; j++)
		if (!pc_agree(out[j], ref[j], tol * scale[j]))
			return false;
	return true;
}

/*
 * dot4 within PC_DOT_TOL_EPS (n + 1) DBL_EPSILON of the scalar twin on the
 * scale sum_k |x[k] yq[k]| (kernels.h), plus n denormal steps for products
 * that fall below DBL_MIN; NaN where the scalar twin gives NaN (unless the
 * scale overflows, where the orders may differ in any way).
 */
bool
pc_check_dot4(const double *x, const double *y0, const double *y1,
			  const double *y2, const double *y3, int n, const double out[4])
{
	const double *ys[4] = {y0, y1, y2, y3};
	double		ref[4];

	scalar_dot4(x, y0, y1, y2, y3, n, ref);
	for (int q = 0; q < 4; q++)
	{
		double		scale = 0.0;

		for (int k = 0; k < n; k++)
			scale += fabs(x[k] * ys[q][k]);
		if (isinf(scale))
			continue;
		if (!pc_agree(out[q], ref[q],
					  PC_DOT_TOL_EPS * (n + 1) * DBL_EPSILON * scale +
					  n * 0x1p-1074))
			return false;
	}
	return true;
}

#endif							/* USE_ASSERT_CHECKING */

