/*-------------------------------------------------------------------------
 *
 * kernels_neon.c
 *	  The NEON (AdvSIMD) kernel table for aarch64, where AdvSIMD is part
 *	  of the base ISA: chosen at compile time, no run-time detection.
 *
 * Plain C, no PostgreSQL headers (see kernels.h).  The algorithms are
 * those of kernels_x86.c (read the conventions there), with 2-lane
 * vectors and a scalar tail.  AArch64's FMIN/FMAX return NaN when either
 * operand is NaN, so the range test needs no separate NaN test.
 *
 * This file has been compiled for aarch64 (clang --target=aarch64) but
 * not run: the project's test machine is x86-64.  test/kernels checks it
 * against the scalar twins wherever it is built on aarch64.
 *
 *-------------------------------------------------------------------------
 */
#include "kernels.h"

#if defined(__aarch64__) && !defined(PREFCAL_NO_SIMD)

#include <arm_neon.h>

/* the constants of the vector exp; see kernels_x86.c */
#define PC_LOG2E	1.4426950408889634
#define PC_LN2_HI	0x1.62e42feep-1
#define PC_LN2_LO	0x1.a39ef35793c76p-33
#define PC_EXP_HI	710.0
#define PC_EXP_LO	(-746.0)

static const double pc_exp_coef[12] = {
	1.6059043836821613e-10,		/* 1/13! */
	2.08767569878681e-09,
	2.505210838544172e-08,
	2.755731922398589e-07,
	2.7557319223985893e-06,
	2.48015873015873e-05,
	0.0001984126984126984,
	0.001388888888888889,
	0.008333333333333333,
	0.041666666666666664,
	0.16666666666666666,
	0.5,						/* 1/2! */
};

static bool
neon_prob_sumsq(const double *x, int n, double *sumsq)
{
	float64x2_t s0 = vdupq_n_f64(0.0),
				s1 = vdupq_n_f64(0.0),
				s2 = vdupq_n_f64(0.0),
				s3 = vdupq_n_f64(0.0);
	float64x2_t mn = vdupq_n_f64(0.0),
				mx = vdupq_n_f64(0.0);
	double		s,
				lo,
				hi;
	bool		ok;
	int			i = 0;

	for (; i + 8 <= n; i += 8)
	{
		float64x2_t a = vld1q_f64(x + i);
		float64x2_t b = vld1q_f64(x + i + 2);
		float64x2_t c = vld1q_f64(x + i + 4);
		float64x2_t d = vld1q_f64(x + i + 6);

		s0 = vfmaq_f64(s0, a, a);
		s1 = vfmaq_f64(s1, b, b);
		s2 = vfmaq_f64(s2, c, c);
		s3 = vfmaq_f64(s3, d, d);
		mn = vminq_f64(mn, vminq_f64(vminq_f64(a, b), vminq_f64(c, d)));
		mx = vmaxq_f64(mx, vmaxq_f64(vmaxq_f64(a, b), vmaxq_f64(c, d)));
	}
	for (; i + 2 <= n; i += 2)
	{
		float64x2_t a = vld1q_f64(x + i);

		s0 = vfmaq_f64(s0, a, a);
		mn = vminq_f64(mn, a);
		mx = vmaxq_f64(mx, a);
	}
	s = vaddvq_f64(vaddq_f64(vaddq_f64(s0, s1), vaddq_f64(s2, s3)));
	lo = vminvq_f64(mn);
	hi = vmaxvq_f64(mx);
	if (i < n)
	{
		double		v = x[i];

		s += v * v;
		lo = v < lo || v != v ? v : lo;
		hi = v > hi || v != v ? v : hi;
	}
	/* NaN anywhere makes lo, hi and s NaN, failing the comparisons */
	ok = (s == s) && lo >= 0.0 && hi <= 1.0;
	*sumsq = s;
#ifdef USE_ASSERT_CHECKING
	PC_KCHECK(pc_check_sumsq(x, n, ok, s), "neon prob_sumsq");
#endif
	return ok;
}

static bool
neon_prob_argmax(const double *x, int n, int *idx, double *max)
{
	float64x2_t m0 = vdupq_n_f64(0.0),
				m1 = vdupq_n_f64(0.0);
	float64x2_t mn = vdupq_n_f64(0.0);
	double		m,
				lo;
	bool		ok;
	int			i = 0;
	int			best = 0;

	if (n <= 0)
	{
		*idx = 0;
		*max = 0.0;
		return true;
	}
	for (; i + 4 <= n; i += 4)
	{
		float64x2_t a = vld1q_f64(x + i);
		float64x2_t b = vld1q_f64(x + i + 2);

		m0 = vmaxq_f64(m0, a);
		m1 = vmaxq_f64(m1, b);
		mn = vminq_f64(mn, vminq_f64(a, b));
	}
	m = vmaxvq_f64(vmaxq_f64(m0, m1));
	lo = vminvq_f64(mn);
	for (; i < n; i++)
	{
		double		v = x[i];

		m = v > m || v != v ? v : m;
		lo = v < lo || v != v ? v : lo;
	}
	ok = lo >= 0.0 && m <= 1.0;
	if (ok)
	{
		float64x2_t vm = vdupq_n_f64(m);

		best = -1;
		for (i = 0; i + 2 <= n; i += 2)
		{
			uint64x2_t eq = vceqq_f64(vld1q_f64(x + i), vm);

			if (vgetq_lane_u64(eq, 0))
			{
				best = i;
				break;
			}
			if (vgetq_lane_u64(eq, 1))
			{
				best = i + 1;
				break;
			}
		}
		if (best < 0 && i < n && x[i] == m)
			best = i;
		if (best < 0)
			best = 0;			/* cannot happen */
	}
	*idx = best;
	*max = x[best];
#ifdef USE_ASSERT_CHECKING
	PC_KCHECK(pc_check_argmax(x, n, ok, *idx, *max), "neon prob_argmax");
#endif
	return ok;
}

static void
neon_add(double *restrict dst, const double *restrict src, int n)
{
	int			i = 0;

	for (; i + 8 <= n; i += 8)
	{
		vst1q_f64(dst + i, vaddq_f64(vld1q_f64(dst + i), vld1q_f64(src + i)));
		vst1q_f64(dst + i + 2, vaddq_f64(vld1q_f64(dst + i + 2),
										 vld1q_f64(src + i + 2)));
		vst1q_f64(dst + i + 4, vaddq_f64(vld1q_f64(dst + i + 4),
										 vld1q_f64(src + i + 4)));
		vst1q_f64(dst + i + 6, vaddq_f64(vld1q_f64(dst + i + 6),
										 vld1q_f64(src + i + 6)));
	}
	for (; i + 2 <= n; i += 2)
		vst1q_f64(dst + i, vaddq_f64(vld1q_f64(dst + i), vld1q_f64(src + i)));
	if (i < n)
		dst[i] += src[i];
}

/* 2^k for integral k in [-1022, 1023] held as doubles */
static inline float64x2_t
neon_pow2i(float64x2_t k)
{
	int64x2_t	e = vaddq_s64(vcvtq_s64_f64(k), vdupq_n_s64(1023));

	return vreinterpretq_f64_s64(vshlq_n_s64(e, 52));
}

static inline float64x2_t
neon_exp2(float64x2_t x)
{
	float64x2_t k,
				r,
				q,
				p,
				k1;

	/* FMIN/FMAX propagate NaN */
	x = vminq_f64(x, vdupq_n_f64(PC_EXP_HI));
	x = vmaxq_f64(x, vdupq_n_f64(PC_EXP_LO));
	k = vrndnq_f64(vmulq_f64(x, vdupq_n_f64(PC_LOG2E)));
	r = vfmsq_f64(x, k, vdupq_n_f64(PC_LN2_HI));
	r = vfmsq_f64(r, k, vdupq_n_f64(PC_LN2_LO));
	q = vdupq_n_f64(pc_exp_coef[0]);
	for (int j = 1; j < 12; j++)
		q = vfmaq_f64(vdupq_n_f64(pc_exp_coef[j]), q, r);
	p = vfmaq_f64(r, q, vmulq_f64(r, r));
	p = vaddq_f64(p, vdupq_n_f64(1.0));
	k1 = vrndmq_f64(vmulq_f64(k, vdupq_n_f64(0.5)));
	p = vmulq_f64(p, neon_pow2i(k1));
	/* a NaN k converts to 0, but p is already NaN then */
	return vmulq_f64(p, neon_pow2i(vsubq_f64(k, k1)));
}

static void
neon_exp(const double *x, double *y, int n)
{
	int			i = 0;

	for (; i + 2 <= n; i += 2)
		vst1q_f64(y + i, neon_exp2(vld1q_f64(x + i)));
	if (i < n)
	{
		float64x2_t v = neon_exp2(vdupq_n_f64(x[i]));

		y[i] = vgetq_lane_f64(v, 0);
	}
#ifdef USE_ASSERT_CHECKING
	if (x != y)
		PC_KCHECK(pc_check_exp(x, y, n < 64 ? n : 64), "neon exp");
#endif
}

/*
 * The Bradley-Terry pair kernel has no NEON twin yet: the NEON table calls
 * the scalar one.
 */
static double
neon_pairs_binary(int64_t m, const int32_t *i, const int32_t *j,
				  const double *a, const double *b,
				  const double *s, double offset,
				  double *g, double *h, double *prob)
{
	return pc_kernels_scalar.pairs_binary(m, i, j, a, b, s, offset, g, h, prob);
}

/*
 * The smooth ECE's node sums have no NEON twin yet either: the scalar
 * one.
 */
static void
neon_smooth_node(const double *c, const double *r, const double *d, int n,
				 double t, double inv, double out[3])
{
	pc_kernels_scalar.smooth_node(c, r, d, n, t, inv, out);
}

static const PcKernels pc_kernels_neon_table = {
	"neon",
	neon_prob_sumsq,
	neon_prob_argmax,
	neon_add,
	neon_exp,
	neon_pairs_binary,
	neon_smooth_node,
};

const PcKernels *
pc_kernels_neon(void)
{
	return &pc_kernels_neon_table;
}

#elif defined(__aarch64__)

const PcKernels *
pc_kernels_neon(void)
{
	return NULL;
}

#endif							/* __aarch64__ */
