/*-------------------------------------------------------------------------
 *
 * kernels.c
 *	  The kernel table in use (pc_kern, set by prefcal.simd through
 *	  kernels_guc.c) and the table lookup by SIMD level: the scalar table
 *	  (kernels_scalar.c) or a platform's (kernels_x86.c, kernels_neon.c).
 *
 * Plain C, no PostgreSQL headers (see kernels.h).
 *
 *-------------------------------------------------------------------------
 */
#include "kernels.h"

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

