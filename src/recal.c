/*-------------------------------------------------------------------------
 *
 * recal.c
 *	  SQL glue for recalibration: the mergeable point-list state type
 *	  recal_points (its I/O, the transition, combine and final functions of
 *	  the fitting aggregates) and the stored type recalibrator (its I/O,
 *	  recal_fit, recalibrate, recal_info).  The maths is in recal_math.c.
 *
 * recal_points is a varlena of ours, not internal, so the aggregates have
 * a concrete state that parallel query and Citus can ship (as text or
 * binary).  The fit needs every point for its Newton iterations, so the
 * state keeps them: one (x, w, wy) triple per distinct x, where rows with
 * equal x are summed exactly.  In memory the state carries spare capacity
 * (counted in its varlena size, so the executor's datumCopy keeps it);
 * the text and binary forms hold only the points.  At most
 * RECAL_MAX_POINTS distinct x values (error 54000 beyond that).
 *
 *-------------------------------------------------------------------------
 */
#include "prefcal.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "pav_glue.h"
#include "recal.h"

#define RECAL_POINTS_VERSION 1
#define RECALIBRATOR_VERSION 1

#define RECAL_KIND_PROB 'p'
#define RECAL_KIND_SCORE 's'

#define RECAL_INITIAL_CAPACITY 64

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

static void points_too_many(void) pg_attribute_noreturn();

#define PG_GETARG_RECAL_POINTS(n) ((RecalPoints *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))
#define PG_GETARG_RECALIBRATOR(n) ((Recalibrator *) PG_DETOAST_DATUM(PG_GETARG_DATUM(n)))

static const char *
kind_name(uint8 kind)
{
	return kind == RECAL_KIND_PROB ? "probability" : "score";
}

static RecalPoints *
points_alloc(uint8 kind, int32 capacity)
{
	RecalPoints *s = palloc0(RECAL_POINTS_SIZE(capacity));

	SET_VARSIZE(s, RECAL_POINTS_SIZE(capacity));
	s->version = RECAL_POINTS_VERSION;
	s->kind = kind;
	s->capacity = capacity;
	return s;
}

/* a copy holding only the points in use, compacted */
static RecalPoints *
points_compact_copy(const RecalPoints *src)
{
	RecalPoints *s = points_alloc(src->kind, src->npoints);

	memcpy(s->pts, src->pts, sizeof(RecalPoint) * src->npoints);
	s->npoints = recal_compact(s->pts, src->npoints);
	s->nrows = src->nrows;
	if (s->npoints > RECAL_MAX_POINTS)
		points_too_many();
	if (s->npoints < s->capacity)
	{
		s->capacity = s->npoints;
		SET_VARSIZE(s, RECAL_POINTS_SIZE(s->capacity));
	}
	return s;
}

static void
points_too_many(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("recalibration state exceeds %d distinct values",
					RECAL_MAX_POINTS),
			 errdetail("The fit keeps one point per distinct input value."),
			 errhint("Round the probabilities or scores, or fit on a sample.")));
}

/*
 * Make room for "extra" more points.  Compacts in place first; returns
 * either s or a larger copy allocated in the current (per-call) memory
 * context, which the executor then moves into the aggregate context.
 */
static RecalPoints *
points_reserve(RecalPoints *s, int32 extra)
{
	int64		need;
	int64		cap;
	RecalPoints *bigger;

	if ((int64) s->npoints + extra <= s->capacity)
		return s;
	s->npoints = recal_compact(s->pts, s->npoints);
	if (s->npoints > RECAL_MAX_POINTS)
		points_too_many();
	need = (int64) s->npoints + extra;
	/* enough room, and not so little that we would compact again soon */
	if (need <= s->capacity && s->npoints <= s->capacity / 2)
		return s;
	cap = Max((int64) s->capacity * 2, need);
	cap = Max(cap, RECAL_INITIAL_CAPACITY);
	/* beyond the cap only what is needed: the next compaction decides */
	cap = Min(cap, Max(need, (int64) RECAL_MAX_POINTS));
	if (cap > PG_INT32_MAX / 2)
		points_too_many();
	bigger = points_alloc(s->kind, (int32) cap);
	memcpy(bigger->pts, s->pts, sizeof(RecalPoint) * s->npoints);
	bigger->npoints = s->npoints;
	bigger->nrows = s->nrows;
	return bigger;
}

/* ---------------------------------------------------------------- */
/* recal_points: text and binary I/O                                 */
/* ---------------------------------------------------------------- */

static void
points_validate(RecalPoints *s, int code)
{
	int			i;

	for (i = 0; i < s->npoints; i++)
	{
		RecalPoint *p = &s->pts[i];

		if (!isfinite(p->x) ||
			(s->kind == RECAL_KIND_PROB && fabs(p->x) > RECAL_MAX_LOGIT))
			ereport(ERROR,
					(errcode(code),
					 errmsg("invalid recal_points value"),
					 errdetail("Point %d has input value %g, which is not a valid %s.",
							   i + 1, p->x,
							   s->kind == RECAL_KIND_PROB ? "clamped logit" : "finite score")));
		if (!(p->w > 0) || !isfinite(p->w) || !(p->wy >= 0) || p->wy > p->w)
			ereport(ERROR,
					(errcode(code),
					 errmsg("invalid recal_points value"),
					 errdetail("Point %d has weight %g and weighted target %g; "
							   "the weight must be positive and finite and the weighted target between 0 and the weight.",
							   i + 1, p->w, p->wy)));
	}
	if (s->npoints > 0 && s->nrows < 1)
		ereport(ERROR,
				(errcode(code),
				 errmsg("invalid recal_points value"),
				 errdetail("A state with points must count at least one row.")));
}

static void
expect_token(const char **p, const char *tok, const char *typname,
			 const char *whole)
{
	size_t		len = strlen(tok);

	while (**p == ' ')
		(*p)++;
	if (strncmp(*p, tok, len) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"",
						typname, whole),
				 errdetail("Expected \"%s\" at \"%.20s\".", tok, *p)));
	*p += len;
}

static int64
parse_int64(const char **p, const char *typname, const char *whole)
{
	char	   *end;
	long long	v;

	while (**p == ' ')
		(*p)++;
	errno = 0;
	v = strtoll(*p, &end, 10);
	if (end == *p || errno == ERANGE || v < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s: \"%s\"",
						typname, whole),
				 errdetail("Expected a non-negative integer at \"%.20s\".", *p)));
	*p = end;
	return (int64) v;
}

/*
 * recal_points_in(cstring): "v1 p rows=N [x w wy; x w wy; ...]"
 */
PG_FUNCTION_INFO_V1(recal_points_in);
Datum
recal_points_in(PG_FUNCTION_ARGS)
{
	const char *whole = PG_GETARG_CSTRING(0);
	const char *p = whole;
	const char *q;
	uint8		kind;
	int64		nrows;
	int64		npts = 0;
	RecalPoints *s;

	expect_token(&p, "v1", "recal_points", whole);
	while (*p == ' ')
		p++;
	if (*p == RECAL_KIND_PROB || *p == RECAL_KIND_SCORE)
		kind = (uint8) *p++;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type recal_points: \"%s\"", whole),
				 errdetail("The input kind must be \"p\" (probability) or \"s\" (score).")));
	expect_token(&p, "rows=", "recal_points", whole);
	nrows = parse_int64(&p, "recal_points", whole);
	expect_token(&p, "[", "recal_points", whole);

	/* count the points: one more than the separators, unless empty */
	for (q = p; *q && *q != ']'; q++)
		if (*q == ';')
			npts++;
	while (*p == ' ')
		p++;
	if (*p != ']')
		npts++;
	if (npts > RECAL_MAX_POINTS)
		points_too_many();

	s = points_alloc(kind, (int32) npts);
	s->nrows = nrows;
	for (s->npoints = 0; s->npoints < npts; s->npoints++)
	{
		RecalPoint *pt = &s->pts[s->npoints];

		if (s->npoints > 0)
			expect_token(&p, ";", "recal_points", whole);
		pt->x = pc_parse_float8(&p, "recal_points", whole);
		pt->w = pc_parse_float8(&p, "recal_points", whole);
		pt->wy = pc_parse_float8(&p, "recal_points", whole);
	}
	expect_token(&p, "]", "recal_points", whole);
	while (*p == ' ')
		p++;
	if (*p != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type recal_points: \"%s\"", whole),
				 errdetail("Unexpected text after the point list.")));
	points_validate(s, ERRCODE_INVALID_TEXT_REPRESENTATION);
	s->npoints = recal_compact(s->pts, s->npoints);
	PG_RETURN_POINTER(s);
}

/*
 * recal_points_out(recal_points): compacted, every float8 exact
 */
PG_FUNCTION_INFO_V1(recal_points_out);
Datum
recal_points_out(PG_FUNCTION_ARGS)
{
	RecalPoints *s = points_compact_copy(PG_GETARG_RECAL_POINTS(0));
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "v1 %c rows=" INT64_FORMAT " [", s->kind, s->nrows);
	for (i = 0; i < s->npoints; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, "; ");
		pc_append_float8(&buf, s->pts[i].x);
		appendStringInfoChar(&buf, ' ');
		pc_append_float8(&buf, s->pts[i].w);
		appendStringInfoChar(&buf, ' ');
		pc_append_float8(&buf, s->pts[i].wy);
	}
	appendStringInfoChar(&buf, ']');
	PG_RETURN_CSTRING(buf.data);
}

/*
 * recal_points_send: version byte, kind byte, int64 rows, int32 n, then
 * n triples of float8
 */
PG_FUNCTION_INFO_V1(recal_points_send);
Datum
recal_points_send(PG_FUNCTION_ARGS)
{
	RecalPoints *s = points_compact_copy(PG_GETARG_RECAL_POINTS(0));
	StringInfoData buf;
	int			i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, RECAL_POINTS_VERSION);
	pq_sendbyte(&buf, s->kind);
	pq_sendint64(&buf, s->nrows);
	pq_sendint32(&buf, s->npoints);
	for (i = 0; i < s->npoints; i++)
	{
		pq_sendfloat8(&buf, s->pts[i].x);
		pq_sendfloat8(&buf, s->pts[i].w);
		pq_sendfloat8(&buf, s->pts[i].wy);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(recal_points_recv);
Datum
recal_points_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = pq_getmsgbyte(buf);
	int			kind = pq_getmsgbyte(buf);
	int64		nrows;
	int32		n;
	RecalPoints *s;
	int			i;

	if (version != RECAL_POINTS_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported recal_points version %d", version)));
	if (kind != RECAL_KIND_PROB && kind != RECAL_KIND_SCORE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid recal_points input kind %d", kind)));
	nrows = pq_getmsgint64(buf);
	n = pq_getmsgint(buf, 4);
	if (nrows < 0 || n < 0 || n > RECAL_MAX_POINTS ||
		(Size) n * 3 * sizeof(double) > (Size) (buf->len - buf->cursor))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid recal_points point count %d", n)));
	s = points_alloc((uint8) kind, n);
	s->nrows = nrows;
	for (i = 0; i < n; i++)
	{
		s->pts[i].x = pq_getmsgfloat8(buf);
		s->pts[i].w = pq_getmsgfloat8(buf);
		s->pts[i].wy = pq_getmsgfloat8(buf);
	}
	s->npoints = n;
	points_validate(s, ERRCODE_INVALID_BINARY_REPRESENTATION);
	s->npoints = recal_compact(s->pts, s->npoints);
	PG_RETURN_POINTER(s);
}

/* ---------------------------------------------------------------- */
/* recal_points: aggregate support                                   */
/* ---------------------------------------------------------------- */

/*
 * Shared transition: fold one row (x already checked and converted) into
 * the state, creating it on the first row.
 */
static Datum
points_add(FunctionCallInfo fcinfo, uint8 kind, double x, double y,
		   double w)
{
	RecalPoints *s;
	RecalPoint *pt;

	pc_agg_context(fcinfo, "recal_points transition function");
	if (PG_ARGISNULL(0))
		s = points_alloc(kind, RECAL_INITIAL_CAPACITY);
	else
		s = (RecalPoints *) PG_GETARG_POINTER(0);
	s = points_reserve(s, 1);
	pt = &s->pts[s->npoints++];
	pt->x = x;
	pt->w = w;
	pt->wy = w * y;
	s->nrows++;
	PG_RETURN_POINTER(s);
}

/*
 * Read the arguments of a transition call: (state, x, y [, weight]).
 * Returns false when the row is to be skipped (a NULL argument, or
 * weight 0).
 */
static bool
points_args(FunctionCallInfo fcinfo, uint8 kind, bool ybool,
			double *x, double *y, double *w)
{
	int			i;

	for (i = 1; i < PG_NARGS(); i++)
		if (PG_ARGISNULL(i))
			return false;
	*x = PG_GETARG_FLOAT8(1);
	if (kind == RECAL_KIND_PROB)
	{
		pc_check_probability(*x, "probability");
		*x = recal_logit(*x);
	}
	else if (isnan(*x))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("score is NaN")));
	else if (isinf(*x))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("score is infinite"),
				 errdetail("Scores must be finite.")));
	if (ybool)
		*y = pc_label01(PG_GETARG_DATUM(2));	/* a bool Datum is 0 or 1 */
	else
	{
		*y = PG_GETARG_FLOAT8(2);
		pc_check_unit_target(*y, "target");
	}
	*w = 1.0;
	if (PG_NARGS() > 3)
	{
		*w = PG_GETARG_FLOAT8(3);
		if (isnan(*w) || *w < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("weight %g is invalid", *w),
					 errdetail("Weights must be non-negative.")));
		if (isinf(*w))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("weight is infinite")));
		if (*w == 0)
			return false;
	}
	return true;
}

#define POINTS_TRANS(fname, kind, ybool) \
PG_FUNCTION_INFO_V1(fname); \
Datum \
fname(PG_FUNCTION_ARGS) \
{ \
	double		x, y, w; \
	if (!points_args(fcinfo, kind, ybool, &x, &y, &w)) \
	{ \
		if (PG_ARGISNULL(0)) \
			PG_RETURN_NULL(); \
		PG_RETURN_DATUM(PG_GETARG_DATUM(0)); \
	} \
	return points_add(fcinfo, kind, x, y, w); \
}

/* recal_points_trans_*(state, x, y [, weight]): one row into the state */
POINTS_TRANS(recal_points_trans_p_bool, RECAL_KIND_PROB, true)
POINTS_TRANS(recal_points_trans_p_float8, RECAL_KIND_PROB, false)
POINTS_TRANS(recal_points_trans_s_bool, RECAL_KIND_SCORE, true)
POINTS_TRANS(recal_points_trans_s_float8, RECAL_KIND_SCORE, false)

/*
 * recal_points_combine(a, b): the union of two point lists.  Also the
 * transition of recal_points_merge(recal_points).  Never returns b's
 * pointer; modifies a in place only inside an aggregate.
 */
PG_FUNCTION_INFO_V1(recal_points_combine);
Datum
recal_points_combine(PG_FUNCTION_ARGS)
{
	RecalPoints *a;
	RecalPoints *b;

	pc_agg_context(fcinfo, "recal_points_combine");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = PG_GETARG_RECAL_POINTS(1);
	if (PG_ARGISNULL(0))
	{
		a = points_alloc(b->kind, Max(b->npoints, RECAL_INITIAL_CAPACITY));
		memcpy(a->pts, b->pts, sizeof(RecalPoint) * b->npoints);
		a->npoints = b->npoints;
		a->nrows = b->nrows;
		PG_RETURN_POINTER(a);
	}
	a = (RecalPoints *) PG_GETARG_POINTER(0);
	if (a->kind != b->kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge recalibration states of different input kinds"),
				 errdetail("One state holds %s, the other %s.",
						   a->kind == RECAL_KIND_PROB ? "probabilities" : "scores",
						   b->kind == RECAL_KIND_PROB ? "probabilities" : "scores")));
	a = points_reserve(a, b->npoints);
	memcpy(a->pts + a->npoints, b->pts, sizeof(RecalPoint) * b->npoints);
	a->npoints += b->npoints;
	a->nrows += b->nrows;
	PG_RETURN_POINTER(a);
}

/*
 * recal_points_final(state): the state to store, compacted, no slack
 */
PG_FUNCTION_INFO_V1(recal_points_final);
Datum
recal_points_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_POINTER(points_compact_copy(PG_GETARG_RECAL_POINTS(0)));
}

/*
 * recal_points_info(state) -> jsonb: kind, rows, distinct points, weight
 */
PG_FUNCTION_INFO_V1(recal_points_info);
Datum
recal_points_info(PG_FUNCTION_ARGS)
{
	RecalPoints *s = points_compact_copy(PG_GETARG_RECAL_POINTS(0));
	StringInfoData buf;
	double		w = 0,
				wy = 0;
	int			i;

	for (i = 0; i < s->npoints; i++)
	{
		w += s->pts[i].w;
		wy += s->pts[i].wy;
	}
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"input\": \"%s\", \"rows\": " INT64_FORMAT
					 ", \"points\": %d, \"weight\": ",
					 kind_name(s->kind), s->nrows, s->npoints);
	pc_append_float8(&buf, w);
	appendStringInfoString(&buf, ", \"weighted_target\": ");
	pc_append_float8(&buf, wy);
	appendStringInfoChar(&buf, '}');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

/* ---------------------------------------------------------------- */
/* fitting                                                           */
/* ---------------------------------------------------------------- */

static Recalibrator *
fit_state(const RecalPoints *state, RecalMethod method, bool smoothing,
		  int max_iter, double tol)
{
	RecalPoints *s = points_compact_copy(state);
	RecalFit	fit;
	RecalStatus st;
	Recalibrator *r;
	const char *what = (method == RECAL_TEMPERATURE) ?
		"temperature scaling" : "Platt scaling";

	st = recal_fit_points(s->pts, s->npoints, method, smoothing,
						  max_iter, tol, pc_interrupt, &fit);
	if (st != RECAL_EMPTY && !isfinite(fit.sumw))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("total weight is out of range")));
	switch (st)
	{
		case RECAL_OK:
			break;
		case RECAL_EMPTY:
			return NULL;
		case RECAL_ONE_VALUE:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("%s needs at least two distinct %ss", what,
							kind_name(s->kind)),
					 errdetail("With a single input value the slope of the map is not identifiable.")));
			break;
		case RECAL_ALL_ZERO:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("%s needs an input other than probability 0.5 or score 0", what),
					 errdetail("Every input has logit 0, which no temperature changes.")));
			break;
		case RECAL_NO_SIGNAL:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("the inputs carry no positive information about the outcomes"),
					 errdetail("The log loss keeps falling as the temperature grows, towards a constant 0.5."),
					 errhint("Check the orientation of the probabilities, or use Platt scaling, which can flip the sign.")));
			break;
		case RECAL_SEPARATED:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("the outcomes are perfectly separated by the inputs"),
					 errdetail("No finite maximum-likelihood %s exists: the log loss keeps falling as the map gets steeper.", what),
					 errhint(method == RECAL_PLATT ?
							 "Use smoothing => true (Platt's smoothed targets), or fit on more data." :
							 "This happens when every outcome is the same or every prediction is on the right side of 0.5; fit on more data.")));
			break;
		case RECAL_NOT_CONVERGED:
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("%s did not converge in %d iterations", what, max_iter),
					 errdetail("The squared Newton decrement relative to the log loss is %g; the tolerance is %g.",
							   fit.decrement, tol),
					 errhint("Raise max_iter or tol.")));
			break;
	}

	r = palloc0(sizeof(Recalibrator));
	SET_VARSIZE(r, sizeof(Recalibrator));
	r->version = RECALIBRATOR_VERSION;
	r->method = (uint8) method;
	r->kind = s->kind;
	r->smoothing = smoothing ? 1 : 0;
	r->iterations = fit.iterations;
	r->nrows = s->nrows;
	r->param[0] = fit.param[0];
	r->param[1] = (method == RECAL_PLATT) ? fit.param[1] : 0;
	r->sumw = fit.sumw;
	r->loss = fit.loss;
	r->loss_identity = fit.loss_identity;
	r->decrement = fit.decrement;
	if (method == RECAL_TEMPERATURE ? !(r->param[0] > 0 && isfinite(r->param[0])) :
		!(isfinite(r->param[0]) && isfinite(r->param[1])))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s produced a parameter out of range", what)));
	/* never store a value that recalibrator_in would refuse */
	if (!(r->loss >= 0) || !(r->loss_identity >= 0) ||
		!(r->decrement >= 0) || isinf(r->decrement))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s produced a log loss or Newton decrement out of range", what),
				 errdetail("Log loss %g, at the identity map %g, decrement %g.",
						   r->loss, r->loss_identity, r->decrement)));
	return r;
}

/* temperature_scaling(p, y [, w]) final function */
PG_FUNCTION_INFO_V1(recal_temperature_final);
Datum
recal_temperature_final(PG_FUNCTION_ARGS)
{
	Recalibrator *r;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	r = fit_state(PG_GETARG_RECAL_POINTS(0), RECAL_TEMPERATURE, false, 100, 1e-20);
	if (r == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(r);
}

/* platt_scaling(score, y [, w]) final function: plain MLE */
PG_FUNCTION_INFO_V1(recal_platt_final);
Datum
recal_platt_final(PG_FUNCTION_ARGS)
{
	Recalibrator *r;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	r = fit_state(PG_GETARG_RECAL_POINTS(0), RECAL_PLATT, false, 100, 1e-20);
	if (r == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(r);
}

/*
 * recal_fit(state, method, smoothing, max_iter, tol) -> recalibrator
 */
PG_FUNCTION_INFO_V1(recal_fit);
Datum
recal_fit(PG_FUNCTION_ARGS)
{
	RecalPoints *s = PG_GETARG_RECAL_POINTS(0);
	char	   *method = text_to_cstring(PG_GETARG_TEXT_PP(1));
	bool		smoothing = PG_GETARG_BOOL(2);
	int32		max_iter = PG_GETARG_INT32(3);
	double		tol = PG_GETARG_FLOAT8(4);
	RecalMethod m;
	Recalibrator *r;

	if (strcmp(method, "temperature") == 0)
		m = RECAL_TEMPERATURE;
	else if (strcmp(method, "platt") == 0)
		m = RECAL_PLATT;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown recalibration method \"%s\"", method),
				 errhint("Use \"temperature\" or \"platt\".")));
	if (smoothing && m != RECAL_PLATT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("smoothing applies only to Platt scaling")));
	if (max_iter < 1 || max_iter > 10000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_iter %d is out of range", max_iter),
				 errdetail("max_iter must be between 1 and 10000.")));
	if (!(tol > 0) || !isfinite(tol))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tol %g is invalid", tol),
				 errdetail("The tolerance must be positive and finite.")));
	r = fit_state(s, m, smoothing, max_iter, tol);
	if (r == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(r);
}

/*
 * recalibrate(r, x): the recalibrated probability of a probability (or
 * score, for a score recalibrator)
 */
PG_FUNCTION_INFO_V1(recalibrate);
Datum
recalibrate(PG_FUNCTION_ARGS)
{
	Recalibrator *r = PG_GETARG_RECALIBRATOR(0);
	double		x = PG_GETARG_FLOAT8(1);

	if (r->method == RECAL_ISOTONIC)
		PG_RETURN_FLOAT8(pav_recal_apply(r, x));
	if (r->kind == RECAL_KIND_PROB)
	{
		pc_check_probability(x, "probability");
		x = recal_logit(x);
	}
	else if (isnan(x))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("score is NaN")));
	PG_RETURN_FLOAT8(recal_apply((RecalMethod) r->method, r->param, x));
}

/* ---------------------------------------------------------------- */
/* recalibrator: text and binary I/O, info                           */
/* ---------------------------------------------------------------- */

static void
recalibrator_validate(const Recalibrator *r, const char *whole, int code)
{
	const char *bad = NULL;

	if (r->method == RECAL_TEMPERATURE)
	{
		if (!(r->param[0] > 0) || !isfinite(r->param[0]) || r->param[1] != 0)
			bad = "the temperature must be positive and finite";
		else if (r->smoothing)
			bad = "smoothing applies only to Platt scaling";
	}
	else if (!isfinite(r->param[0]) || !isfinite(r->param[1]))
		bad = "a and b must be finite";
	if (!bad && r->nrows < 1)
		bad = "rows must be at least 1";
	if (!bad && (!(r->sumw > 0) || !isfinite(r->sumw)))
		bad = "the weight must be positive and finite";
	if (!bad && (!(r->loss >= 0) || !(r->loss_identity >= 0) ||
				 !(r->decrement >= 0) || isinf(r->decrement)))
		bad = "the losses and the decrement must be non-negative";
	if (!bad && r->iterations < 0)
		bad = "iterations must be non-negative";
	if (bad)
		ereport(ERROR,
				(errcode(code),
				 errmsg("invalid recalibrator value \"%s\"", whole),
				 errdetail("In a recalibrator, %s.", bad)));
}

static double
parse_field(const char **p, const char *key, const char *whole)
{
	char		tok[32];

	snprintf(tok, sizeof(tok), "%s=", key);
	expect_token(p, tok, "recalibrator", whole);
	return pc_parse_float8(p, "recalibrator", whole);
}

/*
 * recalibrator_in: "v1 temperature p T=.. rows=.. weight=.. logloss=..
 * logloss_identity=.. iterations=.. decrement=.." or "v1 platt s
 * smoothing=false a=.. b=.. rows=.. ..."
 */
PG_FUNCTION_INFO_V1(recalibrator_in);
Datum
recalibrator_in(PG_FUNCTION_ARGS)
{
	const char *whole = PG_GETARG_CSTRING(0);
	const char *p = whole;
	Recalibrator *r = palloc0(sizeof(Recalibrator));
	int64		it;

	SET_VARSIZE(r, sizeof(Recalibrator));
	r->version = RECALIBRATOR_VERSION;
	expect_token(&p, "v1", "recalibrator", whole);
	while (*p == ' ')
		p++;
	if (strncmp(p, "isotonic", 8) == 0)
		PG_RETURN_DATUM(pav_recal_in(whole));
	if (strncmp(p, "temperature", 11) == 0)
	{
		r->method = RECAL_TEMPERATURE;
		p += 11;
	}
	else if (strncmp(p, "platt", 5) == 0)
	{
		r->method = RECAL_PLATT;
		p += 5;
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type recalibrator: \"%s\"", whole),
				 errdetail("The method must be \"temperature\", \"platt\" or \"isotonic\".")));
	while (*p == ' ')
		p++;
	if (*p == RECAL_KIND_PROB || *p == RECAL_KIND_SCORE)
		r->kind = (uint8) *p++;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type recalibrator: \"%s\"", whole),
				 errdetail("The input kind must be \"p\" (probability) or \"s\" (score).")));
	if (r->method == RECAL_TEMPERATURE)
		r->param[0] = parse_field(&p, "T", whole);
	else
	{
		expect_token(&p, "smoothing=", "recalibrator", whole);
		if (strncmp(p, "true", 4) == 0)
		{
			r->smoothing = 1;
			p += 4;
		}
		else if (strncmp(p, "false", 5) == 0)
			p += 5;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type recalibrator: \"%s\"", whole),
					 errdetail("smoothing must be true or false.")));
		r->param[0] = parse_field(&p, "a", whole);
		r->param[1] = parse_field(&p, "b", whole);
	}
	expect_token(&p, "rows=", "recalibrator", whole);
	r->nrows = parse_int64(&p, "recalibrator", whole);
	r->sumw = parse_field(&p, "weight", whole);
	r->loss = parse_field(&p, "logloss", whole);
	r->loss_identity = parse_field(&p, "logloss_identity", whole);
	expect_token(&p, "iterations=", "recalibrator", whole);
	it = parse_int64(&p, "recalibrator", whole);
	if (it > 10000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid recalibrator value \"%s\"", whole),
				 errdetail("iterations must be at most 10000.")));
	r->iterations = (int32) it;
	r->decrement = parse_field(&p, "decrement", whole);
	while (*p == ' ')
		p++;
	if (*p != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type recalibrator: \"%s\"", whole),
				 errdetail("Unexpected text at \"%.20s\".", p)));
	recalibrator_validate(r, whole, ERRCODE_INVALID_TEXT_REPRESENTATION);
	PG_RETURN_POINTER(r);
}

static void
recalibrator_text(StringInfo buf, const Recalibrator *r)
{
	appendStringInfo(buf, "v1 %s %c ",
					 r->method == RECAL_TEMPERATURE ? "temperature" : "platt",
					 r->kind);
	if (r->method == RECAL_TEMPERATURE)
	{
		appendStringInfoString(buf, "T=");
		pc_append_float8(buf, r->param[0]);
	}
	else
	{
		appendStringInfo(buf, "smoothing=%s a=", r->smoothing ? "true" : "false");
		pc_append_float8(buf, r->param[0]);
		appendStringInfoString(buf, " b=");
		pc_append_float8(buf, r->param[1]);
	}
	appendStringInfo(buf, " rows=" INT64_FORMAT " weight=", r->nrows);
	pc_append_float8(buf, r->sumw);
	appendStringInfoString(buf, " logloss=");
	pc_append_float8(buf, r->loss);
	appendStringInfoString(buf, " logloss_identity=");
	pc_append_float8(buf, r->loss_identity);
	appendStringInfo(buf, " iterations=%d decrement=", r->iterations);
	pc_append_float8(buf, r->decrement);
}

PG_FUNCTION_INFO_V1(recalibrator_out);
Datum
recalibrator_out(PG_FUNCTION_ARGS)
{
	Recalibrator *r = PG_GETARG_RECALIBRATOR(0);
	StringInfoData buf;

	initStringInfo(&buf);
	if (r->method == RECAL_ISOTONIC)
		pav_recal_out(&buf, r);
	else
		recalibrator_text(&buf, r);
	PG_RETURN_CSTRING(buf.data);
}

PG_FUNCTION_INFO_V1(recalibrator_send);
Datum
recalibrator_send(PG_FUNCTION_ARGS)
{
	Recalibrator *r = PG_GETARG_RECALIBRATOR(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	if (r->method == RECAL_ISOTONIC)
	{
		pav_recal_send(&buf, r);
		PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
	}
	pq_sendbyte(&buf, RECALIBRATOR_VERSION);
	pq_sendbyte(&buf, r->method);
	pq_sendbyte(&buf, r->kind);
	pq_sendbyte(&buf, r->smoothing);
	pq_sendint32(&buf, r->iterations);
	pq_sendint64(&buf, r->nrows);
	pq_sendfloat8(&buf, r->param[0]);
	pq_sendfloat8(&buf, r->param[1]);
	pq_sendfloat8(&buf, r->sumw);
	pq_sendfloat8(&buf, r->loss);
	pq_sendfloat8(&buf, r->loss_identity);
	pq_sendfloat8(&buf, r->decrement);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(recalibrator_recv);
Datum
recalibrator_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	Recalibrator *r;
	int			version;

	/* the second byte is the method */
	if (buf->len - buf->cursor >= 2 &&
		buf->data[buf->cursor + 1] == RECAL_ISOTONIC)
		PG_RETURN_DATUM(pav_recal_recv(buf));
	r = palloc0(sizeof(Recalibrator));
	SET_VARSIZE(r, sizeof(Recalibrator));
	version = pq_getmsgbyte(buf);
	if (version != RECALIBRATOR_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported recalibrator version %d", version)));
	r->version = RECALIBRATOR_VERSION;
	r->method = pq_getmsgbyte(buf);
	r->kind = pq_getmsgbyte(buf);
	r->smoothing = pq_getmsgbyte(buf);
	r->iterations = pq_getmsgint(buf, 4);
	r->nrows = pq_getmsgint64(buf);
	r->param[0] = pq_getmsgfloat8(buf);
	r->param[1] = pq_getmsgfloat8(buf);
	r->sumw = pq_getmsgfloat8(buf);
	r->loss = pq_getmsgfloat8(buf);
	r->loss_identity = pq_getmsgfloat8(buf);
	r->decrement = pq_getmsgfloat8(buf);
	if ((r->method != RECAL_TEMPERATURE && r->method != RECAL_PLATT) ||
		(r->kind != RECAL_KIND_PROB && r->kind != RECAL_KIND_SCORE) ||
		r->smoothing > 1 || r->iterations > 10000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid recalibrator value")));
	recalibrator_validate(r, "(binary)", ERRCODE_INVALID_BINARY_REPRESENTATION);
	PG_RETURN_POINTER(r);
}

/*
 * recal_info(r) -> jsonb: method, parameters, rows, losses, iterations
 */
PG_FUNCTION_INFO_V1(recal_info);
Datum
recal_info(PG_FUNCTION_ARGS)
{
	Recalibrator *r = PG_GETARG_RECALIBRATOR(0);
	StringInfoData buf;

	initStringInfo(&buf);
	if (r->method == RECAL_ISOTONIC)
	{
		pav_recal_info(&buf, r);
		PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
	}
	appendStringInfo(&buf, "{\"version\": %d, \"method\": \"%s\", \"input\": \"%s\"",
					 r->version,
					 r->method == RECAL_TEMPERATURE ? "temperature" : "platt",
					 kind_name(r->kind));
	if (r->method == RECAL_TEMPERATURE)
	{
		appendStringInfoString(&buf, ", \"temperature\": ");
		pc_append_float8(&buf, r->param[0]);
	}
	else
	{
		appendStringInfo(&buf, ", \"smoothing\": %s, \"a\": ",
						 r->smoothing ? "true" : "false");
		pc_append_float8(&buf, r->param[0]);
		appendStringInfoString(&buf, ", \"b\": ");
		pc_append_float8(&buf, r->param[1]);
	}
	appendStringInfo(&buf, ", \"rows\": " INT64_FORMAT ", \"weight\": ", r->nrows);
	pc_append_float8(&buf, r->sumw);
	appendStringInfoString(&buf, ", \"logloss\": ");
	pc_append_float8(&buf, r->loss);
	appendStringInfoString(&buf, ", \"logloss_identity\": ");
	if (isinf(r->loss_identity))
		appendStringInfoString(&buf, "null");
	else
		pc_append_float8(&buf, r->loss_identity);
	appendStringInfo(&buf, ", \"iterations\": %d, \"newton_decrement\": ",
					 r->iterations);
	pc_append_float8(&buf, r->decrement);
	appendStringInfoChar(&buf, '}');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}
