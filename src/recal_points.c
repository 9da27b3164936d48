/*-------------------------------------------------------------------------
 *
 * recal_points.c
 *	  The mergeable point-list state type recal_points: its text and
 *	  binary I/O and the transition, combine and final functions of the
 *	  fitting aggregates (temperature_scaling, platt_scaling,
 *	  recal_points); also the token readers of the family's text forms.
 *	  Fitting a state is recal_fit.c's, the maths recal_math.c's.
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
#include "recal_int.h"

#include <math.h>

#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

static void points_too_many(void) pg_attribute_noreturn();

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
RecalPoints *
recal_points_compact_copy(const RecalPoints *src)
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
					 errmsg("invalid recal_state value"),
					 errdetail("Point %d has input value %g, which is not a valid %s.",
							   i + 1, p->x,
							   s->kind == RECAL_KIND_PROB ? "clamped logit" : "finite score")));
		if (!(p->w > 0) || !isfinite(p->w) || !(p->wy >= 0) || p->wy > p->w)
			ereport(ERROR,
					(errcode(code),
					 errmsg("invalid recal_state value"),
					 errdetail("Point %d has weight %g and weighted target %g; "
							   "the weight must be positive and finite and the weighted target between 0 and the weight.",
							   i + 1, p->w, p->wy)));
	}
	if (s->npoints > 0 && s->nrows < 1)
		ereport(ERROR,
				(errcode(code),
				 errmsg("invalid recal_state value"),
				 errdetail("A state with points must count at least one row.")));
}

/* skip blanks, then require tok (an error naming typname otherwise) */
void
recal_expect_token(const char **p, const char *tok, const char *typname,
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

/* a non-negative decimal integer after optional blanks */
int64
recal_parse_int64(const char **p, const char *typname, const char *whole)
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
 * Text form (pc_json.h):
 *
 *	{"version": 1, "input": "probability", "rows": N,
 *	 "points": [[x, w, wy], ...]}
 */
static RecalPoints *
points_from_json(const char *whole)
{
	static const char *const kinds[2] = {"probability", "score"};
	PcJson		js;
	RecalPoints *s;
	uint8		kind;
	int64		nrows;
	Size		n = 0;

	pc_json_init(&js, whole, "recal_state");
	pc_json_begin(&js, RECAL_POINTS_VERSION);
	pc_json_key(&js, "input");
	kind = pc_json_choice(&js, kinds, 2) == 0 ? RECAL_KIND_PROB : RECAL_KIND_SCORE;
	nrows = pc_json_key_int8(&js, "rows");
	if (nrows < 0)
		pc_json_error(&js, "a non-negative row count");
	pc_json_key(&js, "points");
	s = points_alloc(kind, RECAL_INITIAL_CAPACITY);
	while (pc_json_next(&js, &n))
	{
		if (s->npoints == s->capacity)
		{
			RecalPoints *bigger;

			if (s->capacity >= RECAL_MAX_POINTS)
				points_too_many();
			bigger = points_alloc(kind, Min(s->capacity * 2, RECAL_MAX_POINTS));
			memcpy(bigger->pts, s->pts, sizeof(RecalPoint) * s->npoints);
			bigger->npoints = s->npoints;
			pfree(s);
			s = bigger;
		}
		pc_json_float8_array(&js, (double *) &s->pts[s->npoints++], 3,
							 PC_JSON_NONFINITE);
	}
	pc_json_end(&js);
	s->nrows = nrows;
	return s;
}

/* the form 0.1.0 wrote: "v1 p rows=N [x w wy; x w wy; ...]" */
static RecalPoints *
points_from_legacy(const char *whole)
{
	const char *p = whole;
	const char *q;
	uint8		kind;
	int64		nrows;
	int64		npts = 0;
	RecalPoints *s;

	recal_expect_token(&p, "v1", "recal_state", whole);
	while (*p == ' ')
		p++;
	if (*p == RECAL_KIND_PROB || *p == RECAL_KIND_SCORE)
		kind = (uint8) *p++;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type recal_state: \"%s\"", whole),
				 errdetail("The input kind must be \"p\" (probability) or \"s\" (score).")));
	recal_expect_token(&p, "rows=", "recal_state", whole);
	nrows = recal_parse_int64(&p, "recal_state", whole);
	recal_expect_token(&p, "[", "recal_state", whole);

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
			recal_expect_token(&p, ";", "recal_state", whole);
		pt->x = pc_parse_float8(&p, "recal_state", whole);
		pt->w = pc_parse_float8(&p, "recal_state", whole);
		pt->wy = pc_parse_float8(&p, "recal_state", whole);
	}
	recal_expect_token(&p, "]", "recal_state", whole);
	while (*p == ' ')
		p++;
	if (*p != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type recal_state: \"%s\"", whole),
				 errdetail("Unexpected text after the point list.")));
	return s;
}

/*
 * recal_points_in(cstring)
 */
PG_FUNCTION_INFO_V1(recal_points_in);
Datum
recal_points_in(PG_FUNCTION_ARGS)
{
	const char *whole = PG_GETARG_CSTRING(0);
	RecalPoints *s = pc_json_is_json(whole) ? points_from_json(whole) :
		points_from_legacy(whole);

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
	RecalPoints *s = recal_points_compact_copy(PG_GETARG_RECAL_POINTS(0));
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	pc_jw_begin(&buf, RECAL_POINTS_VERSION);
	pc_jw_key_string(&buf, "input", recal_kind_name(s->kind));
	pc_jw_key_int8(&buf, "rows", s->nrows);
	pc_jw_key(&buf, "points");
	appendStringInfoChar(&buf, '[');
	for (i = 0; i < s->npoints; i++)
	{
		pc_jw_sep(&buf, i);
		pc_jw_float8_array(&buf, (const double *) &s->pts[i], 3);
	}
	appendStringInfoChar(&buf, ']');
	pc_jw_end(&buf);
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
	RecalPoints *s = recal_points_compact_copy(PG_GETARG_RECAL_POINTS(0));
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
				 errmsg("unsupported recal_state version %d", version)));
	if (kind != RECAL_KIND_PROB && kind != RECAL_KIND_SCORE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid recal_state input kind %d", kind)));
	nrows = pq_getmsgint64(buf);
	n = pq_getmsgint(buf, 4);
	if (nrows < 0 || n < 0 || n > RECAL_MAX_POINTS ||
		(Size) n * 3 * sizeof(double) > (Size) (buf->len - buf->cursor))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid recal_state point count %d", n)));
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

	pc_agg_context(fcinfo, "recal_state transition function");
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
	return pc_target_weight_args(fcinfo, ybool, y, w);
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

	pc_agg_context(fcinfo, "recal_state_combine");
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
	PG_RETURN_POINTER(recal_points_compact_copy(PG_GETARG_RECAL_POINTS(0)));
}

/*
 * recal_points_info(state) -> jsonb: kind, rows, distinct points, weight
 */
PG_FUNCTION_INFO_V1(recal_points_info);
Datum
recal_points_info(PG_FUNCTION_ARGS)
{
	RecalPoints *s = recal_points_compact_copy(PG_GETARG_RECAL_POINTS(0));
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
					 recal_kind_name(s->kind), s->nrows, s->npoints);
	pc_append_float8(&buf, w);
	appendStringInfoString(&buf, ", \"weighted_target\": ");
	pc_append_float8(&buf, wy);
	appendStringInfoChar(&buf, '}');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}
