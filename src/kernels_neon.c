/*-------------------------------------------------------------------------
 *
 * kernels_neon.c
 *	  The NEON (AdvSIMD) kernel table for aarch64, where AdvSIMD is part
 *	  of the base ISA: chosen at compile time, no run-time detection.
 *
 * Plain C, no PostgreSQL headers (see kernels.h).  The algorithms are
 * those of kernels_x86.c (read the conventions there), with 2-lane
 * vectors; an odd last element is handled by scalar code in prob_sumsq
 * and prob_argmax and by the vector code on one lane in exp, pairs_binary,
 * smooth_node and dot4.  AArch64's FMIN/FMAX return NaN when either operand is
 * NaN, so the range test needs no separate NaN test.
 *
 * test/kernels checks every kernel here against its scalar twin, natively
 * on aarch64 and under user-mode QEMU on x86-64 (make -C test/kernels
 * check-aarch64, run by test/t/006_kernels_aarch64.t).
 *
 *-------------------------------------------------------------------------
 */
#include "kernels.h"

#if defined(__aarch64__) && !defined(PREFCAL_NO_SIMD)

#include <arm_neon.h>
#include <math.h>

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

/* log1p(e) for e in [0, 1] (kernels.h, pc_atanh_coef) */
static inline float64x2_t
neon_log1p_unit2(float64x2_t e)
{
	float64x2_t t = vdivq_f64(e, vaddq_f64(e, vdupq_n_f64(2.0)));
	float64x2_t t2 = vmulq_f64(t, t);
	float64x2_t tt = vaddq_f64(t, t);
	float64x2_t t4 = vmulq_f64(t2, t2);
	float64x2_t qe = vdupq_n_f64(pc_atanh_coef[PC_ATANH_TERMS - 2]);
	float64x2_t qo = vdupq_n_f64(pc_atanh_coef[PC_ATANH_TERMS - 1]);
	float64x2_t q;

	/* even and odd halves in t^4, two independent Horner chains */
	for (int k = PC_ATANH_TERMS - 4; k >= 0; k -= 2)
	{
		qe = vfmaq_f64(vdupq_n_f64(pc_atanh_coef[k]), qe, t4);
		qo = vfmaq_f64(vdupq_n_f64(pc_atanh_coef[k + 1]), qo, t4);
	}
	q = vfmaq_f64(qe, qo, t2);
	/* 2t + 2t * t^2 * q, the small part added last */
	return vfmaq_f64(tt, vmulq_f64(tt, t2), q);
}

/*
 * Two pairs of pairs_binary (kernels.h) from their d, a and b: g, h and p
 * into *g, *h and *p, and a log p + b log(1 - p) returned.
 */
static inline float64x2_t
neon_pairs2(float64x2_t d, float64x2_t va, float64x2_t vb,
			float64x2_t *g, float64x2_t *h, float64x2_t *p)
{
	const float64x2_t zero = vdupq_n_f64(0.0);
	const float64x2_t one = vdupq_n_f64(1.0);
	float64x2_t e = neon_exp2(vnegq_f64(vabsq_f64(d)));	/* exp(-|d|) */
	float64x2_t l1 = neon_log1p_unit2(e);
	uint64x2_t ge = vcgeq_f64(d, zero);
	float64x2_t pp = vdivq_f64(vbslq_f64(ge, one, e), vaddq_f64(one, e));

	/*
	 * d >= 0: log p = -l1, log q = -d - l1; else d - l1 and -l1.  (FMIN
	 * and FMAX propagate a NaN d, but l1 is NaN then anyway.)
	 */
	float64x2_t logp = vsubq_f64(vminq_f64(d, zero), l1);
	float64x2_t logq = vsubq_f64(vnegq_f64(vmaxq_f64(d, zero)), l1);
	float64x2_t np = vmulq_f64(vaddq_f64(va, vb), pp);

	*g = vsubq_f64(va, np);
	*h = vmulq_f64(np, vsubq_f64(one, pp));
	*p = pp;
	return vfmaq_f64(vmulq_f64(vb, logq), va, logp);
}

/*
 * The Bradley-Terry pair kernel: the algorithm of avx2_pairs_binary, two
 * pairs per vector, the scores gathered by plain loads (AdvSIMD has no
 * gather), the log-likelihood in two accumulators.  An odd last pair goes
 * through the same vector code in both lanes, of which lane 0 is kept, so
 * every pair gets the same exp and log1p and nothing past m is touched.
 */
static double
neon_pairs_binary(int64_t m, const int32_t *i, const int32_t *j,
				  const double *a, const double *b,
				  const double *s, double offset,
				  double *g, double *h, double *prob)
{
	const float64x2_t off = vdupq_n_f64(offset);
	float64x2_t acc0 = vdupq_n_f64(0.0),
				acc1 = vdupq_n_f64(0.0);
	float64x2_t vg,
				vh,
				vp,
				lab;
	double		ll;
	int64_t		k = 0;

	for (; k + 2 <= m; k += 2)
	{
		float64x2_t si = vcombine_f64(vld1_f64(s + i[k]),
									  vld1_f64(s + i[k + 1]));
		float64x2_t sj = vcombine_f64(vld1_f64(s + j[k]),
									  vld1_f64(s + j[k + 1]));
		float64x2_t d = vaddq_f64(vsubq_f64(si, sj), off);

		lab = neon_pairs2(d, vld1q_f64(a + k), vld1q_f64(b + k), &vg, &vh, &vp);
		if (k & 2)
			acc1 = vaddq_f64(acc1, lab);
		else
			acc0 = vaddq_f64(acc0, lab);
		vst1q_f64(g + k, vg);
		vst1q_f64(h + k, vh);
		if (prob)
			vst1q_f64(prob + k, vp);
	}
	ll = vaddvq_f64(vaddq_f64(acc0, acc1));
	if (k < m)
	{
		float64x2_t d = vaddq_f64(vsubq_f64(vld1q_dup_f64(s + i[k]),
											vld1q_dup_f64(s + j[k])),
								  off);

		lab = neon_pairs2(d, vld1q_dup_f64(a + k), vld1q_dup_f64(b + k),
						  &vg, &vh, &vp);
		ll += vgetq_lane_f64(lab, 0);
		vst1q_lane_f64(g + k, vg, 0);
		vst1q_lane_f64(h + k, vh, 0);
		if (prob)
			vst1q_lane_f64(prob + k, vp, 0);
	}
#ifdef USE_ASSERT_CHECKING
	PC_KCHECK(pc_check_pairs(m, i, j, a, b, s, offset, g, h, prob, ll),
			  "neon pairs_binary");
#endif
	return ll;
}

/*
 * erfcx(x) = exp(x^2) erfc(x) for 0 <= x <= 7.1: the Chebyshev series of
 * kernels.c in s = A (x - K) / (x + K) + B, by Clenshaw's recurrence (as
 * avx2_erfcx4).
 */
static inline float64x2_t
neon_erfcx2(float64x2_t x)
{
	float64x2_t k = vdupq_n_f64(PC_ERFCX_K);
	float64x2_t s = vfmaq_f64(vdupq_n_f64(PC_ERFCX_B),
							  vdupq_n_f64(PC_ERFCX_A),
							  vdivq_f64(vsubq_f64(x, k), vaddq_f64(x, k)));
	float64x2_t s2 = vaddq_f64(s, s);
	float64x2_t b1 = vdupq_n_f64(0.0),
				b2 = vdupq_n_f64(0.0);

	for (int jj = PC_ERFCX_TERMS - 1; jj >= 1; jj--)
	{
		/* b0 = (s2 b1 - b2) + c[jj], the product not rounded */
		float64x2_t b0 = vaddq_f64(vfmaq_f64(vnegq_f64(b2), s2, b1),
								   vdupq_n_f64(pc_erfcx_cheb[jj]));

		b2 = b1;
		b1 = b0;
	}
	return vaddq_f64(vfmaq_f64(vnegq_f64(b2), s, b1),
					 vdupq_n_f64(pc_erfcx_cheb[0]));
}

/* two images of smooth_node (kernels.h) into the accumulators */
static inline void
neon_smooth2(float64x2_t t, float64x2_t inv, float64x2_t c, float64x2_t r,
			 float64x2_t d, float64x2_t *h, float64x2_t *psi, float64x2_t *m2)
{
	const float64x2_t zero = vdupq_n_f64(0.0);
	float64x2_t u = vmulq_f64(vsubq_f64(t, c), inv);
	float64x2_t a = vabsq_f64(u);

	/* exp(-0.5 u u) with the scalar twin's roundings of its argument */
	float64x2_t g = neon_exp2(vmulq_f64(vmulq_f64(vdupq_n_f64(-0.5), u), u));
	float64x2_t e = vmulq_f64(vmulq_f64(g, vdupq_n_f64(PC_INV_SQRT_2PI)), inv);

	/* Phi(-|u|) = erfc(|u| / sqrt 2) / 2 = exp(-u^2 / 2) erfcx(...) / 2 */
	float64x2_t q = vmulq_f64(vmulq_f64(vdupq_n_f64(0.5), g),
							  neon_erfcx2(vmulq_f64(a, vdupq_n_f64(M_SQRT1_2))));

	/* FMAX keeps a NaN |u| - 1/4, as the scalar twin's test does */
	float64x2_t z = vmaxq_f64(vsubq_f64(a, vdupq_n_f64(1.0 / PC_SMOOTH_CELLS_PER_SIGMA)),
							  zero);
	float64x2_t zz = vmulq_f64(z, z);
	float64x2_t ez = vmulq_f64(neon_exp2(vmulq_f64(vdupq_n_f64(-0.5), zz)),
							   vdupq_n_f64(PC_INV_SQRT_2PI));
	float64x2_t sq3 = vdupq_n_f64(PC_ENV_SQRT3);
	float64x2_t e2,
				e3;
	uint64x2_t below_sq3 = vcltq_f64(z, sq3);

	/* q < 0 where u >= 0 */
	q = vbslq_f64(vcgeq_f64(u, zero), vnegq_f64(q), q);
	*h = vaddq_f64(*h, vfmaq_f64(vmulq_f64(vmulq_f64(vmulq_f64(d, u), inv), e),
								 r, e));
	/* r q - d e, the product r q not rounded */
	*psi = vaddq_f64(*psi, vfmaq_f64(vnegq_f64(vmulq_f64(d, e)), r, q));

	/* the envelopes (kernels.c): constants below the last maximum */
	e2 = vmulq_f64(vsubq_f64(zz, vdupq_n_f64(1.0)), ez);
	e2 = vbslq_f64(below_sq3, vdupq_n_f64(PC_ENV2_C1), e2);
	e2 = vbslq_f64(vcltq_f64(z, vdupq_n_f64(PC_ENV_T1)),
				   vdupq_n_f64(PC_ENV2_C0), e2);
	e3 = vmulq_f64(vmulq_f64(vsubq_f64(zz, vdupq_n_f64(3.0)), z), ez);
	e3 = vbslq_f64(vcltq_f64(z, vdupq_n_f64(PC_ENV_T3)),
				   vdupq_n_f64(PC_ENV3_C1), e3);
	e3 = vbslq_f64(below_sq3, vdupq_n_f64(PC_ENV3_C0), e3);
	*m2 = vaddq_f64(*m2,
					vmulq_f64(vfmaq_f64(vmulq_f64(vmulq_f64(vabsq_f64(d), inv),
												  e3),
										vabsq_f64(r), e2),
							  inv));
}

/*
 * The smooth ECE's node sums: the algorithm of avx2_smooth_node, two
 * images per vector, the sums in lanes.  An odd last image is loaded into
 * lane 0 alone; lane 1 holds a missing image, centre t (u = 0) and no
 * charge, which adds nothing, so nothing past n is read.
 */
static void
neon_smooth_node(const double *c, const double *r, const double *d, int n,
				 double t, double inv, double out[3])
{
	const float64x2_t vt = vdupq_n_f64(t),
				vinv = vdupq_n_f64(inv),
				zero = vdupq_n_f64(0.0);
	float64x2_t h = zero,
				psi = zero,
				m2 = zero;
	int			k = 0;

	for (; k + 2 <= n; k += 2)
		neon_smooth2(vt, vinv, vld1q_f64(c + k), vld1q_f64(r + k),
					 vld1q_f64(d + k), &h, &psi, &m2);
	if (k < n)
		neon_smooth2(vt, vinv, vld1q_lane_f64(c + k, vt, 0),
					 vld1q_lane_f64(r + k, zero, 0),
					 vld1q_lane_f64(d + k, zero, 0), &h, &psi, &m2);
	out[0] = vaddvq_f64(h);
	out[1] = vaddvq_f64(psi);
	out[2] = vaddvq_f64(m2);
#ifdef USE_ASSERT_CHECKING
	PC_KCHECK(pc_check_smooth(c, r, d, n, t, inv, out), "neon smooth_node");
#endif
}

/*
 * Four dot products sharing x: two vectors of x a step, eight
 * accumulators; an odd last element in lane 0 alone.
 */
static void
neon_dot4(const double *x, const double *y0, const double *y1,
		  const double *y2, const double *y3, int n, double out[4])
{
	const float64x2_t zero = vdupq_n_f64(0.0);
	float64x2_t a0 = zero,
				a1 = zero,
				a2 = zero,
				a3 = zero,
				b0 = zero,
				b1 = zero,
				b2 = zero,
				b3 = zero;
	int			k = 0;

	for (; k + 4 <= n; k += 4)
	{
		float64x2_t xa = vld1q_f64(x + k);
		float64x2_t xb = vld1q_f64(x + k + 2);

		a0 = vfmaq_f64(a0, xa, vld1q_f64(y0 + k));
		a1 = vfmaq_f64(a1, xa, vld1q_f64(y1 + k));
		a2 = vfmaq_f64(a2, xa, vld1q_f64(y2 + k));
		a3 = vfmaq_f64(a3, xa, vld1q_f64(y3 + k));
		b0 = vfmaq_f64(b0, xb, vld1q_f64(y0 + k + 2));
		b1 = vfmaq_f64(b1, xb, vld1q_f64(y1 + k + 2));
		b2 = vfmaq_f64(b2, xb, vld1q_f64(y2 + k + 2));
		b3 = vfmaq_f64(b3, xb, vld1q_f64(y3 + k + 2));
	}
	for (; k + 2 <= n; k += 2)
	{
		float64x2_t xa = vld1q_f64(x + k);

		a0 = vfmaq_f64(a0, xa, vld1q_f64(y0 + k));
		a1 = vfmaq_f64(a1, xa, vld1q_f64(y1 + k));
		a2 = vfmaq_f64(a2, xa, vld1q_f64(y2 + k));
		a3 = vfmaq_f64(a3, xa, vld1q_f64(y3 + k));
	}
	if (k < n)
	{
		float64x2_t xb = vld1q_lane_f64(x + k, zero, 0);

		b0 = vfmaq_f64(b0, xb, vld1q_lane_f64(y0 + k, zero, 0));
		b1 = vfmaq_f64(b1, xb, vld1q_lane_f64(y1 + k, zero, 0));
		b2 = vfmaq_f64(b2, xb, vld1q_lane_f64(y2 + k, zero, 0));
		b3 = vfmaq_f64(b3, xb, vld1q_lane_f64(y3 + k, zero, 0));
	}
	out[0] = vaddvq_f64(vaddq_f64(a0, b0));
	out[1] = vaddvq_f64(vaddq_f64(a1, b1));
	out[2] = vaddvq_f64(vaddq_f64(a2, b2));
	out[3] = vaddvq_f64(vaddq_f64(a3, b3));
#ifdef USE_ASSERT_CHECKING
	PC_KCHECK(pc_check_dot4(x, y0, y1, y2, y3, n, out), "neon dot4");
#endif
}

/* the replicate loop: a record is four vectors */
static void
neon_rep_add(double *restrict acc, const double *restrict k, int n,
			 const double *restrict v)
{
	float64x2_t v0 = vld1q_f64(v),
				v1 = vld1q_f64(v + 2),
				v2 = vld1q_f64(v + 4),
				v3 = vld1q_f64(v + 6);

	for (int b = 0; b < n; b++)
	{
		double	   *a = acc + (size_t) b * PC_REP_REC;
		float64x2_t kb = vdupq_n_f64(k[b]);

		vst1q_f64(a, vfmaq_f64(vld1q_f64(a), kb, v0));
		vst1q_f64(a + 2, vfmaq_f64(vld1q_f64(a + 2), kb, v1));
		vst1q_f64(a + 4, vfmaq_f64(vld1q_f64(a + 4), kb, v2));
		vst1q_f64(a + 6, vfmaq_f64(vld1q_f64(a + 6), kb, v3));
	}
}

/*
 * The replicate weights: NEON has no 64-bit lane multiply, so this is the
 * scalar twin's loop (the compiler may still interleave iterations).
 */
static void
neon_poisson1(uint64_t kh, int n, double *k)
{
	for (int b = 0; b < n; b++)
		k[b] = (double) pc_poisson1_at(kh, b);
}

static const PcKernels pc_kernels_neon_table = {
	"neon",
	neon_prob_sumsq,
	neon_prob_argmax,
	neon_add,
	neon_exp,
	neon_pairs_binary,
	neon_smooth_node,
	neon_dot4,
	neon_rep_add,
	neon_poisson1,
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
