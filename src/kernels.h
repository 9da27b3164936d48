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
 * error.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PREFCAL_KERNELS_H
#define PREFCAL_KERNELS_H

#include <stdbool.h>
#include <stdint.h>

typedef enum PcSimdLevel
{
	PC_SIMD_AUTO = -1,			/* setting only: best the CPU offers */
	PC_SIMD_SCALAR = 0,
	PC_SIMD_AVX2,
	PC_SIMD_AVX512,
	PC_SIMD_NEON
} PcSimdLevel;

typedef struct PcKernels
{
	const char *name;

	/*
	 * Probability vector checks and sums.  Each returns false (and leaves
	 * the outputs unspecified) when some x[i] is NaN or outside [0, 1].
	 */
	bool		(*prob_sumsq) (const double *x, int n, double *sumsq);
	bool		(*prob_argmax) (const double *x, int n, int *idx, double *max);

	/* dst[i] += src[i] */
	void		(*add) (double *restrict dst, const double *restrict src, int n);
} PcKernels;

/* the table in use; never NULL once the library is loaded */
extern const PcKernels *pc_kern;

/* every level's table, for tests and benchmarks; NULL where unsupported */
extern const PcKernels *pc_kernels_for_level(PcSimdLevel level);
extern PcSimdLevel pc_best_simd_level(void);
extern const char *pc_simd_level_name(PcSimdLevel level);

extern const PcKernels pc_kernels_scalar;

/* registered from _PG_init */
extern void pc_kernels_init_guc(void);

#endif							/* PREFCAL_KERNELS_H */
