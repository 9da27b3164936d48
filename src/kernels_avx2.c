/*-------------------------------------------------------------------------
 *
 * kernels_avx2.c
 *	  The AVX2 + FMA kernel table.
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


/* lanes 0..r-1 set: mask for a masked load of the last r (< 4) doubles */
static const int64_t avx2_tail_bits[8] = {-1, -1, -1, -1, 0, 0, 0, 0};

PC_AVX2 static inline __m256i
avx2_tail_mask(int r)
{
	return _mm256_loadu_si256((const __m256i *) (avx2_tail_bits + 4 - r));
}

PC_AVX2 static inline double
avx2_hsum(__m256d v)
{
	__m128d		lo = _mm256_castpd256_pd128(v);
	__m128d		hi = _mm256_extractf128_pd(v, 1);

	lo = _mm_add_pd(lo, hi);
	return _mm_cvtsd_f64(_mm_add_sd(lo, _mm_unpackhi_pd(lo, lo)));
}

PC_AVX2 static inline double
avx2_hmax(__m256d v)
{
	__m128d		lo = _mm_max_pd(_mm256_castpd256_pd128(v),
								_mm256_extractf128_pd(v, 1));

	return _mm_cvtsd_f64(_mm_max_sd(lo, _mm_unpackhi_pd(lo, lo)));
}

PC_AVX2 bool
avx2_prob_sumsq(const double *x, int n, double *sumsq)
{
	__m256d		s0 = _mm256_setzero_pd(),
				s1 = _mm256_setzero_pd(),
				s2 = _mm256_setzero_pd(),
				s3 = _mm256_setzero_pd();
	__m256d		mn = _mm256_setzero_pd(),
				mx = _mm256_setzero_pd();
	double		s;
	bool		ok;
	int			i = 0;

	for (; i + 16 <= n; i += 16)
	{
		__m256d		a = _mm256_loadu_pd(x + i);
		__m256d		b = _mm256_loadu_pd(x + i + 4);
		__m256d		c = _mm256_loadu_pd(x + i + 8);
		__m256d		d = _mm256_loadu_pd(x + i + 12);

		s0 = _mm256_fmadd_pd(a, a, s0);
		s1 = _mm256_fmadd_pd(b, b, s1);
		s2 = _mm256_fmadd_pd(c, c, s2);
		s3 = _mm256_fmadd_pd(d, d, s3);
		mn = _mm256_min_pd(mn, _mm256_min_pd(_mm256_min_pd(a, b),
											 _mm256_min_pd(c, d)));
		mx = _mm256_max_pd(mx, _mm256_max_pd(_mm256_max_pd(a, b),
											 _mm256_max_pd(c, d)));
	}
	for (; i + 4 <= n; i += 4)
	{
		__m256d		a = _mm256_loadu_pd(x + i);

		s0 = _mm256_fmadd_pd(a, a, s0);
		mn = _mm256_min_pd(mn, a);
		mx = _mm256_max_pd(mx, a);
	}
	if (i < n)
	{
		__m256d		a = _mm256_maskload_pd(x + i, avx2_tail_mask(n - i));

		s1 = _mm256_fmadd_pd(a, a, s1);
		mn = _mm256_min_pd(mn, a);
		mx = _mm256_max_pd(mx, a);
	}
	s = avx2_hsum(_mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3)));

	/*
	 * min/max drop NaN operands, but every square is >= 0, so a NaN makes
	 * the sum NaN and nothing else can.  (The initial 0.0 in mn and mx
	 * cannot turn an invalid verdict into a valid one.)  The range is
	 * tested lane by lane, with no horizontal min or max.
	 */
	ok = (s == s) &&
		_mm256_movemask_pd(_mm256_or_pd(_mm256_cmp_pd(mn, _mm256_setzero_pd(), _CMP_LT_OQ),
										_mm256_cmp_pd(mx, _mm256_set1_pd(1.0), _CMP_GT_OQ))) == 0;
	*sumsq = s;
#ifdef USE_ASSERT_CHECKING
	PC_KCHECK(pc_check_sumsq(x, n, ok, s), "avx2 prob_sumsq");
#endif
	return ok;
}

PC_AVX2 bool
avx2_prob_argmax(const double *x, int n, int *idx, double *max)
{
	__m256d		m0 = _mm256_setzero_pd(),
				m1 = _mm256_setzero_pd();
	__m256d		mn = _mm256_setzero_pd();
	__m256d		nan = _mm256_setzero_pd();
	__m256d		vm;
	double		m;
	bool		ok;
	int			i = 0;
	int			best = 0;

	if (n <= 0)
	{
		*idx = 0;
		*max = 0.0;
		return true;
	}
	if (n > 12 && n <= 16)
	{
		/*
		 * four vectors, the last zero-padded (padding cannot raise a valid
		 * maximum, and lies after every real element); no loop and no
		 * branch on where the maximum is
		 */
		__m256d		a = _mm256_loadu_pd(x);
		__m256d		b = _mm256_loadu_pd(x + 4);
		__m256d		c = _mm256_loadu_pd(x + 8);
		__m256d		d = _mm256_maskload_pd(x + 12, avx2_tail_mask(n - 12));
		__m256d		zero = _mm256_setzero_pd();

		/* NGE_UQ: below 0 or NaN */
		ok = _mm256_movemask_pd(_mm256_or_pd(_mm256_or_pd(_mm256_cmp_pd(a, zero, _CMP_NGE_UQ),
														  _mm256_cmp_pd(b, zero, _CMP_NGE_UQ)),
											 _mm256_or_pd(_mm256_cmp_pd(c, zero, _CMP_NGE_UQ),
														  _mm256_cmp_pd(d, zero, _CMP_NGE_UQ)))) == 0;
		m = avx2_hmax(_mm256_max_pd(_mm256_max_pd(a, b), _mm256_max_pd(c, d)));
		ok = ok && m <= 1.0;
		if (ok)
		{
			vm = _mm256_set1_pd(m);
			best = __builtin_ctz((unsigned) _mm256_movemask_pd(_mm256_cmp_pd(a, vm, _CMP_EQ_OQ)) |
								 ((unsigned) _mm256_movemask_pd(_mm256_cmp_pd(b, vm, _CMP_EQ_OQ)) << 4) |
								 ((unsigned) _mm256_movemask_pd(_mm256_cmp_pd(c, vm, _CMP_EQ_OQ)) << 8) |
								 ((unsigned) _mm256_movemask_pd(_mm256_cmp_pd(d, vm, _CMP_EQ_OQ)) << 12));
		}
		*idx = best;
		*max = x[best];
#ifdef USE_ASSERT_CHECKING
		PC_KCHECK(pc_check_argmax(x, n, ok, *idx, *max), "avx2 prob_argmax");
#endif
		return ok;
	}

	/* pass 1: maximum, minimum and NaN test */
	for (; i + 16 <= n; i += 16)
	{
		__m256d		a = _mm256_loadu_pd(x + i);
		__m256d		b = _mm256_loadu_pd(x + i + 4);
		__m256d		c = _mm256_loadu_pd(x + i + 8);
		__m256d		d = _mm256_loadu_pd(x + i + 12);

		m0 = _mm256_max_pd(m0, _mm256_max_pd(a, b));
		m1 = _mm256_max_pd(m1, _mm256_max_pd(c, d));
		mn = _mm256_min_pd(mn, _mm256_min_pd(_mm256_min_pd(a, b),
											 _mm256_min_pd(c, d)));
		nan = _mm256_or_pd(nan, _mm256_or_pd(_mm256_cmp_pd(a, b, _CMP_UNORD_Q),
											 _mm256_cmp_pd(c, d, _CMP_UNORD_Q)));
	}
	for (; i + 4 <= n; i += 4)
	{
		__m256d		a = _mm256_loadu_pd(x + i);

		m0 = _mm256_max_pd(m0, a);
		mn = _mm256_min_pd(mn, a);
		nan = _mm256_or_pd(nan, _mm256_cmp_pd(a, a, _CMP_UNORD_Q));
	}
	if (i < n)
	{
		__m256d		a = _mm256_maskload_pd(x + i, avx2_tail_mask(n - i));

		m0 = _mm256_max_pd(m0, a);
		mn = _mm256_min_pd(mn, a);
		nan = _mm256_or_pd(nan, _mm256_cmp_pd(a, a, _CMP_UNORD_Q));
	}
	m = avx2_hmax(_mm256_max_pd(m0, m1));
	ok = _mm256_movemask_pd(_mm256_or_pd(nan, _mm256_cmp_pd(mn, _mm256_setzero_pd(),
															  _CMP_LT_OQ))) == 0 &&
		m <= 1.0;

	/*
	 * pass 2: the first element equal to the maximum.  For valid input
	 * the maximum is >= 0, so the zero padding of pass 1 did not change
	 * it, and it is found; the scalar loop's strict ">" also stops at the
	 * first of equal elements (-0.0 == 0.0 in both).
	 */
	if (ok)
	{
		vm = _mm256_set1_pd(m);
		best = -1;
		for (i = 0; i + 4 <= n; i += 4)
		{
			int			bits = _mm256_movemask_pd(
												  _mm256_cmp_pd(_mm256_loadu_pd(x + i), vm, _CMP_EQ_OQ));

			if (bits)
			{
				best = i + __builtin_ctz(bits);
				break;
			}
		}
		if (best < 0)
		{
			for (; i < n; i++)
				if (x[i] == m)
				{
					best = i;
					break;
				}
		}
		if (best < 0)
			best = 0;			/* cannot happen */
	}
	*idx = best;
	*max = x[best];
#ifdef USE_ASSERT_CHECKING
	PC_KCHECK(pc_check_argmax(x, n, ok, *idx, *max), "avx2 prob_argmax");
#endif
	return ok;
}

PC_AVX2 void
avx2_add(double *restrict dst, const double *restrict src, int n)
{
	int			i = 0;

#ifdef USE_ASSERT_CHECKING
	double		before[64];
	int			nc = n < 64 ? n : 64;

	for (int j = 0; j < nc; j++)
		before[j] = dst[j];
#endif

	for (; i + 16 <= n; i += 16)
	{
		__m256d		a = _mm256_add_pd(_mm256_loadu_pd(dst + i),
									  _mm256_loadu_pd(src + i));
		__m256d		b = _mm256_add_pd(_mm256_loadu_pd(dst + i + 4),
									  _mm256_loadu_pd(src + i + 4));
		__m256d		c = _mm256_add_pd(_mm256_loadu_pd(dst + i + 8),
									  _mm256_loadu_pd(src + i + 8));
		__m256d		d = _mm256_add_pd(_mm256_loadu_pd(dst + i + 12),
									  _mm256_loadu_pd(src + i + 12));

		_mm256_storeu_pd(dst + i, a);
		_mm256_storeu_pd(dst + i + 4, b);
		_mm256_storeu_pd(dst + i + 8, c);
		_mm256_storeu_pd(dst + i + 12, d);
	}
	for (; i + 4 <= n; i += 4)
		_mm256_storeu_pd(dst + i, _mm256_add_pd(_mm256_loadu_pd(dst + i),
												_mm256_loadu_pd(src + i)));
	if (i < n)
	{
		__m256i		mask = avx2_tail_mask(n - i);

		_mm256_maskstore_pd(dst + i, mask,
							_mm256_add_pd(_mm256_maskload_pd(dst + i, mask),
										  _mm256_maskload_pd(src + i, mask)));
	}
#ifdef USE_ASSERT_CHECKING
	/* the first elements only: the check must stay cheap */
	for (int j = 0; j < nc; j++)
	{
		double		want = before[j] + src[j];

		PC_KCHECK(dst[j] == want || (dst[j] != dst[j] && want != want),
				  "avx2 add");
	}
#endif
}

/* 2^k for integral k in [-1022, 1023] held as doubles */
PC_AVX2 static inline __m256d
avx2_pow2i(__m256d k)
{
	/*
	 * k + 1023 + 2^52 has the integer k + 1023 in its low mantissa bits;
	 * shifting those into the exponent field gives 2^k.
	 */
	__m256d		t = _mm256_add_pd(k, _mm256_set1_pd(1023.0 + 0x1p52));

	return _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_castpd_si256(t), 52));
}

PC_AVX2 static inline __m256d
avx2_exp4(__m256d x)
{
	__m256d		k,
				r,
				r2,
				q,
				qe,
				qo,
				k1,
				p;

	/* clamp; NaN passes because min/max return the second operand then */
	x = _mm256_min_pd(_mm256_set1_pd(PC_EXP_HI), x);
	x = _mm256_max_pd(_mm256_set1_pd(PC_EXP_LO), x);

	k = _mm256_round_pd(_mm256_mul_pd(x, _mm256_set1_pd(PC_LOG2E)),
						_MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
	r = _mm256_fnmadd_pd(k, _mm256_set1_pd(PC_LN2_HI), x);
	r = _mm256_fnmadd_pd(k, _mm256_set1_pd(PC_LN2_LO), r);

	/*
	 * q = C2 + C3 r + ... + C13 r^11 as its even and odd halves in r^2,
	 * two independent Horner chains of half the length
	 */
	r2 = _mm256_mul_pd(r, r);
	qe = _mm256_set1_pd(PC_C12);
	qo = _mm256_set1_pd(PC_C13);
	qe = _mm256_fmadd_pd(qe, r2, _mm256_set1_pd(PC_C10));
	qo = _mm256_fmadd_pd(qo, r2, _mm256_set1_pd(PC_C11));
	qe = _mm256_fmadd_pd(qe, r2, _mm256_set1_pd(PC_C8));
	qo = _mm256_fmadd_pd(qo, r2, _mm256_set1_pd(PC_C9));
	qe = _mm256_fmadd_pd(qe, r2, _mm256_set1_pd(PC_C6));
	qo = _mm256_fmadd_pd(qo, r2, _mm256_set1_pd(PC_C7));
	qe = _mm256_fmadd_pd(qe, r2, _mm256_set1_pd(PC_C4));
	qo = _mm256_fmadd_pd(qo, r2, _mm256_set1_pd(PC_C5));
	qe = _mm256_fmadd_pd(qe, r2, _mm256_set1_pd(PC_C2));
	qo = _mm256_fmadd_pd(qo, r2, _mm256_set1_pd(PC_C3));
	q = _mm256_fmadd_pd(qo, r, qe);
	/* exp(r) = 1 + (r + r^2 q), the small part summed first */
	p = _mm256_fmadd_pd(q, r2, r);
	p = _mm256_add_pd(p, _mm256_set1_pd(1.0));

	/*
	 * k is in [-1077, 1025]; scale by 2^k1 * 2^k2 with k1 = floor(k / 2),
	 * both halves representable, so the product rounds once, correctly
	 * into the denormals or to +Infinity.
	 */
	k1 = _mm256_floor_pd(_mm256_mul_pd(k, _mm256_set1_pd(0.5)));
	p = _mm256_mul_pd(p, avx2_pow2i(k1));
	return _mm256_mul_pd(p, avx2_pow2i(_mm256_sub_pd(k, k1)));
}

PC_AVX2 static void
avx2_exp(const double *x, double *y, int n)
{
	int			i = 0;

	for (; i + 8 <= n; i += 8)
	{
		__m256d		a = avx2_exp4(_mm256_loadu_pd(x + i));
		__m256d		b = avx2_exp4(_mm256_loadu_pd(x + i + 4));

		_mm256_storeu_pd(y + i, a);
		_mm256_storeu_pd(y + i + 4, b);
	}
	for (; i + 4 <= n; i += 4)
		_mm256_storeu_pd(y + i, avx2_exp4(_mm256_loadu_pd(x + i)));
	if (i < n)
	{
		__m256i		mask = avx2_tail_mask(n - i);

		_mm256_maskstore_pd(y + i, mask,
							avx2_exp4(_mm256_maskload_pd(x + i, mask)));
	}
#ifdef USE_ASSERT_CHECKING
	if (x != y)
		PC_KCHECK(pc_check_exp(x, y, n < 64 ? n : 64), "avx2 exp");
#endif
}

/* log1p(e) for e in [0, 1]; see PC_ATANH_TERMS */
PC_AVX2 static inline __m256d
avx2_log1p_unit4(__m256d e)
{
	__m256d		t = _mm256_div_pd(e, _mm256_add_pd(e, _mm256_set1_pd(2.0)));
	__m256d		t2 = _mm256_mul_pd(t, t);
	__m256d		tt = _mm256_add_pd(t, t);
	__m256d		t4 = _mm256_mul_pd(t2, t2);
	__m256d		qe = _mm256_set1_pd(pc_atanh_coef[PC_ATANH_TERMS - 2]);
	__m256d		qo = _mm256_set1_pd(pc_atanh_coef[PC_ATANH_TERMS - 1]);
	__m256d		q;

	/* even and odd halves in t^4, as in the exp polynomial */
	for (int k = PC_ATANH_TERMS - 4; k >= 0; k -= 2)
	{
		qe = _mm256_fmadd_pd(qe, t4, _mm256_set1_pd(pc_atanh_coef[k]));
		qo = _mm256_fmadd_pd(qo, t4, _mm256_set1_pd(pc_atanh_coef[k + 1]));
	}
	q = _mm256_fmadd_pd(qo, t2, qe);
	/* 2t + 2t * t^2 * q, the small part added last */
	return _mm256_fmadd_pd(_mm256_mul_pd(tt, t2), q, tt);
}

PC_AVX2 double
avx2_pairs_binary(int64_t m, const int32_t *i, const int32_t *j,
				  const double *a, const double *b,
				  const double *s, double offset,
				  double *g, double *h, double *prob)
{
	const __m256d zero = _mm256_setzero_pd();
	const __m256d one = _mm256_set1_pd(1.0);
	const __m256d sign = _mm256_set1_pd(-0.0);
	const __m256d off = _mm256_set1_pd(offset);
	__m256d		acc0 = zero,
				acc1 = zero;
	double		ll;
	int64_t		k = 0;

	for (; k + 4 <= m; k += 4)
	{
		/* plain loads: measured faster than vgatherdpd here */
		__m256d		si = _mm256_set_pd(s[i[k + 3]], s[i[k + 2]], s[i[k + 1]], s[i[k]]);
		__m256d		sj = _mm256_set_pd(s[j[k + 3]], s[j[k + 2]], s[j[k + 1]], s[j[k]]);
		__m256d		d = _mm256_add_pd(_mm256_sub_pd(si, sj), off);
		__m256d		e = avx2_exp4(_mm256_or_pd(d, sign));	/* exp(-|d|) */
		__m256d		l1 = avx2_log1p_unit4(e);
		__m256d		ge = _mm256_cmp_pd(d, zero, _CMP_GE_OQ);
		__m256d		p = _mm256_div_pd(_mm256_blendv_pd(e, one, ge),
									  _mm256_add_pd(one, e));
		/* d >= 0: log p = -l1, log q = -d - l1; else d - l1 and -l1 */
		__m256d		logp = _mm256_sub_pd(_mm256_min_pd(d, zero), l1);
		__m256d		logq = _mm256_sub_pd(_mm256_xor_pd(_mm256_max_pd(d, zero), sign), l1);
		__m256d		va = _mm256_loadu_pd(a + k);
		__m256d		vb = _mm256_loadu_pd(b + k);
		__m256d		nk = _mm256_add_pd(va, vb);
		__m256d		np = _mm256_mul_pd(nk, p);

		if (k & 4)
			acc1 = _mm256_add_pd(acc1, _mm256_fmadd_pd(va, logp, _mm256_mul_pd(vb, logq)));
		else
			acc0 = _mm256_add_pd(acc0, _mm256_fmadd_pd(va, logp, _mm256_mul_pd(vb, logq)));
		_mm256_storeu_pd(g + k, _mm256_sub_pd(va, np));
		_mm256_storeu_pd(h + k, _mm256_mul_pd(np, _mm256_sub_pd(one, p)));
		if (prob)
			_mm256_storeu_pd(prob + k, p);
	}
	ll = avx2_hsum(_mm256_add_pd(acc0, acc1));
	/* the last pairs, fewer than a vector */
	if (k < m)
		ll += pc_kernels_scalar.pairs_binary(m - k, i + k, j + k, a + k, b + k,
											 s, offset, g + k, h + k,
											 prob ? prob + k : NULL);
#ifdef USE_ASSERT_CHECKING
	PC_KCHECK(pc_check_pairs(m, i, j, a, b, s, offset, g, h, prob, ll),
			  "avx2 pairs_binary");
#endif
	return ll;
}

/*
 * erfcx(x) = exp(x^2) erfc(x) for 0 <= x <= 7.1: the Chebyshev series of
 * kernels.c in s = A (x - K) / (x + K) + B, by Clenshaw's recurrence.
 */
PC_AVX2 static inline __m256d
avx2_erfcx4(__m256d x)
{
	__m256d		k = _mm256_set1_pd(PC_ERFCX_K);
	__m256d		s = _mm256_fmadd_pd(_mm256_set1_pd(PC_ERFCX_A),
									_mm256_div_pd(_mm256_sub_pd(x, k),
												  _mm256_add_pd(x, k)),
									_mm256_set1_pd(PC_ERFCX_B));
	__m256d		s2 = _mm256_add_pd(s, s);
	__m256d		b1 = _mm256_setzero_pd(),
				b2 = _mm256_setzero_pd();

	for (int j = PC_ERFCX_TERMS - 1; j >= 1; j--)
	{
		__m256d		b0 = _mm256_add_pd(_mm256_fmsub_pd(s2, b1, b2),
									   _mm256_set1_pd(pc_erfcx_cheb[j]));

		b2 = b1;
		b1 = b0;
	}
	return _mm256_add_pd(_mm256_fmsub_pd(s, b1, b2),
						 _mm256_set1_pd(pc_erfcx_cheb[0]));
}

/* four images of smooth_node (kernels.h) into the accumulators */
PC_AVX2 static inline void
avx2_smooth4(__m256d t, __m256d inv, __m256d c, __m256d r, __m256d d,
			 __m256d *h, __m256d *psi, __m256d *m2)
{
	__m256d		sign = _mm256_set1_pd(-0.0);
	__m256d		u = _mm256_mul_pd(_mm256_sub_pd(t, c), inv);
	__m256d		a = _mm256_andnot_pd(sign, u);
	/* exp(-0.5 u u) with the scalar twin's roundings of its argument */
	__m256d		g = avx2_exp4(_mm256_mul_pd(_mm256_mul_pd(_mm256_set1_pd(-0.5), u), u));
	__m256d		e = _mm256_mul_pd(_mm256_mul_pd(g, _mm256_set1_pd(PC_INV_SQRT_2PI)), inv);
	/* Phi(-|u|) = erfc(|u| / sqrt 2) / 2 = exp(-u^2 / 2) erfcx(...) / 2 */
	__m256d		q = _mm256_mul_pd(_mm256_mul_pd(_mm256_set1_pd(0.5), g),
								  avx2_erfcx4(_mm256_mul_pd(a, _mm256_set1_pd(M_SQRT1_2))));
	__m256d		z = _mm256_max_pd(_mm256_sub_pd(a, _mm256_set1_pd(1.0 / PC_SMOOTH_CELLS_PER_SIGMA)),
								  _mm256_setzero_pd());
	__m256d		zz = _mm256_mul_pd(z, z);
	__m256d		ez = _mm256_mul_pd(avx2_exp4(_mm256_mul_pd(_mm256_set1_pd(-0.5), zz)),
								   _mm256_set1_pd(PC_INV_SQRT_2PI));
	__m256d		sq3 = _mm256_set1_pd(PC_ENV_SQRT3);
	__m256d		e2,
				e3;

	/* q < 0 where u >= 0 */
	q = _mm256_xor_pd(q, _mm256_and_pd(sign, _mm256_cmp_pd(u, _mm256_setzero_pd(), _CMP_GE_OQ)));
	*h = _mm256_add_pd(*h, _mm256_fmadd_pd(r, e, _mm256_mul_pd(_mm256_mul_pd(_mm256_mul_pd(d, u), inv), e)));
	*psi = _mm256_add_pd(*psi, _mm256_fmsub_pd(r, q, _mm256_mul_pd(d, e)));

	/* the envelopes (kernels.c): constants below the last maximum */
	e2 = _mm256_mul_pd(_mm256_sub_pd(zz, _mm256_set1_pd(1.0)), ez);
	e2 = _mm256_blendv_pd(e2, _mm256_set1_pd(PC_ENV2_C1), _mm256_cmp_pd(z, sq3, _CMP_LT_OQ));
	e2 = _mm256_blendv_pd(e2, _mm256_set1_pd(PC_ENV2_C0),
						  _mm256_cmp_pd(z, _mm256_set1_pd(PC_ENV_T1), _CMP_LT_OQ));
	e3 = _mm256_mul_pd(_mm256_mul_pd(_mm256_sub_pd(zz, _mm256_set1_pd(3.0)), z), ez);
	e3 = _mm256_blendv_pd(e3, _mm256_set1_pd(PC_ENV3_C1),
						  _mm256_cmp_pd(z, _mm256_set1_pd(PC_ENV_T3), _CMP_LT_OQ));
	e3 = _mm256_blendv_pd(e3, _mm256_set1_pd(PC_ENV3_C0), _mm256_cmp_pd(z, sq3, _CMP_LT_OQ));
	*m2 = _mm256_add_pd(*m2,
						_mm256_mul_pd(_mm256_fmadd_pd(_mm256_andnot_pd(sign, r), e2,
													  _mm256_mul_pd(_mm256_mul_pd(_mm256_andnot_pd(sign, d), inv), e3)),
									  inv));
}

PC_AVX2 static void
avx2_smooth_node(const double *c, const double *r, const double *d, int n,
				 double t, double inv, double out[3])
{
	__m256d		vt = _mm256_set1_pd(t),
				vinv = _mm256_set1_pd(inv);
	__m256d		h = _mm256_setzero_pd(),
				psi = _mm256_setzero_pd(),
				m2 = _mm256_setzero_pd();
	int			k = 0;

	for (; k + 4 <= n; k += 4)
		avx2_smooth4(vt, vinv, _mm256_loadu_pd(c + k), _mm256_loadu_pd(r + k),
					 _mm256_loadu_pd(d + k), &h, &psi, &m2);
	if (k < n)
	{
		/* the missing images: centre t (u = 0), no charge */
		__m256i		mask = avx2_tail_mask(n - k);

		avx2_smooth4(vt, vinv,
					 _mm256_blendv_pd(vt, _mm256_maskload_pd(c + k, mask),
									  _mm256_castsi256_pd(mask)),
					 _mm256_maskload_pd(r + k, mask),
					 _mm256_maskload_pd(d + k, mask), &h, &psi, &m2);
	}
	out[0] = avx2_hsum(h);
	out[1] = avx2_hsum(psi);
	out[2] = avx2_hsum(m2);
#ifdef USE_ASSERT_CHECKING
	PC_KCHECK(pc_check_smooth(c, r, d, n, t, inv, out), "avx2 smooth_node");
#endif
}

/*
 * Four dot products sharing x: two vectors of x a step, so eight
 * accumulators (two per output) keep both FMA pipes busy.  From 32
 * elements a masked head first brings x to a 32-byte boundary: when the y are congruent to x
 * (matrix rows of a padded stride, as bt_solve.c lays them out) no load
 * of the loop then straddles a cache line, which otherwise cost a third
 * of the kernel's speed.  Head and tail are masked loads, which read
 * nothing outside the arrays.
 */
PC_AVX2 void
avx2_dot4(const double *x, const double *y0, const double *y1,
		  const double *y2, const double *y3, int n, double out[4])
{
	__m256d		a0 = _mm256_setzero_pd(),
				a1 = _mm256_setzero_pd(),
				a2 = _mm256_setzero_pd(),
				a3 = _mm256_setzero_pd(),
				b0 = _mm256_setzero_pd(),
				b1 = _mm256_setzero_pd(),
				b2 = _mm256_setzero_pd(),
				b3 = _mm256_setzero_pd();
	int			k = 0;

	/* below 32 elements the head costs more than it saves */
	if (n >= 32)
		k = (int) (((-(uintptr_t) x) & 31) / sizeof(double));
	if (k > 0)
	{
		__m256i		mask = avx2_tail_mask(k);
		__m256d		xa = _mm256_maskload_pd(x, mask);

		a0 = _mm256_mul_pd(xa, _mm256_maskload_pd(y0, mask));
		a1 = _mm256_mul_pd(xa, _mm256_maskload_pd(y1, mask));
		a2 = _mm256_mul_pd(xa, _mm256_maskload_pd(y2, mask));
		a3 = _mm256_mul_pd(xa, _mm256_maskload_pd(y3, mask));
	}
	for (; k + 8 <= n; k += 8)
	{
		__m256d		xa = _mm256_loadu_pd(x + k);
		__m256d		xb = _mm256_loadu_pd(x + k + 4);

		a0 = _mm256_fmadd_pd(xa, _mm256_loadu_pd(y0 + k), a0);
		a1 = _mm256_fmadd_pd(xa, _mm256_loadu_pd(y1 + k), a1);
		a2 = _mm256_fmadd_pd(xa, _mm256_loadu_pd(y2 + k), a2);
		a3 = _mm256_fmadd_pd(xa, _mm256_loadu_pd(y3 + k), a3);
		b0 = _mm256_fmadd_pd(xb, _mm256_loadu_pd(y0 + k + 4), b0);
		b1 = _mm256_fmadd_pd(xb, _mm256_loadu_pd(y1 + k + 4), b1);
		b2 = _mm256_fmadd_pd(xb, _mm256_loadu_pd(y2 + k + 4), b2);
		b3 = _mm256_fmadd_pd(xb, _mm256_loadu_pd(y3 + k + 4), b3);
	}
	for (; k + 4 <= n; k += 4)
	{
		__m256d		xa = _mm256_loadu_pd(x + k);

		a0 = _mm256_fmadd_pd(xa, _mm256_loadu_pd(y0 + k), a0);
		a1 = _mm256_fmadd_pd(xa, _mm256_loadu_pd(y1 + k), a1);
		a2 = _mm256_fmadd_pd(xa, _mm256_loadu_pd(y2 + k), a2);
		a3 = _mm256_fmadd_pd(xa, _mm256_loadu_pd(y3 + k), a3);
	}
	if (k < n)
	{
		__m256i		mask = avx2_tail_mask(n - k);
		__m256d		xb = _mm256_maskload_pd(x + k, mask);

		b0 = _mm256_fmadd_pd(xb, _mm256_maskload_pd(y0 + k, mask), b0);
		b1 = _mm256_fmadd_pd(xb, _mm256_maskload_pd(y1 + k, mask), b1);
		b2 = _mm256_fmadd_pd(xb, _mm256_maskload_pd(y2 + k, mask), b2);
		b3 = _mm256_fmadd_pd(xb, _mm256_maskload_pd(y3 + k, mask), b3);
	}
	out[0] = avx2_hsum(_mm256_add_pd(a0, b0));
	out[1] = avx2_hsum(_mm256_add_pd(a1, b1));
	out[2] = avx2_hsum(_mm256_add_pd(a2, b2));
	out[3] = avx2_hsum(_mm256_add_pd(a3, b3));
#ifdef USE_ASSERT_CHECKING
	PC_KCHECK(pc_check_dot4(x, y0, y1, y2, y3, n, out), "avx2 dot4");
#endif
}

/* the replicate loop: a record is two vectors */
PC_AVX2 static void
avx2_rep_add(double *restrict acc, const double *restrict k, int n,
			 const double *restrict v)
{
	__m256d		v0 = _mm256_loadu_pd(v);
	__m256d		v1 = _mm256_loadu_pd(v + 4);

	for (int b = 0; b < n; b++)
	{
		double	   *a = acc + (size_t) b * PC_REP_REC;
		__m256d		kb = _mm256_broadcast_sd(k + b);

		_mm256_storeu_pd(a, _mm256_fmadd_pd(kb, v0, _mm256_loadu_pd(a)));
		_mm256_storeu_pd(a + 4, _mm256_fmadd_pd(kb, v1, _mm256_loadu_pd(a + 4)));
	}
}

/* a * b mod 2^64 per lane, from 32-bit products (b_hi = b >> 32) */
PC_AVX2 static inline __m256i
avx2_mullo64(__m256i a, __m256i b, __m256i b_hi)
{
	__m256i		lo = _mm256_mul_epu32(a, b);
	__m256i		cross = _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(a, 32), b),
										 _mm256_mul_epu32(a, b_hi));

	return _mm256_add_epi64(lo, _mm256_slli_epi64(cross, 32));
}

/*
 * The replicate weights, four lanes: the 53-bit x is below 2^63, so the
 * signed comparison x > t - 1 is x >= t; the count (at most 17) becomes a
 * double through the 2^52 trick.
 */
PC_AVX2 static void
avx2_poisson1(uint64_t kh, int n, double *k)
{
	const __m256i m1 = _mm256_set1_epi64x((int64_t) PC_MIX_M1);
	const __m256i m1h = _mm256_set1_epi64x((int64_t) (PC_MIX_M1 >> 32));
	const __m256i m2 = _mm256_set1_epi64x((int64_t) PC_MIX_M2);
	const __m256i m2h = _mm256_set1_epi64x((int64_t) (PC_MIX_M2 >> 32));
	const __m256i step = _mm256_set1_epi64x((int64_t) (4 * PC_GOLDEN));
	const __m256i magic = _mm256_set1_epi64x(0x4330000000000000);	/* 2^52 */
	__m256i		t[PC_POISSON1_NT];
	__m256i		z0 = _mm256_set_epi64x((int64_t) (kh + 4 * PC_GOLDEN),
									   (int64_t) (kh + 3 * PC_GOLDEN),
									   (int64_t) (kh + 2 * PC_GOLDEN),
									   (int64_t) (kh + PC_GOLDEN));
	int			b = 0;

	for (int j = 0; j < PC_POISSON1_NT; j++)
		t[j] = _mm256_set1_epi64x((int64_t) pc_poisson1_t[j] - 1);
	for (; b + 4 <= n; b += 4)
	{
		__m256i		z = z0;
		__m256i		cnt;
		__m256i		ge;

		z0 = _mm256_add_epi64(z0, step);
		z = _mm256_xor_si256(z, _mm256_srli_epi64(z, 30));
		z = avx2_mullo64(z, m1, m1h);
		z = _mm256_xor_si256(z, _mm256_srli_epi64(z, 27));
		z = avx2_mullo64(z, m2, m2h);
		z = _mm256_xor_si256(z, _mm256_srli_epi64(z, 31));
		z = _mm256_srli_epi64(z, 11);
		cnt = _mm256_sub_epi64(_mm256_setzero_si256(), _mm256_cmpgt_epi64(z, t[0]));
		cnt = _mm256_sub_epi64(cnt, _mm256_cmpgt_epi64(z, t[1]));
		cnt = _mm256_sub_epi64(cnt, _mm256_cmpgt_epi64(z, t[2]));
		ge = _mm256_cmpgt_epi64(z, t[3]);
		cnt = _mm256_sub_epi64(cnt, ge);
		for (int j = 4; j < PC_POISSON1_NT && !_mm256_testz_si256(ge, ge); j++)
		{
			ge = _mm256_cmpgt_epi64(z, t[j]);
			cnt = _mm256_sub_epi64(cnt, ge);
		}
		_mm256_storeu_pd(k + b,
						 _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(cnt, magic)),
									   _mm256_castsi256_pd(magic)));
	}
	for (; b < n; b++)
		k[b] = (double) pc_poisson1_at(kh, b);
}

const PcKernels pc_kernels_avx2 = {
	"avx2",
	avx2_prob_sumsq,
	avx2_prob_argmax,
	avx2_add,
	avx2_exp,
	avx2_pairs_binary,
	avx2_smooth_node,
	avx2_dot4,
	avx2_rep_add,
	avx2_poisson1,
};

#endif							/* __x86_64__ && PC_X86_SIMD */
