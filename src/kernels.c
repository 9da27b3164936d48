/*-------------------------------------------------------------------------
 *
 * kernels.c
 *	  Scalar reference kernels and the table lookup by SIMD level.
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

const PcKernels pc_kernels_scalar = {
	"scalar",
	scalar_prob_sumsq,
	scalar_prob_argmax,
	scalar_add,
	scalar_exp,
	scalar_pairs_binary,
};

const PcKernels *pc_kern = &pc_kernels_scalar;

/* ---------- level selection ---------- */

PcSimdLevel
pc_best_simd_level(void)
{
#if defined(__x86_64__)
	return pc_x86_best_level();
#elif defined(__aarch64__)
	return pc_kernels_neon() ? PC_SIMD_NEON : PC_SIMD_SCALAR;
#else
	return PC_SIMD_SCALAR;
#endif
}

const PcKernels *
pc_kernels_for_level(PcSimdLevel level)
{
	if (level == PC_SIMD_SCALAR)
		return &pc_kernels_scalar;
	if (level == PC_SIMD_AUTO)
		return pc_kernels_for_level(pc_best_simd_level());
#if defined(__x86_64__)
	if (level == PC_SIMD_AVX2 || level == PC_SIMD_AVX512)
		return pc_kernels_x86(level);
#endif
#if defined(__aarch64__)
	if (level == PC_SIMD_NEON)
		return pc_kernels_neon();
#endif
	return NULL;
}

const char *
pc_simd_level_name(PcSimdLevel level)
{
	switch (level)
	{
		case PC_SIMD_AUTO:
			return "auto";
		case PC_SIMD_SCALAR:
			return "scalar";
		case PC_SIMD_AVX2:
			return "avx2";
		case PC_SIMD_AVX512:
			return "avx512";
		case PC_SIMD_NEON:
			return "neon";
	}
	return "unknown";
}

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

#endif							/* USE_ASSERT_CHECKING */
