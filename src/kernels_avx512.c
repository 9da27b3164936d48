/*-------------------------------------------------------------------------
 *
 * kernels_avx512.c
 *	  The AVX-512 (F + DQ) kernel table; short arrays go to the AVX2
 *	  kernels.
 *
 * Plain C, no PostgreSQL headers (see kernels.h); compiled with
 * per-function target attributes, so the module needs no -m flags.  See
 * kernels_x86.h for the conventions the kernels share.
 *
 *-------------------------------------------------------------------------
 */
#include "kernels_x86.h"

#if defined(__x86_64__) && defined(PC_X86_SIMD)

#include <math.h>


/*
 * Below this length the AVX-512 table uses the AVX2 kernels (every CPU
 * with the AVX-512 level has AVX2): the 512-bit reductions and masked
 * tails cost more than they save on one or two vectors
 * (test/bench/kernels_bench.c measures where).
 */
#define PC_AVX512_MIN_N 32

/*
 * add is all loads and stores: below this length the AVX-512 table adds
 * with AVX2.  A destination that is not 64-byte aligned costs the 512-bit
 * add a masked head and tail, which on short arrays costs more than the
 * wider vectors save; from 128 elements the 512-bit add is as fast or
 * faster (test/bench/kernels_bench.c's alignment sweep).
 */
#define PC_AVX512_ADD_MIN_N 128

static inline __mmask8
avx512_tail_mask(int r)
{
	return (__mmask8) ((1u << r) - 1);
}

/*
 * Elements before the next 64-byte boundary: the main loops start there so
 * their loads (and the stores of add) do not straddle cache lines, which
 * costs 512-bit accesses far more than 256-bit ones.
 */
static inline int
avx512_head(const double *p)
{
	return (int) (((-(uintptr_t) p) & 63) / sizeof(double));
}

PC_AVX512 static bool
avx512_prob_sumsq(const double *x, int n, double *sumsq)
{
	__m512d		s0 = _mm512_setzero_pd(),
				s1 = _mm512_setzero_pd(),
				s2 = _mm512_setzero_pd(),
				s3 = _mm512_setzero_pd();
	__m512d		mn = _mm512_setzero_pd(),
				mx = _mm512_setzero_pd();
	double		s,
				lo,
				hi;
	bool		ok;
	int			i;

	if (n < PC_AVX512_MIN_N)
		return avx2_prob_sumsq(x, n, sumsq);

	i = avx512_head(x);
	if (i > 0)
	{
		__m512d		a = _mm512_maskz_loadu_pd(avx512_tail_mask(i), x);

		s2 = _mm512_fmadd_pd(a, a, s2);
		mn = _mm512_min_pd(mn, a);
		mx = _mm512_max_pd(mx, a);
	}
	for (; i + 32 <= n; i += 32)
	{
		__m512d		a = _mm512_loadu_pd(x + i);
		__m512d		b = _mm512_loadu_pd(x + i + 8);
		__m512d		c = _mm512_loadu_pd(x + i + 16);
		__m512d		d = _mm512_loadu_pd(x + i + 24);

		s0 = _mm512_fmadd_pd(a, a, s0);
		s1 = _mm512_fmadd_pd(b, b, s1);
		s2 = _mm512_fmadd_pd(c, c, s2);
		s3 = _mm512_fmadd_pd(d, d, s3);
		mn = _mm512_min_pd(mn, _mm512_min_pd(_mm512_min_pd(a, b),
											 _mm512_min_pd(c, d)));
		mx = _mm512_max_pd(mx, _mm512_max_pd(_mm512_max_pd(a, b),
											 _mm512_max_pd(c, d)));
	}
	for (; i + 8 <= n; i += 8)
	{
		__m512d		a = _mm512_loadu_pd(x + i);

		s0 = _mm512_fmadd_pd(a, a, s0);
		mn = _mm512_min_pd(mn, a);
		mx = _mm512_max_pd(mx, a);
	}
	if (i < n)
	{
		__m512d		a = _mm512_maskz_loadu_pd(avx512_tail_mask(n - i), x + i);

		s1 = _mm512_fmadd_pd(a, a, s1);
		mn = _mm512_min_pd(mn, a);
		mx = _mm512_max_pd(mx, a);
	}
	s = _mm512_reduce_add_pd(_mm512_add_pd(_mm512_add_pd(s0, s1),
										   _mm512_add_pd(s2, s3)));
	lo = _mm512_reduce_min_pd(mn);
	hi = _mm512_reduce_max_pd(mx);
	/* as in avx2_prob_sumsq: a NaN element, and only that, makes s NaN */
	ok = (s == s) && lo >= 0.0 && hi <= 1.0;
	*sumsq = s;
#ifdef USE_ASSERT_CHECKING
	PC_KCHECK(pc_check_sumsq(x, n, ok, s), "avx512 prob_sumsq");
#endif
	return ok;
}

PC_AVX512 static bool
avx512_prob_argmax(const double *x, int n, int *idx, double *max)
{
	__m512d		m0 = _mm512_setzero_pd(),
				m1 = _mm512_setzero_pd();
	__m512d		mn = _mm512_setzero_pd();
	__mmask8	nan = 0;
	__m512d		vm;
	double		m,
				lo;
	bool		ok;
	int			i;
	int			best = 0;

	if (n > 8 && n <= 16)
	{
		/*
		 * two vectors, the second zero-padded (padding cannot raise a
		 * valid maximum, and lies after every real element); no loop and
		 * no branch on where the maximum is
		 */
		__m512d		a = _mm512_loadu_pd(x);
		__m512d		b = _mm512_maskz_loadu_pd(avx512_tail_mask(n - 8), x + 8);
		__m512d		zero = _mm512_setzero_pd();

		/* NGE_UQ: below 0 or NaN */
		ok = (_mm512_cmp_pd_mask(a, zero, _CMP_NGE_UQ) |
			  _mm512_cmp_pd_mask(b, zero, _CMP_NGE_UQ)) == 0;
		m = _mm512_reduce_max_pd(_mm512_max_pd(a, b));
		ok = ok && m <= 1.0;
		if (ok)
		{
			vm = _mm512_set1_pd(m);
			best = __builtin_ctz((unsigned) _mm512_cmp_pd_mask(a, vm, _CMP_EQ_OQ) |
								 ((unsigned) _mm512_cmp_pd_mask(b, vm, _CMP_EQ_OQ) << 8));
		}
		*idx = best;
		*max = x[best];
#ifdef USE_ASSERT_CHECKING
		PC_KCHECK(pc_check_argmax(x, n, ok, *idx, *max), "avx512 prob_argmax");
#endif
		return ok;
	}
	if (n < PC_AVX512_MIN_N)
		return avx2_prob_argmax(x, n, idx, max);

	/* pass 1: maximum, minimum and NaN test */
	i = avx512_head(x);
	if (i > 0)
	{
		__m512d		a = _mm512_maskz_loadu_pd(avx512_tail_mask(i), x);

		m1 = _mm512_max_pd(m1, a);
		mn = _mm512_min_pd(mn, a);
		nan |= _mm512_cmp_pd_mask(a, a, _CMP_UNORD_Q);
	}
	for (; i + 32 <= n; i += 32)
	{
		__m512d		a = _mm512_loadu_pd(x + i);
		__m512d		b = _mm512_loadu_pd(x + i + 8);
		__m512d		c = _mm512_loadu_pd(x + i + 16);
		__m512d		d = _mm512_loadu_pd(x + i + 24);

		m0 = _mm512_max_pd(m0, _mm512_max_pd(a, b));
		m1 = _mm512_max_pd(m1, _mm512_max_pd(c, d));
		mn = _mm512_min_pd(mn, _mm512_min_pd(_mm512_min_pd(a, b),
											 _mm512_min_pd(c, d)));
		nan |= _mm512_cmp_pd_mask(a, b, _CMP_UNORD_Q) |
			_mm512_cmp_pd_mask(c, d, _CMP_UNORD_Q);
	}
	for (; i + 8 <= n; i += 8)
	{
		__m512d		a = _mm512_loadu_pd(x + i);

		m0 = _mm512_max_pd(m0, a);
		mn = _mm512_min_pd(mn, a);
		nan |= _mm512_cmp_pd_mask(a, a, _CMP_UNORD_Q);
	}
	if (i < n)
	{
		__m512d		a = _mm512_maskz_loadu_pd(avx512_tail_mask(n - i), x + i);

		m0 = _mm512_max_pd(m0, a);
		mn = _mm512_min_pd(mn, a);
		nan |= _mm512_cmp_pd_mask(a, a, _CMP_UNORD_Q);
	}
	m = _mm512_reduce_max_pd(_mm512_max_pd(m0, m1));
	lo = _mm512_reduce_min_pd(mn);
	ok = nan == 0 && lo >= 0.0 && m <= 1.0;

	/* pass 2: the first element equal to the maximum (see the AVX2 twin) */
	if (ok)
	{
		vm = _mm512_set1_pd(m);
		best = -1;
		for (i = 0; i < n; i += 8)
		{
			__mmask8	lanes = n - i >= 8 ? (__mmask8) 0xff :
				avx512_tail_mask(n - i);
			unsigned	bits = _mm512_mask_cmp_pd_mask(lanes,
													   _mm512_maskz_loadu_pd(lanes, x + i),
													   vm, _CMP_EQ_OQ);

			if (bits)
			{
				best = i + __builtin_ctz(bits);
				break;
			}
		}
		if (best < 0)
			best = 0;			/* cannot happen */
	}
	*idx = best;
	*max = x[best];
#ifdef USE_ASSERT_CHECKING
	PC_KCHECK(pc_check_argmax(x, n, ok, *idx, *max), "avx512 prob_argmax");
#endif
	return ok;
}

PC_AVX512 static void
avx512_add(double *restrict dst, const double *restrict src, int n)
{
	int			i;

#ifdef USE_ASSERT_CHECKING
	double		before[64];
	int			nc = n < 64 ? n : 64;
#endif

	if (n < PC_AVX512_ADD_MIN_N)
	{
		avx2_add(dst, src, n);
		return;
	}
#ifdef USE_ASSERT_CHECKING
	for (int j = 0; j < nc; j++)
		before[j] = dst[j];
#endif

	/* align the stores */
	i = avx512_head(dst);
	if (i > 0)
	{
		__mmask8	mask = avx512_tail_mask(i);

		_mm512_mask_storeu_pd(dst, mask,
							  _mm512_add_pd(_mm512_maskz_loadu_pd(mask, dst),
											_mm512_maskz_loadu_pd(mask, src)));
	}

	for (; i + 32 <= n; i += 32)
	{
		__m512d		a = _mm512_add_pd(_mm512_loadu_pd(dst + i),
									  _mm512_loadu_pd(src + i));
		__m512d		b = _mm512_add_pd(_mm512_loadu_pd(dst + i + 8),
									  _mm512_loadu_pd(src + i + 8));
		__m512d		c = _mm512_add_pd(_mm512_loadu_pd(dst + i + 16),
									  _mm512_loadu_pd(src + i + 16));
		__m512d		d = _mm512_add_pd(_mm512_loadu_pd(dst + i + 24),
									  _mm512_loadu_pd(src + i + 24));

		_mm512_storeu_pd(dst + i, a);
		_mm512_storeu_pd(dst + i + 8, b);
		_mm512_storeu_pd(dst + i + 16, c);
		_mm512_storeu_pd(dst + i + 24, d);
	}
	for (; i + 8 <= n; i += 8)
		_mm512_storeu_pd(dst + i, _mm512_add_pd(_mm512_loadu_pd(dst + i),
												_mm512_loadu_pd(src + i)));
	if (i < n)
	{
		__mmask8	mask = avx512_tail_mask(n - i);

		_mm512_mask_storeu_pd(dst + i, mask,
							  _mm512_add_pd(_mm512_maskz_loadu_pd(mask, dst + i),
											_mm512_maskz_loadu_pd(mask, src + i)));
	}
#ifdef USE_ASSERT_CHECKING
	for (int j = 0; j < nc; j++)
	{
		double		want = before[j] + src[j];

		PC_KCHECK(dst[j] == want || (dst[j] != dst[j] && want != want),
				  "avx512 add");
	}
#endif
}

PC_AVX512 static inline __m512d
avx512_exp8(__m512d x)
{
	__m512d		k,
				r,
				r2,
				q,
				qe,
				qo,
				p;

	/* clamp; NaN passes because min/max return the second operand then */
	x = _mm512_min_pd(_mm512_set1_pd(PC_EXP_HI), x);
	x = _mm512_max_pd(_mm512_set1_pd(PC_EXP_LO), x);

	k = _mm512_roundscale_pd(_mm512_mul_pd(x, _mm512_set1_pd(PC_LOG2E)),
							 _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	r = _mm512_fnmadd_pd(k, _mm512_set1_pd(PC_LN2_HI), x);
	r = _mm512_fnmadd_pd(k, _mm512_set1_pd(PC_LN2_LO), r);

	/*
	 * q = C2 + C3 r + ... + C13 r^11 as its even and odd halves in r^2,
	 * two independent Horner chains of half the length
	 */
	r2 = _mm512_mul_pd(r, r);
	qe = _mm512_set1_pd(PC_C12);
	qo = _mm512_set1_pd(PC_C13);
	qe = _mm512_fmadd_pd(qe, r2, _mm512_set1_pd(PC_C10));
	qo = _mm512_fmadd_pd(qo, r2, _mm512_set1_pd(PC_C11));
	qe = _mm512_fmadd_pd(qe, r2, _mm512_set1_pd(PC_C8));
	qo = _mm512_fmadd_pd(qo, r2, _mm512_set1_pd(PC_C9));
	qe = _mm512_fmadd_pd(qe, r2, _mm512_set1_pd(PC_C6));
	qo = _mm512_fmadd_pd(qo, r2, _mm512_set1_pd(PC_C7));
	qe = _mm512_fmadd_pd(qe, r2, _mm512_set1_pd(PC_C4));
	qo = _mm512_fmadd_pd(qo, r2, _mm512_set1_pd(PC_C5));
	qe = _mm512_fmadd_pd(qe, r2, _mm512_set1_pd(PC_C2));
	qo = _mm512_fmadd_pd(qo, r2, _mm512_set1_pd(PC_C3));
	q = _mm512_fmadd_pd(qo, r, qe);
	p = _mm512_fmadd_pd(q, r2, r);
	p = _mm512_add_pd(p, _mm512_set1_pd(1.0));

	/* p * 2^k with one rounding, into the denormals or to +Infinity */
	return _mm512_scalef_pd(p, k);
}

PC_AVX512 static void
avx512_exp(const double *x, double *y, int n)
{
	int			i = 0;

	for (; i + 16 <= n; i += 16)
	{
		__m512d		a = avx512_exp8(_mm512_loadu_pd(x + i));
		__m512d		b = avx512_exp8(_mm512_loadu_pd(x + i + 8));

		_mm512_storeu_pd(y + i, a);
		_mm512_storeu_pd(y + i + 8, b);
	}
	for (; i + 8 <= n; i += 8)
		_mm512_storeu_pd(y + i, avx512_exp8(_mm512_loadu_pd(x + i)));
	if (i < n)
	{
		__mmask8	mask = avx512_tail_mask(n - i);

		_mm512_mask_storeu_pd(y + i, mask,
							  avx512_exp8(_mm512_maskz_loadu_pd(mask, x + i)));
	}
#ifdef USE_ASSERT_CHECKING
	if (x != y)
		PC_KCHECK(pc_check_exp(x, y, n < 64 ? n : 64), "avx512 exp");
#endif
}

/* log1p(e) for e in [0, 1]; see PC_ATANH_TERMS */
PC_AVX512 static inline __m512d
avx512_log1p_unit8(__m512d e)
{
	__m512d		t = _mm512_div_pd(e, _mm512_add_pd(e, _mm512_set1_pd(2.0)));
	__m512d		t2 = _mm512_mul_pd(t, t);
	__m512d		tt = _mm512_add_pd(t, t);
	__m512d		t4 = _mm512_mul_pd(t2, t2);
	__m512d		qe = _mm512_set1_pd(pc_atanh_coef[PC_ATANH_TERMS - 2]);
	__m512d		qo = _mm512_set1_pd(pc_atanh_coef[PC_ATANH_TERMS - 1]);
	__m512d		q;

	/* even and odd halves in t^4, as in the exp polynomial */
	for (int k = PC_ATANH_TERMS - 4; k >= 0; k -= 2)
	{
		qe = _mm512_fmadd_pd(qe, t4, _mm512_set1_pd(pc_atanh_coef[k]));
		qo = _mm512_fmadd_pd(qo, t4, _mm512_set1_pd(pc_atanh_coef[k + 1]));
	}
	q = _mm512_fmadd_pd(qo, t2, qe);
	return _mm512_fmadd_pd(_mm512_mul_pd(tt, t2), q, tt);
}

PC_AVX512 static double
avx512_pairs_binary(int64_t m, const int32_t *i, const int32_t *j,
					const double *a, const double *b,
					const double *s, double offset,
					double *g, double *h, double *prob)
{
	const __m512d zero = _mm512_setzero_pd();
	const __m512d one = _mm512_set1_pd(1.0);
	const __m512d sign = _mm512_set1_pd(-0.0);
	const __m512d off = _mm512_set1_pd(offset);
	__m512d		acc0 = zero,
				acc1 = zero;
	double		ll;
	int64_t		k = 0;

	for (; k + 8 <= m; k += 8)
	{
		__m512d		si = _mm512_i32gather_pd(_mm256_loadu_si256((const __m256i *) (i + k)), s, 8);
		__m512d		sj = _mm512_i32gather_pd(_mm256_loadu_si256((const __m256i *) (j + k)), s, 8);
		__m512d		d = _mm512_add_pd(_mm512_sub_pd(si, sj), off);
		__m512d		e = avx512_exp8(_mm512_or_pd(d, sign));	/* exp(-|d|) */
		__m512d		l1 = avx512_log1p_unit8(e);
		__mmask8	ge = _mm512_cmp_pd_mask(d, zero, _CMP_GE_OQ);
		__m512d		p = _mm512_div_pd(_mm512_mask_blend_pd(ge, e, one),
									  _mm512_add_pd(one, e));
		__m512d		logp = _mm512_sub_pd(_mm512_min_pd(d, zero), l1);
		__m512d		logq = _mm512_sub_pd(_mm512_xor_pd(_mm512_max_pd(d, zero), sign), l1);
		__m512d		va = _mm512_loadu_pd(a + k);
		__m512d		vb = _mm512_loadu_pd(b + k);
		__m512d		nk = _mm512_add_pd(va, vb);
		__m512d		np = _mm512_mul_pd(nk, p);

		if (k & 8)
			acc1 = _mm512_add_pd(acc1, _mm512_fmadd_pd(va, logp, _mm512_mul_pd(vb, logq)));
		else
			acc0 = _mm512_add_pd(acc0, _mm512_fmadd_pd(va, logp, _mm512_mul_pd(vb, logq)));
		_mm512_storeu_pd(g + k, _mm512_sub_pd(va, np));
		_mm512_storeu_pd(h + k, _mm512_mul_pd(np, _mm512_sub_pd(one, p)));
		if (prob)
			_mm512_storeu_pd(prob + k, p);
	}
	ll = _mm512_reduce_add_pd(_mm512_add_pd(acc0, acc1));
	if (k < m)
		ll += avx2_pairs_binary(m - k, i + k, j + k, a + k, b + k,
								s, offset, g + k, h + k,
								prob ? prob + k : NULL);
#ifdef USE_ASSERT_CHECKING
	PC_KCHECK(pc_check_pairs(m, i, j, a, b, s, offset, g, h, prob, ll),
			  "avx512 pairs_binary");
#endif
	return ll;
}

PC_AVX512 static inline __m512d
avx512_erfcx8(__m512d x)
{
	__m512d		k = _mm512_set1_pd(PC_ERFCX_K);
	__m512d		s = _mm512_fmadd_pd(_mm512_set1_pd(PC_ERFCX_A),
									_mm512_div_pd(_mm512_sub_pd(x, k),
												  _mm512_add_pd(x, k)),
									_mm512_set1_pd(PC_ERFCX_B));
	__m512d		s2 = _mm512_add_pd(s, s);
	__m512d		b1 = _mm512_setzero_pd(),
				b2 = _mm512_setzero_pd();

	for (int j = PC_ERFCX_TERMS - 1; j >= 1; j--)
	{
		__m512d		b0 = _mm512_add_pd(_mm512_fmsub_pd(s2, b1, b2),
									   _mm512_set1_pd(pc_erfcx_cheb[j]));

		b2 = b1;
		b1 = b0;
	}
	return _mm512_add_pd(_mm512_fmsub_pd(s, b1, b2),
						 _mm512_set1_pd(pc_erfcx_cheb[0]));
}

/* eight images of smooth_node; the AVX2 twin's steps, eight lanes wide */
PC_AVX512 static inline void
avx512_smooth8(__m512d t, __m512d inv, __m512d c, __m512d r, __m512d d,
			   __m512d *h, __m512d *psi, __m512d *m2)
{
	__m512d		u = _mm512_mul_pd(_mm512_sub_pd(t, c), inv);
	__m512d		a = _mm512_abs_pd(u);
	__m512d		g = avx512_exp8(_mm512_mul_pd(_mm512_mul_pd(_mm512_set1_pd(-0.5), u), u));
	__m512d		e = _mm512_mul_pd(_mm512_mul_pd(g, _mm512_set1_pd(PC_INV_SQRT_2PI)), inv);
	__m512d		q = _mm512_mul_pd(_mm512_mul_pd(_mm512_set1_pd(0.5), g),
								  avx512_erfcx8(_mm512_mul_pd(a, _mm512_set1_pd(M_SQRT1_2))));
	__m512d		z = _mm512_max_pd(_mm512_sub_pd(a, _mm512_set1_pd(1.0 / PC_SMOOTH_CELLS_PER_SIGMA)),
								  _mm512_setzero_pd());
	__m512d		zz = _mm512_mul_pd(z, z);
	__m512d		ez = _mm512_mul_pd(avx512_exp8(_mm512_mul_pd(_mm512_set1_pd(-0.5), zz)),
								   _mm512_set1_pd(PC_INV_SQRT_2PI));
	__m512d		sq3 = _mm512_set1_pd(PC_ENV_SQRT3);
	__m512d		e2,
				e3;

	q = _mm512_mask_sub_pd(q, _mm512_cmp_pd_mask(u, _mm512_setzero_pd(), _CMP_GE_OQ),
						   _mm512_setzero_pd(), q);
	*h = _mm512_add_pd(*h, _mm512_fmadd_pd(r, e, _mm512_mul_pd(_mm512_mul_pd(_mm512_mul_pd(d, u), inv), e)));
	*psi = _mm512_add_pd(*psi, _mm512_fmsub_pd(r, q, _mm512_mul_pd(d, e)));

	e2 = _mm512_mul_pd(_mm512_sub_pd(zz, _mm512_set1_pd(1.0)), ez);
	e2 = _mm512_mask_mov_pd(e2, _mm512_cmp_pd_mask(z, sq3, _CMP_LT_OQ), _mm512_set1_pd(PC_ENV2_C1));
	e2 = _mm512_mask_mov_pd(e2, _mm512_cmp_pd_mask(z, _mm512_set1_pd(PC_ENV_T1), _CMP_LT_OQ),
							_mm512_set1_pd(PC_ENV2_C0));
	e3 = _mm512_mul_pd(_mm512_mul_pd(_mm512_sub_pd(zz, _mm512_set1_pd(3.0)), z), ez);
	e3 = _mm512_mask_mov_pd(e3, _mm512_cmp_pd_mask(z, _mm512_set1_pd(PC_ENV_T3), _CMP_LT_OQ),
							_mm512_set1_pd(PC_ENV3_C1));
	e3 = _mm512_mask_mov_pd(e3, _mm512_cmp_pd_mask(z, sq3, _CMP_LT_OQ), _mm512_set1_pd(PC_ENV3_C0));
	*m2 = _mm512_add_pd(*m2,
						_mm512_mul_pd(_mm512_fmadd_pd(_mm512_abs_pd(r), e2,
													  _mm512_mul_pd(_mm512_mul_pd(_mm512_abs_pd(d), inv), e3)),
									  inv));
}

PC_AVX512 static void
avx512_smooth_node(const double *c, const double *r, const double *d, int n,
				   double t, double inv, double out[3])
{
	__m512d		vt = _mm512_set1_pd(t),
				vinv = _mm512_set1_pd(inv);
	__m512d		h = _mm512_setzero_pd(),
				psi = _mm512_setzero_pd(),
				m2 = _mm512_setzero_pd();
	int			k = 0;

	for (; k + 8 <= n; k += 8)
		avx512_smooth8(vt, vinv, _mm512_loadu_pd(c + k), _mm512_loadu_pd(r + k),
					   _mm512_loadu_pd(d + k), &h, &psi, &m2);
	if (k < n)
	{
		/* the missing images: centre t (u = 0), no charge */
		__mmask8	mask = avx512_tail_mask(n - k);

		avx512_smooth8(vt, vinv, _mm512_mask_loadu_pd(vt, mask, c + k),
					   _mm512_maskz_loadu_pd(mask, r + k),
					   _mm512_maskz_loadu_pd(mask, d + k), &h, &psi, &m2);
	}
	out[0] = _mm512_reduce_add_pd(h);
	out[1] = _mm512_reduce_add_pd(psi);
	out[2] = _mm512_reduce_add_pd(m2);
#ifdef USE_ASSERT_CHECKING
	PC_KCHECK(pc_check_smooth(c, r, d, n, t, inv, out), "avx512 smooth_node");
#endif
}

/*
 * Four dot products sharing x, as avx2_dot4 with 8-lane vectors, the
 * masked head bringing x to a 64-byte boundary (a 512-bit load that
 * straddles a cache line costs twice; with x and the y congruent the
 * kernel runs twice as fast aligned); below PC_AVX512_MIN_N the AVX2
 * twin.
 */
PC_AVX512 static void
avx512_dot4(const double *x, const double *y0, const double *y1,
			const double *y2, const double *y3, int n, double out[4])
{
	__m512d		a0 = _mm512_setzero_pd(),
				a1 = _mm512_setzero_pd(),
				a2 = _mm512_setzero_pd(),
				a3 = _mm512_setzero_pd(),
				b0 = _mm512_setzero_pd(),
				b1 = _mm512_setzero_pd(),
				b2 = _mm512_setzero_pd(),
				b3 = _mm512_setzero_pd();
	int			k;

	if (n < PC_AVX512_MIN_N)
	{
		avx2_dot4(x, y0, y1, y2, y3, n, out);
		return;
	}
	k = avx512_head(x);
	if (k > 0)
	{
		__mmask8	mask = avx512_tail_mask(k);
		__m512d		xa = _mm512_maskz_loadu_pd(mask, x);

		b0 = _mm512_mul_pd(xa, _mm512_maskz_loadu_pd(mask, y0));
		b1 = _mm512_mul_pd(xa, _mm512_maskz_loadu_pd(mask, y1));
		b2 = _mm512_mul_pd(xa, _mm512_maskz_loadu_pd(mask, y2));
		b3 = _mm512_mul_pd(xa, _mm512_maskz_loadu_pd(mask, y3));
	}
	for (; k + 16 <= n; k += 16)
	{
		__m512d		xa = _mm512_loadu_pd(x + k);
		__m512d		xb = _mm512_loadu_pd(x + k + 8);

		a0 = _mm512_fmadd_pd(xa, _mm512_loadu_pd(y0 + k), a0);
		a1 = _mm512_fmadd_pd(xa, _mm512_loadu_pd(y1 + k), a1);
		a2 = _mm512_fmadd_pd(xa, _mm512_loadu_pd(y2 + k), a2);
		a3 = _mm512_fmadd_pd(xa, _mm512_loadu_pd(y3 + k), a3);
		b0 = _mm512_fmadd_pd(xb, _mm512_loadu_pd(y0 + k + 8), b0);
		b1 = _mm512_fmadd_pd(xb, _mm512_loadu_pd(y1 + k + 8), b1);
		b2 = _mm512_fmadd_pd(xb, _mm512_loadu_pd(y2 + k + 8), b2);
		b3 = _mm512_fmadd_pd(xb, _mm512_loadu_pd(y3 + k + 8), b3);
	}
	for (; k < n; k += 8)
	{
		__mmask8	mask = n - k >= 8 ? (__mmask8) 0xff : avx512_tail_mask(n - k);
		__m512d		xa = _mm512_maskz_loadu_pd(mask, x + k);

		a0 = _mm512_fmadd_pd(xa, _mm512_maskz_loadu_pd(mask, y0 + k), a0);
		a1 = _mm512_fmadd_pd(xa, _mm512_maskz_loadu_pd(mask, y1 + k), a1);
		a2 = _mm512_fmadd_pd(xa, _mm512_maskz_loadu_pd(mask, y2 + k), a2);
		a3 = _mm512_fmadd_pd(xa, _mm512_maskz_loadu_pd(mask, y3 + k), a3);
	}
	out[0] = _mm512_reduce_add_pd(_mm512_add_pd(a0, b0));
	out[1] = _mm512_reduce_add_pd(_mm512_add_pd(a1, b1));
	out[2] = _mm512_reduce_add_pd(_mm512_add_pd(a2, b2));
	out[3] = _mm512_reduce_add_pd(_mm512_add_pd(a3, b3));
#ifdef USE_ASSERT_CHECKING
	PC_KCHECK(pc_check_dot4(x, y0, y1, y2, y3, n, out), "avx512 dot4");
#endif
}

/* the replicate loop: a record is one vector */
PC_AVX512 static void
avx512_rep_add(double *restrict acc, const double *restrict k, int n,
			   const double *restrict v)
{
	__m512d		v0 = _mm512_loadu_pd(v);

	for (int b = 0; b < n; b++)
	{
		double	   *a = acc + (size_t) b * PC_REP_REC;

		_mm512_storeu_pd(a, _mm512_fmadd_pd(_mm512_set1_pd(k[b]), v0,
											_mm512_loadu_pd(a)));
	}
}

/* the replicate weights, eight lanes (AVX-512DQ's 64-bit multiply) */
PC_AVX512 static void
avx512_poisson1(uint64_t kh, int n, double *k)
{
	const __m512i m1 = _mm512_set1_epi64((int64_t) PC_MIX_M1);
	const __m512i m2 = _mm512_set1_epi64((int64_t) PC_MIX_M2);
	const __m512i step = _mm512_set1_epi64((int64_t) (8 * PC_GOLDEN));
	const __m512i one = _mm512_set1_epi64(1);
	__m512i		t[PC_POISSON1_NT];
	__m512i		z0 = _mm512_add_epi64(_mm512_set1_epi64((int64_t) kh),
									  _mm512_mullo_epi64(_mm512_set_epi64(8, 7, 6, 5, 4, 3, 2, 1),
														 _mm512_set1_epi64((int64_t) PC_GOLDEN)));
	int			b = 0;

	for (int j = 0; j < PC_POISSON1_NT; j++)
		t[j] = _mm512_set1_epi64((int64_t) pc_poisson1_t[j]);
	for (; b + 8 <= n; b += 8)
	{
		__m512i		z = z0;
		__m512i		cnt = _mm512_setzero_si512();
		__mmask8	ge;

		z0 = _mm512_add_epi64(z0, step);
		z = _mm512_xor_si512(z, _mm512_srli_epi64(z, 30));
		z = _mm512_mullo_epi64(z, m1);
		z = _mm512_xor_si512(z, _mm512_srli_epi64(z, 27));
		z = _mm512_mullo_epi64(z, m2);
		z = _mm512_xor_si512(z, _mm512_srli_epi64(z, 31));
		z = _mm512_srli_epi64(z, 11);
		cnt = _mm512_mask_add_epi64(cnt, _mm512_cmpge_epu64_mask(z, t[0]), cnt, one);
		cnt = _mm512_mask_add_epi64(cnt, _mm512_cmpge_epu64_mask(z, t[1]), cnt, one);
		cnt = _mm512_mask_add_epi64(cnt, _mm512_cmpge_epu64_mask(z, t[2]), cnt, one);
		ge = _mm512_cmpge_epu64_mask(z, t[3]);
		cnt = _mm512_mask_add_epi64(cnt, ge, cnt, one);
		for (int j = 4; j < PC_POISSON1_NT && ge; j++)
		{
			ge = _mm512_cmpge_epu64_mask(z, t[j]);
			cnt = _mm512_mask_add_epi64(cnt, ge, cnt, one);
		}
		_mm512_storeu_pd(k + b, _mm512_cvtepi64_pd(cnt));
	}
	for (; b < n; b++)
		k[b] = (double) pc_poisson1_at(kh, b);
}

const PcKernels pc_kernels_avx512 = {
	"avx512",
	avx512_prob_sumsq,
	avx512_prob_argmax,
	avx512_add,
	avx512_exp,
	avx512_pairs_binary,
	avx512_smooth_node,
	avx512_dot4,
	avx512_rep_add,
	avx512_poisson1,
};

#endif							/* __x86_64__ && PC_X86_SIMD */
