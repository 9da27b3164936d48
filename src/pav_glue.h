/*-------------------------------------------------------------------------
 *
 * pav_glue.h
 *	  fmgr-side helpers of pav_state.c (type I/O, aggregates) used by
 *	  pav_access.c (accessors) and recal_isotonic.c (the isotonic
 *	  recalibrator).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PREFCAL_PAV_GLUE_H
#define PREFCAL_PAV_GLUE_H

#include "prefcal.h"

#include <math.h>

#include "lib/stringinfo.h"

#include "pav.h"

#define PG_GETARG_PAV_P(n) ((PavState *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

extern PavState *pav_alloc(int32 capacity, uint8 flags);
extern PavState *pav_compact_copy(const PavState *src);
extern void pav_append_text(StringInfo buf, const PavState *s);

/* x as pc_append_float8 writes it, or null when infinite (for jsonb) */
static inline void
pav_append_or_null(StringInfo buf, double x)
{
	if (isinf(x))
		appendStringInfoString(buf, "null");
	else
		pc_append_float8(buf, x);
}

#endif							/* PREFCAL_PAV_GLUE_H */
