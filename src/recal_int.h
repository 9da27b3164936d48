/*-------------------------------------------------------------------------
 *
 * recal_int.h
 *	  Shared by the recalibration glue alone: recal_points.c (the point
 *	  list state), recal_fit.c (fitting a state), recal_type.c (the
 *	  recalibrator type) and recal_isotonic.c (its isotonic variant).
 *
 * Calls go recal_type.c -> recal_isotonic.c -> recal_points.c (the text
 * readers), recal_fit.c -> recal_points.c, and from recal_isotonic.c to
 * the pav family (pav_glue.h, pav.h); never back.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PREFCAL_RECAL_INT_H
#define PREFCAL_RECAL_INT_H

#include "prefcal.h"

#include "lib/stringinfo.h"

#include "pc_json.h"
#include "recal.h"

#define RECAL_POINTS_VERSION 1
#define RECALIBRATOR_VERSION 1

#define RECAL_KIND_PROB 'p'
#define RECAL_KIND_SCORE 's'

#define RECAL_INITIAL_CAPACITY 64

/*
 * The recal_points state: one (x, w, wy) triple per distinct x, rows with
 * equal x summed exactly.  In memory it carries spare capacity (counted in
 * its varlena size, so the executor's datumCopy keeps it); the text and
 * binary forms hold only the points.
 */
typedef struct RecalPoints
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	uint8		version;
	uint8		kind;			/* 'p': x is logit(p); 's': x is a score */
	uint16		flags;			/* reserved, 0 */
	int32		npoints;		/* points in use */
	int32		capacity;		/* points allocated (in memory only) */
	int64		nrows;			/* rows folded in */
	RecalPoint	pts[FLEXIBLE_ARRAY_MEMBER];
} RecalPoints;

#define RECAL_POINTS_HDRSZ offsetof(RecalPoints, pts)
#define RECAL_POINTS_SIZE(cap) (RECAL_POINTS_HDRSZ + (Size) (cap) * sizeof(RecalPoint))

/* a temperature or Platt recalibrator */
typedef struct Recalibrator
{
	int32		vl_len_;
	uint8		version;
	uint8		method;			/* RecalMethod */
	uint8		kind;			/* 'p' or 's' */
	uint8		smoothing;		/* Platt's smoothed targets used */
	int32		iterations;
	int64		nrows;
	double		param[2];		/* temperature: T; Platt: a, b */
	double		sumw;
	double		loss;
	double		loss_identity;
	double		decrement;
} Recalibrator;

/*
 * An isotonic recalibrator: a different layout behind the same type,
 * agreeing with Recalibrator in vl_len_, version and method.
 */
typedef struct IsoRecal
{
	int32		vl_len_;
	uint8		version;
	uint8		method;			/* RECAL_ISOTONIC */
	uint8		kind;			/* 'p' */
	uint8		pad;
	int32		nknots;
	int32		pad2;
	int64		nrows;
	double		sumw;
	double		loss;			/* mean log loss of the fit (may be inf) */
	double		loss_identity;	/* mean log loss of p itself (may be inf) */
	double		brier;			/* mean Brier score of the fit */
	double		brier_identity; /* mean Brier score of p itself */
	double		knots[FLEXIBLE_ARRAY_MEMBER];	/* nknots x, then nknots y */
} IsoRecal;

#define PG_GETARG_RECAL_POINTS(n) ((RecalPoints *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))
#define PG_GETARG_RECALIBRATOR(n) ((Recalibrator *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

static inline const char *
recal_kind_name(uint8 kind)
{
	return kind == RECAL_KIND_PROB ? "probability" : "score";
}

/* recal_points.c */
extern RecalPoints *recal_points_compact_copy(const RecalPoints *src);
extern void recal_expect_token(const char **p, const char *tok,
							   const char *typname, const char *whole);
extern int64 recal_parse_int64(const char **p, const char *typname,
							   const char *whole);

/* recal_isotonic.c: the isotonic recalibrator's part of the type */
extern Datum recal_iso_in(PcJson *js);
extern void recal_iso_out(StringInfo buf, const IsoRecal *r);
extern Datum recal_iso_recv(StringInfo buf);
extern void recal_iso_send(StringInfo buf, const IsoRecal *r);
extern double recal_iso_apply(const IsoRecal *r, double p);
extern void recal_iso_info(StringInfo buf, const IsoRecal *r);

#endif							/* PREFCAL_RECAL_INT_H */
