/*-------------------------------------------------------------------------
 *
 * kernels_x86.c
 *	  CPU detection for x86-64 (CPUID feature bits and, through XGETBV,
 *	  whether the OS saves the YMM/ZMM state) and the choice of kernel
 *	  table by level (the tables: kernels_avx2.c, kernels_avx512.c).
 *
 * Plain C, no PostgreSQL headers (see kernels.h).  The tables exist only
 * when the compiler is known to handle target attributes with these
 * intrinsics (GCC >= 8, clang >= 7) and PREFCAL_NO_SIMD is not defined;
 * otherwise every level but scalar is reported as unsupported.
 *
 *-------------------------------------------------------------------------
 */
#include "kernels_x86.h"

#if defined(__x86_64__)

#include <cpuid.h>

/* ================= detection ================= */

#ifdef PC_X86_SIMD
static uint64_t
read_xcr0(void)
{
	uint32_t	eax,
				edx;

	__asm__ volatile ("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
	return ((uint64_t) edx << 32) | eax;
}
#endif

PcSimdLevel
pc_x86_best_level(void)
{
	static int	cached = -2;
	PcSimdLevel level = PC_SIMD_SCALAR;

	if (cached != -2)
		return (PcSimdLevel) cached;

#ifdef PC_X86_SIMD
	{
		unsigned int a,
					b,
					c,
					d;

		if (__get_cpuid(1, &a, &b, &c, &d))
		{
			bool		osxsave = (c & bit_OSXSAVE) != 0;
			bool		avx = (c & bit_AVX) != 0;
			bool		fma = (c & bit_FMA) != 0;
			uint64_t	xcr0 = osxsave ? read_xcr0() : 0;
			bool		ymm_ok = (xcr0 & 0x6) == 0x6;	/* XMM and YMM state */
			bool		zmm_ok = (xcr0 & 0xe6) == 0xe6; /* plus opmask, ZMM */

			if (osxsave && avx && fma && ymm_ok &&
				__get_cpuid_count(7, 0, &a, &b, &c, &d))
			{
				if (b & bit_AVX2)
					level = PC_SIMD_AVX2;
				if ((b & bit_AVX512F) && (b & bit_AVX512DQ) && zmm_ok &&
					level == PC_SIMD_AVX2)
					level = PC_SIMD_AVX512;
			}
		}
	}
#endif
	cached = (int) level;
	return level;
}

const PcKernels *
pc_kernels_x86(PcSimdLevel level)
{
#ifdef PC_X86_SIMD
	if (level > pc_x86_best_level())
		return NULL;
	if (level == PC_SIMD_AVX2)
		return &pc_kernels_avx2;
	if (level == PC_SIMD_AVX512)
		return &pc_kernels_avx512;
#endif
	if (level == PC_SIMD_SCALAR)
		return &pc_kernels_scalar;
	return NULL;
}

#endif							/* __x86_64__ */

