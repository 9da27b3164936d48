/*-------------------------------------------------------------------------
 *
 * pav_glue.h
 *	  fmgr-side helpers shared by pav_state.c (type I/O, aggregates) and
 *	  pav_access.c (accessors, isotonic recalibrator).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PREFCAL_PAV_GLUE_H
#define PREFCAL_PAV_GLUE_H

#include "prefcal.h"

#include "lib/stringinfo.h"

#include "pav.h"

#define PG_GETARG_PAV_P(n) ((PavState *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

extern PavState *pav_alloc(int32 capacity, uint8 flags);
extern PavState *pav_compact_copy(const PavState *src);
extern void pav_append_text(StringInfo buf, const PavState *s);

/* the isotonic recalibrator (pav_access.c), called from recal.c */
extern Datum pav_recal_in(const char *whole);
extern void pav_recal_out(StringInfo buf, const void *r);
extern Datum pav_recal_recv(StringInfo buf);
extern void pav_recal_send(StringInfo buf, const void *r);
extern double pav_recal_apply(const void *r, double p);
extern void pav_recal_info(StringInfo buf, const void *r);

#endif							/* PREFCAL_PAV_GLUE_H */
