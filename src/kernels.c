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

const PcKernels pc_kernels_scalar = {
	"scalar",
	scalar_prob_sumsq,
	scalar_prob_argmax,
	scalar_add,
	scalar_exp,
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

#endif							/* USE_ASSERT_CHECKING */
