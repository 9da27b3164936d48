/*-------------------------------------------------------------------------
 *
 * kernels.c
 *	  Scalar reference kernels, CPU detection and the prefcal.simd
 *	  setting that chooses which kernel table pc_kern points at.
 *
 * The scalar kernels are written so that the compiler can vectorise them
 * at the baseline ISA; the x86 variants with target attributes live in
 * kernels_x86.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "kernels.h"
#include "utils/builtins.h"
#include "utils/guc.h"

/* ---------- scalar reference kernels ---------- */

static bool
scalar_prob_sumsq(const double *x, int n, double *sumsq)
{
	double		s = 0.0;
	bool		ok = true;

	for (int i = 0; i < n; i++)
	{
		double		v = x[i];

		/* NaN fails both comparisons */
		ok &= (v >= 0.0) & (v <= 1.0);
		s += v * v;
	}
	*sumsq = s;
	return ok;
}

static bool
scalar_prob_argmax(const double *x, int n, int *idx, double *max)
{
	bool		ok = true;
	int			best = 0;
	double		m = n > 0 ? x[0] : 0.0;

	for (int i = 0; i < n; i++)
	{
		double		v = x[i];

		ok &= (v >= 0.0) & (v <= 1.0);
		/* strict: ties keep the lowest index */
		if (v > m)
		{
			m = v;
			best = i;
		}
	}
	*idx = best;
	*max = m;
	return ok;
}

static void
scalar_add(double *restrict dst, const double *restrict src, int n)
{
	for (int i = 0; i < n; i++)
		dst[i] += src[i];
}

const PcKernels pc_kernels_scalar = {
	"scalar",
	scalar_prob_sumsq,
	scalar_prob_argmax,
	scalar_add,
};

const PcKernels *pc_kern = &pc_kernels_scalar;

/* ---------- level selection ---------- */

/* x86 tables, defined in kernels_x86.c when the compiler supports them */
extern const PcKernels *pc_kernels_x86(PcSimdLevel level);
extern PcSimdLevel pc_x86_best_level(void);

PcSimdLevel
pc_best_simd_level(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return pc_x86_best_level();
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
#if defined(__x86_64__) || defined(__i386__)
	if (level > pc_best_simd_level())
		return NULL;
	return pc_kernels_x86(level);
#else
	return NULL;
#endif
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

static int	pc_simd_setting = PC_SIMD_AUTO;

static const struct config_enum_entry simd_options[] = {
	{"auto", PC_SIMD_AUTO, false},
	{"scalar", PC_SIMD_SCALAR, false},
	{"avx2", PC_SIMD_AVX2, false},
	{"avx512", PC_SIMD_AVX512, false},
	{NULL, 0, false}
};

static bool
check_simd(int *newval, void **extra, GucSource source)
{
	if (*newval == PC_SIMD_AUTO || *newval == PC_SIMD_SCALAR)
		return true;
	if (pc_kernels_for_level((PcSimdLevel) *newval) == NULL)
	{
		GUC_check_errcode(ERRCODE_FEATURE_NOT_SUPPORTED);
		GUC_check_errmsg("this CPU does not support SIMD level \"%s\"",
						 pc_simd_level_name((PcSimdLevel) *newval));
		GUC_check_errdetail("The best level this CPU supports is \"%s\".",
							pc_simd_level_name(pc_best_simd_level()));
		return false;
	}
	return true;
}

static void
assign_simd(int newval, void *extra)
{
	const PcKernels *k = pc_kernels_for_level((PcSimdLevel) newval);

	pc_kern = k ? k : &pc_kernels_scalar;
}

void
pc_kernels_init_guc(void)
{
	DefineCustomEnumVariable("prefcal.simd",
							 "Chooses the SIMD kernels prefcal uses.",
							 "\"auto\" picks the best level this CPU supports; "
							 "\"scalar\" forces the portable reference kernels.",
							 &pc_simd_setting,
							 PC_SIMD_AUTO,
							 simd_options,
							 PGC_USERSET,
							 0,
							 check_simd,
							 assign_simd,
							 NULL);
	MarkGUCPrefixReserved("prefcal");
}

/*
 * prefcal_simd_level() -> text: the kernel table in use
 */
PG_FUNCTION_INFO_V1(prefcal_simd_level);
Datum
prefcal_simd_level(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(pc_kern->name));
}
