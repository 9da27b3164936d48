/*-------------------------------------------------------------------------
 *
 * kernels_x86.c
 *	  CPU detection for x86-64 (CPUID feature bits and, through XGETBV,
 *	  whether the OS saves the YMM/ZMM state) and the AVX2+FMA and
 *	  AVX-512 kernel tables, compiled with per-function target attributes
 *	  so the module itself needs no -m flags.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "kernels.h"

#if defined(__x86_64__) || defined(__i386__)

#include <cpuid.h>

static uint64_t
read_xcr0(void)
{
	uint32_t	eax,
				edx;

	__asm__ volatile ("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
	return ((uint64_t) edx << 32) | eax;
}

PcSimdLevel pc_x86_best_level(void);

PcSimdLevel
pc_x86_best_level(void)
{
	static int	cached = -2;
	unsigned int a,
				b,
				c,
				d;
	PcSimdLevel level = PC_SIMD_SCALAR;

	if (cached != -2)
		return (PcSimdLevel) cached;

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
	cached = (int) level;
	return level;
}

const PcKernels *pc_kernels_x86(PcSimdLevel level);

const PcKernels *
pc_kernels_x86(PcSimdLevel level)
{
	/* the AVX2 and AVX-512 tables are added with the SIMD kernels */
	return level == PC_SIMD_SCALAR ? &pc_kernels_scalar : NULL;
}

#endif							/* x86 */
