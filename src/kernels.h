/*-------------------------------------------------------------------------
 *
 * kernels.h
 *	  The numeric kernels behind prefcal's hot loops, as a table of
 *	  function pointers chosen once per backend by CPU (scalar, AVX2+FMA,
 *	  AVX-512; NEON at compile time on aarch64) and by the prefcal.simd
 *	  setting.  Every kernel has a scalar reference (kernels.c); the SIMD
 *	  twins must agree with it up to the order of floating-point sums.
 *
 * Kernels are plain C on arrays: no Datum, no palloc, no ereport.  They
 * report bad input through their return value and the caller raises the
 * error.  The kernel files (kernels.c: the table in use and the lookup
 * by level; kernels_scalar.c: the scalar reference and the cross-checks;
 * kernels_x86.c, kernels_avx2.c, kernels_avx512.c, kernels_neon.c: the
 * platforms) do not include PostgreSQL headers, so test/kernels/ can
 * build and test them alone; the prefcal.simd setting and the SQL
 * functions are in kernels_guc.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PREFCAL_KERNELS_H
#define PREFCAL_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum PcSimdLevel
{
	PC_SIMD_AUTO = -1,			/* setting only: best the CPU offers */
	PC_SIMD_SCALAR = 0,
	PC_SIMD_AVX2,
	PC_SIMD_AVX512,
	PC_SIMD_NEON
} PcSimdLevel;

#define PC_SIMD_NLEVELS 4		/* scalar .. neon */

typedef struct PcKernels
{
	const char *name;

	/*
	 * Probability vector checks and sums.  Each returns false (and leaves
	 * the outputs unspecified) when some x[i] is NaN or outside [0, 1]
	 * (-0.0 counts as inside).  For n = 0 they return true, with *sumsq =
	 * 0, *idx = 0 and *max = 0.
	 *
	 * prob_sumsq: *sumsq = sum of x[i]^2, in an unspecified order.
	 * prob_argmax: *idx = the lowest index of a largest element, *max =
	 * x[*idx] (bit for bit).
	 */
	bool		(*prob_sumsq) (const double *x, int n, double *sumsq);
	bool		(*prob_argmax) (const double *x, int n, int *idx, double *max);

	/* dst[i] += src[i] (exact: same result at every level) */
	void		(*add) (double *restrict dst, const double *restrict src, int n);

	/*
	 * y[i] = exp(x[i]); y may equal x.  Accurate to a few ulp at every
	 * level (the scalar twin is libm's exp); NaN in gives NaN out,
	 * overflow gives +Infinity, underflow 0 (or a denormal).
	 */
	void		(*exp) (const double *x, double *y, int n);

	/*
	 * The per-pair pass of a binary Bradley-Terry Newton step (the model
	 * of bt_solve.c).  For k in [0, m):
	 *
	 *	 d = (s[i[k]] - s[j[k]]) + offset,  p = 1 / (1 + exp(-d)),
	 *	 g[k] = a[k] - (a[k] + b[k]) p,  h[k] = (a[k] + b[k]) p (1 - p),
	 *	 prob[k] = p (when prob is not NULL),
	 *
	 * returning sum_k a[k] log p + b[k] log(1 - p), with p and the logs
	 * computed from e = exp(-|d|) without overflow or cancellation.  The
	 * SIMD twins agree with the scalar one within PC_PAIRS_TOL_EPS (see
	 * below); NaN in s gives NaN out.
	 */
	double		(*pairs_binary) (int64_t m, const int32_t *i, const int32_t *j,
								 const double *a, const double *b,
								 const double *s, double offset,
								 double *g, double *h, double *prob);

	/*
	 * The sums at one evaluation node t of the smooth ECE's quadrature
	 * (calib_smooth.c), over n images with centres c[k], monopoles r[k]
	 * and dipoles d[k].  With u = (t - c[k]) inv (|u| <= PC_SMOOTH_UMAX),
	 * phi the standard normal density and Phi its distribution function:
	 *
	 *	 e = phi(u) inv,  q = Phi(-|u|), negated when u >= 0,
	 *	 z = max(|u| - 1 / PC_SMOOTH_CELLS_PER_SIGMA, 0),
	 *	 out[0] = sum_k r e + d u inv e					(h)
	 *	 out[1] = sum_k r q - d e						(psi)
	 *	 out[2] = sum_k (|r| env2(z) + |d| inv env3(z)) inv
	 *
	 * env2 and env3 are monotone envelopes of the absolute second and
	 * third derivatives of phi (constants up to their last maximum, then
	 * the function itself).  The scalar twin calls libm's exp and erfc.
	 * The SIMD twins use the SIMD exp and erfc(x) = exp(-x^2) erfcx(x)
	 * with erfcx a Chebyshev series (pc_erfcx_cheb), and sum in lanes;
	 * they agree with the scalar twin within (PC_SMOOTH_TOL_EPS + n)
	 * DBL_EPSILON times the sum of the terms' magnitudes, output by
	 * output, with |q| counted at its bound 1/2 (the SIMD q is within
	 * (16 + u^2) DBL_EPSILON of libm's relative to q, more than that
	 * scale allows a lone term far in the tail).  The inputs are finite:
	 * the images come from a state's bins, whose sums are checked
	 * finite, and inv from a validated bandwidth.  For NaN or infinite
	 * inputs the outputs are not specified and may differ between levels.
	 */
	void		(*smooth_node) (const double *c, const double *r,
								const double *d, int n, double t,
								double inv, double out[3]);

	/*
	 * Four dot products sharing one vector: out[q] = sum_{k < n} x[k] yq[k]
	 * for q = 0 .. 3 (the y may be the same array; out[q] = 0 for n = 0).
	 * The blocked Cholesky factorisation and the inverse's diagonal behind
	 * the Bradley-Terry dense Newton steps and standard errors (bt_solve.c):
	 * x is read once for four columns.  The scalar twin sums in index
	 * order; the SIMD twins sum in lanes and agree with it within
	 * PC_DOT_TOL_EPS (n + 1) DBL_EPSILON sum_k |x[k] yq[k]|, output by
	 * output.  A NaN among the terms gives NaN.  When that magnitude sum
	 * overflows, the results may differ between levels.
	 */
	void		(*dot4) (const double *x, const double *y0, const double *y1,
						 const double *y2, const double *y3, int n,
						 double out[4]);

	/*
	 * The bootstrap's replicate loop (boot.h): one row's record v of
	 * PC_REP_REC values into n records of the same length, each scaled by
	 * its replicate's weight:
	 *
	 *	 acc[b * PC_REP_REC + f] = fma(k[b], v[f], acc[b * PC_REP_REC + f])
	 *
	 * for b < n, f < PC_REP_REC, with one rounding (a fused multiply-add)
	 * at every level, so every level gives the same bits.  v is finite
	 * (the caller adds an infinite log-loss term itself).
	 */
	void		(*rep_add) (double *restrict acc, const double *restrict k,
							int n, const double *restrict v);

	/*
	 * The bootstrap's replicate weights (boot.h, doc/uncertainty.md): for
	 * b < n, k[b] = pc_poisson1_at(kh, b), the Poisson(1) draw of replicate
	 * b for key hash kh, as a double (an integer 0 .. 17, the same at every
	 * level).  NEON has no 64-bit lane multiply: its table uses the scalar
	 * twin.
	 */
	void		(*poisson1) (uint64_t kh, int n, double *k);
} PcKernels;

/* doubles per record of rep_add */
#define PC_REP_REC 8

/*
 * The replicate-weight generator's constants: splitmix64's increment and
 * multipliers, and pc_poisson1_t[j] = ceil(2^53 F(j)) for the Poisson(1)
 * distribution function F, j = 0 .. 16 (kernels.c).
 */
#define PC_GOLDEN	UINT64_C(0x9e3779b97f4a7c15)
#define PC_MIX_M1	UINT64_C(0xbf58476d1ce4e5b9)
#define PC_MIX_M2	UINT64_C(0x94d049bb133111eb)
#define PC_POISSON1_NT 17
extern const uint64_t pc_poisson1_t[PC_POISSON1_NT];

/* splitmix64's output function */
static inline uint64_t
pc_mix64(uint64_t z)
{
	z ^= z >> 30;
	z *= PC_MIX_M1;
	z ^= z >> 27;
	z *= PC_MIX_M2;
	return z ^ (z >> 31);
}

/*
 * Replicate b's weight for key hash kh: the number of thresholds at or
 * below x = mix64(kh + (b + 1) PC_GOLDEN) >> 11.  The first four cover all
 * but 1.9% of draws without a branch; the rest go through the loop.
 */
static inline int
pc_poisson1_at(uint64_t kh, int b)
{
	const uint64_t *t = pc_poisson1_t;
	uint64_t	x = pc_mix64(kh + (uint64_t) (b + 1) * PC_GOLDEN) >> 11;
	int			n = (x >= t[0]) + (x >= t[1]) + (x >= t[2]) + (x >= t[3]);

	if (n == 4)
		while (n < PC_POISSON1_NT && x >= t[n])
			n++;
	return n;
}

/* the table in use; never NULL once the library is loaded */
extern const PcKernels *pc_kern;

/* every level's table, for tests and benchmarks; NULL where unsupported */
extern const PcKernels *pc_kernels_for_level(PcSimdLevel level);
extern PcSimdLevel pc_best_simd_level(void);
extern const char *pc_simd_level_name(PcSimdLevel level);

extern const PcKernels pc_kernels_scalar;

/* registered from _PG_init (kernels_guc.c) */
extern void pc_kernels_init_guc(void);

/*
 * Platform tables (kernels_x86.c, kernels_neon.c).  Each returns NULL for a
 * level it does not provide or the CPU lacks.
 */
extern const PcKernels *pc_kernels_x86(PcSimdLevel level);
extern PcSimdLevel pc_x86_best_level(void);
extern const PcKernels *pc_kernels_neon(void);

/*
 * Assert-enabled builds cross-check SIMD results against the scalar twin
 * (as PostgreSQL core does for its SIMD search loops).  On a mismatch the
 * kernels call pc_kernel_check_failed, which the server (kernels_guc.c)
 * turns into an assertion failure and the standalone test program into a
 * failed test.
 */
#ifdef USE_ASSERT_CHECKING
extern void pc_kernel_check_failed(const char *kernel, const char *file,
								   int line);

#define PC_KCHECK(cond, kernel) \
	((cond) ? (void) 0 : pc_kernel_check_failed((kernel), __FILE__, __LINE__))

extern bool pc_check_sumsq(const double *x, int n, bool ok, double sumsq);
extern bool pc_check_argmax(const double *x, int n, bool ok, int idx,
							double max);
extern bool pc_check_exp(const double *x, const double *y, int n);
#endif

/* relative error bound of the SIMD exp against libm, in units of DBL_EPSILON */
#define PC_EXP_TOL_EPS 4.0

/*
 * Tolerance of the SIMD pairs_binary against the scalar twin, in units of
 * DBL_EPSILON: per pair |dp| <= T eps, |dg| <= T eps (|a| + n),
 * |dh| <= T eps n (n = a + b), and for the returned log-likelihood
 * |dll| <= T eps (sum_k |a log p| + |b log(1 - p)| + m).  (The SIMD exp
 * and log1p differ from libm by a few ulp, and the sum is reordered.)
 */
#define PC_PAIRS_TOL_EPS 16.0

/* smooth_node: the kernel's reach in sigmas and the quadrature's cells */
#define PC_SMOOTH_UMAX 10.0
#define PC_SMOOTH_CELLS_PER_SIGMA 4.0
#define PC_SMOOTH_TOL_EPS 32.0
#define PC_INV_SQRT_2PI 0.39894228040143267794	/* 1 / sqrt(2 pi) */

/*
 * smooth_node's envelopes of |phi''| and |phi'''| (kernels.c, env2 and
 * env3), shared by every level: below each threshold the constant, from
 * the last threshold on the function itself.
 */
#define PC_ENV_T1 1.0					/* env2: 0.39895 below */
#define PC_ENV_SQRT3 1.7320508075688772 /* env2: 0.17852 below; env3: 0.55070 */
#define PC_ENV_T3 2.3344142183389773	/* env3: 0.14965 below */
#define PC_ENV2_C0 0.39895
#define PC_ENV2_C1 0.17852
#define PC_ENV3_C0 0.55070
#define PC_ENV3_C1 0.14965

/*
 * log1p(e) for e in [0, 1] (the e = exp(-|d|) of the Bradley-Terry pair
 * kernel), as every SIMD level computes it: with t = e / (2 + e) in
 * [0, 1/3], log1p(e) = 2 atanh(t) = 2t (1 + t^2/3 + t^4/5 + ...).
 * Seventeen terms leave a truncation error below 2e-18 relative; t carries
 * two roundings, so the result is within a few ulp.  NaN gives NaN; e = 0
 * gives 0.  The coefficients 1/3 .. 1/33 are a static table in each
 * file that includes this one, so the compiler sees them as constants
 * (held in another file, they cost the AVX-512 pair kernel a quarter of
 * its speed).
 */
#define PC_ATANH_TERMS 16
static const double pc_atanh_coef[PC_ATANH_TERMS] = {
	1.0 / 3, 1.0 / 5, 1.0 / 7, 1.0 / 9, 1.0 / 11, 1.0 / 13, 1.0 / 15, 1.0 / 17,
	1.0 / 19, 1.0 / 21, 1.0 / 23, 1.0 / 25, 1.0 / 27, 1.0 / 29, 1.0 / 31, 1.0 / 33,
};

/*
 * erfcx(x) = exp(x^2) erfc(x) on [0, 7.1] as a Chebyshev series in
 * s = PC_ERFCX_A (x - PC_ERFCX_K) / (x + PC_ERFCX_K) + PC_ERFCX_B
 * (test/ref/kernels/make_erfcx_cheb.py)
 */
#define PC_ERFCX_TERMS 21
#define PC_ERFCX_K 3.0
#define PC_ERFCX_A 1.4225352112676057
#define PC_ERFCX_B 0.4225352112676056
extern const double pc_erfcx_cheb[PC_ERFCX_TERMS];

/*
 * dot4: two orders of one n-term sum differ by at most about n eps times
 * its magnitude sum; the tolerance allows twice (n + 1) eps.
 */
#define PC_DOT_TOL_EPS 2.0

#ifdef USE_ASSERT_CHECKING
extern bool pc_check_dot4(const double *x, const double *y0,
						  const double *y1, const double *y2,
						  const double *y3, int n, const double out[4]);
extern bool pc_check_smooth(const double *c, const double *r,
							const double *d, int n, double t, double inv,
							const double out[3]);
extern bool pc_check_pairs(int64_t m, const int32_t *i, const int32_t *j,
						   const double *a, const double *b,
						   const double *s, double offset,
						   const double *g, const double *h,
						   const double *prob, double ll);
#endif

#endif							/* PREFCAL_KERNELS_H */
