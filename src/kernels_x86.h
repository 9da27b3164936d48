/*-------------------------------------------------------------------------
 *
 * kernels_x86.h
 *	  What the x86-64 kernel files share (kernels_x86.c: CPU detection;
 *	  kernels_avx2.c and kernels_avx512.c: the kernel tables): whether the
 *	  compiler can build the SIMD kernels, their target attributes, the
 *	  constants of the vector exp, and the AVX2 kernels that the AVX-512
 *	  table falls back on for short arrays.
 *
 * Conventions shared by the kernels:
 * Conventions shared by the kernels here:
 *	- sums run in four independent vector accumulators, so a loop is
 *	  bound by load and FMA throughput rather than by the add latency;
 *	- a tail shorter than a vector is read with a masked load (lanes
 *	  outside the array read as 0.0, which is a valid probability and adds
 *	  nothing), so no element is read twice and nothing past the end is
 *	  touched;
 *	- validity (NaN or outside [0, 1]) is decided from the running
 *	  minimum and maximum plus a NaN test, giving the same verdict as the
 *	  scalar twin's per-element comparisons;
 *	- loads are unaligned: the arrays come from PostgreSQL arrays, whose
 *	  data are 8-byte but not 32-byte aligned.
 *
 *-------------------------------------------------------------------------
 */
#ifndef KERNELS_X86_H
#define KERNELS_X86_H

#include "kernels.h"

#if defined(__x86_64__) && !defined(PREFCAL_NO_SIMD) && \
	((defined(__clang__) && __clang_major__ >= 7) || \
	 (!defined(__clang__) && defined(__GNUC__) && __GNUC__ >= 8))
#define PC_X86_SIMD 1
#endif

#ifdef PC_X86_SIMD

#include <immintrin.h>

#define PC_AVX2 __attribute__((target("avx2,fma")))
#define PC_AVX512 __attribute__((target("avx512f,avx512dq")))

/*
 * Constants for exp(x) = 2^k * exp(r), k = round(x / ln 2),
 * r = x - k ln 2, |r| <= ln 2 / 2.  ln 2 is split (Cody and Waite) so
 * that k * PC_LN2_HI is exact for |k| < 2^20; exp(r) is the Taylor
 * polynomial of degree 13, whose truncation error on |r| <= 0.347 is
 * below 5e-18 relative.  x is clamped to [PC_EXP_LO, PC_EXP_HI] first:
 * exp(PC_EXP_HI) overflows to +Infinity and exp(PC_EXP_LO) underflows to
 * 0, so the clamp changes no result and keeps k in range.  NaN passes
 * the clamp (the operand order of min/max is chosen for that) and makes
 * r, hence the result, NaN.
 */
#define PC_LOG2E	1.4426950408889634
#define PC_LN2_HI	0x1.62e42feep-1
#define PC_LN2_LO	0x1.a39ef35793c76p-33
#define PC_EXP_HI	710.0
#define PC_EXP_LO	(-746.0)
#define PC_C2	0.5
#define PC_C3	0.16666666666666666
#define PC_C4	0.041666666666666664
#define PC_C5	0.008333333333333333
#define PC_C6	0.001388888888888889
#define PC_C7	0.0001984126984126984
#define PC_C8	2.48015873015873e-05
#define PC_C9	2.7557319223985893e-06
#define PC_C10	2.755731922398589e-07
#define PC_C11	2.505210838544172e-08
#define PC_C12	2.08767569878681e-09
#define PC_C13	1.6059043836821613e-10

/* kernels_avx2.c */
extern const PcKernels pc_kernels_avx2;
PC_AVX2 extern bool avx2_prob_sumsq(const double *x, int n, double *sumsq);
PC_AVX2 extern bool avx2_prob_argmax(const double *x, int n, int *idx,
									 double *max);
PC_AVX2 extern void avx2_add(double *restrict dst, const double *restrict src,
							 int n);
PC_AVX2 extern double avx2_pairs_binary(int64_t m, const int32_t *i,
										const int32_t *j, const double *a,
										const double *b, const double *s,
										double gamma, double *g, double *h,
										double *p);
PC_AVX2 extern void avx2_dot4(const double *x, const double *y0,
							  const double *y1, const double *y2,
							  const double *y3, int n, double out[4]);

/* kernels_avx512.c */
extern const PcKernels pc_kernels_avx512;

#endif							/* PC_X86_SIMD */

#endif							/* KERNELS_X86_H */
