/*-------------------------------------------------------------------------
 *
 * kernels_guc.c
 *	  The prefcal.simd setting, which chooses the kernel table pc_kern
 *	  points at, and the SQL functions that report the levels.
 *
 * The kernels themselves are plain C (kernels.c, kernels_x86.c,
 * kernels_neon.c); this file is their PostgreSQL glue.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "kernels.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"

static int	pc_simd_setting = PC_SIMD_AUTO;

static const struct config_enum_entry simd_options[] = {
	{"auto", PC_SIMD_AUTO, false},
	{"scalar", PC_SIMD_SCALAR, false},
	{"avx2", PC_SIMD_AVX2, false},
	{"avx512", PC_SIMD_AVX512, false},
	/* hidden: keeps the error hint the same on every platform */
	{"neon", PC_SIMD_NEON, true},
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

#ifdef USE_ASSERT_CHECKING
/* a SIMD kernel disagreed with its scalar twin: an assertion failure */
void
pc_kernel_check_failed(const char *kernel, const char *file, int line)
{
#if PG_VERSION_NUM >= 160000
	ExceptionalCondition(kernel, file, line);
#else
	ExceptionalCondition(kernel, "SIMD kernel disagrees with its scalar twin",
						 file, line);
#endif
}
#endif

/*
 * prefcal_simd_level() -> text: the kernel table in use
 */
PG_FUNCTION_INFO_V1(prefcal_simd_level);
Datum
prefcal_simd_level(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(pc_kern->name));
}

/*
 * prefcal_simd_levels() -> text[]: the levels prefcal.simd accepts on
 * this machine, scalar first, best last
 */
PG_FUNCTION_INFO_V1(prefcal_simd_levels);
Datum
prefcal_simd_levels(PG_FUNCTION_ARGS)
{
	Datum		elems[PC_SIMD_NLEVELS];
	int			n = 0;

	for (int l = PC_SIMD_SCALAR; l < PC_SIMD_NLEVELS; l++)
	{
		if (pc_kernels_for_level((PcSimdLevel) l) != NULL)
			elems[n++] = PointerGetDatum(cstring_to_text(pc_simd_level_name((PcSimdLevel) l)));
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, TEXTOID, -1, false,
										  TYPALIGN_INT));
}
