/*-------------------------------------------------------------------------
 *
 * prefcal.h
 *	  Declarations shared by every part of prefcal: the helpers for
 *	  argument checking, exact float8 text output and parsing, and the
 *	  aggregate-context check used by the in-place transition functions.
 *
 * Pure maths lives in files that do not include fmgr.h; this header is
 * for the fmgr glue.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PREFCAL_H
#define PREFCAL_H

#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"

#define PREFCAL_VERSION "0.2.0"

/*
 * Largest number of calibration bins a state may hold.  A state with the
 * maximum is about 6 * 8 * 10000 bytes, well under a page of TOAST chunks
 * per kilobyte of input.
 */
#define PREFCAL_MAX_BINS 10000

/*
 * Byte-wise order of two strings of known length, shorter first on a common
 * prefix (the C collation): item names in stored models, condition names in
 * consistency priors, labels in majority_vote.
 */
static inline int
pc_cmp_bytes(const char *a, int la, const char *b, int lb)
{
	int			c = memcmp(a, b, Min(la, lb));

	if (c != 0)
		return c;
	return (la > lb) - (la < lb);
}

/*
 * A 0/1 label (the low bit of b: a bool Datum, or a comparison) as 0.0 or
 * 1.0 by integer conversion.  Written as a choice between two constants,
 * or as a cast of a bool, compilers emit a branch on the label, which
 * mispredicts on half the rows of a table of random outcomes; through
 * this mask they emit cvtsi2sd.
 */
static inline double
pc_label01(uint64 b)
{
	return (double) (int) (b & 1);
}

/* refit_wait.c */
extern void pc_refit_wait_init_guc(void);

/* prefcal.c */
extern void pc_append_float8(StringInfo buf, double x);
extern double pc_parse_float8(const char **ptr, const char *typname,
							  const char *whole);
extern MemoryContext pc_agg_context(FunctionCallInfo fcinfo,
									const char *what);
extern void pc_check_probability(double p, const char *what);
extern void pc_check_unit_target(double y, const char *what);
extern double pc_check_level(double level);
extern void pc_check_replicates(int replicates);
extern bool pc_target_weight_args(FunctionCallInfo fcinfo, bool ybool,
								  double *y, double *w);

/*
 * CHECK_FOR_INTERRUPTS() as a function, for the pure maths: the glue
 * passes it as the interrupt callback of the maths' environment (see
 * doc/internals.md, "Interrupts").
 */
extern void pc_interrupt(void);

#endif							/* PREFCAL_H */
