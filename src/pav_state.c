/*-------------------------------------------------------------------------
 *
 * pav_state.c
 *	  The pav_state type (the sorted calibration state of pav.h): text and
 *	  binary I/O, validation, and the transition and combine functions of
 *	  the aggregates built on it (pav_state_agg, pav_state_merge,
 *	  isotonic_scaling, corp_decomposition).
 *
 * Text form (version 1), JSON-shaped, keys in this order:
 *
 *	{"version": 1, "grid": false, "rows": N,
 *	 "points": [[p, w, wy, wyy], ...]}
 *
 * with the points sorted by p, p distinct; every float8 in its shortest
 * round-trip form.  Binary form: byte version, byte flags, int64 rows,
 * int32 n, then n x 4 float8.
 *
 * The transition appends (p, w, w*y, w*y^2) to the state's unsorted tail
 * (pav.h), with no allocation per row.  When the tail is full it is
 * sorted (a distribution pass on the leading bits of p into about one
 * bucket per 8 points, then a sort of each bucket; its equal p added)
 * and merged with the sorted run, and the tail
 * is sized for the run (the next power of two at least as large, 2^10 to
 * 2^20 points), so each row is sorted once and merged O(1) times on
 * average.  Past PAV_MAX_EXACT distinct predictions the state goes to
 * grid mode (pav.h).
 *
 *-------------------------------------------------------------------------
 */
#include "prefcal.h"

#include <math.h>

#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "pc_json.h"
#include "pav.h"
#include "pav_glue.h"

#define TYPNAME "pav_state"

/* tails of this many points or more are sorted through buckets */
#define PAV_BUCKET_MIN		2048
#define PAV_BUCKETS_MAX		65536
#define PAV_INITIAL_CAPACITY 1024

PavState *
pav_alloc(int32 capacity, uint8 flags)
{
	PavState   *s = palloc(PAV_SIZE(capacity));

	memset(s, 0, offsetof(PavState, pts));
	SET_VARSIZE(s, PAV_SIZE(capacity));
	s->version = PAV_VERSION;
	s->flags = flags;
	s->capacity = capacity;
	return s;
}

/* a state with room for capacity run points and an empty tail */
static PavState *
pav_alloc_tail(int32 capacity, int tailbits, uint8 flags)
{
	int32		nslots = 1 << tailbits;	/* room for the tail */
	PavState   *s = palloc(PAV_SIZE((Size) capacity + nslots));
	memset(s, 0, offsetof(PavState, pts));
	SET_VARSIZE(s, PAV_SIZE((Size) capacity + nslots));
	s->version = PAV_VERSION;
	s->flags = flags;
	s->capacity = capacity;
	s->tailbits = tailbits;
	return s;
}

static void
pav_weight_overflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("summed weight of a prediction is out of range")));
}

/*
 * Scratch for the merges of one aggregate call site, kept in fn_extra so
 * that a large state does not allocate (and fault in) a fresh buffer at
 * every merge.
 */
typedef struct PavScratch
{
	PavPoint   *buf;
	Size		cap;			/* points */
} PavScratch;

static PavPoint *
scratch_get(FunctionCallInfo fcinfo, Size n)
{
	PavScratch *sc = (PavScratch *) fcinfo->flinfo->fn_extra;

	if (sc == NULL)
	{
		sc = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(PavScratch));
		fcinfo->flinfo->fn_extra = sc;
	}
	if (sc->cap < n)
	{
		if (sc->buf)
			pfree(sc->buf);
		sc->cap = Max(n, sc->cap * 2);
		sc->buf = MemoryContextAllocHuge(fcinfo->flinfo->fn_mcxt,
										 sc->cap * sizeof(PavPoint));
	}
	return sc->buf;
}

/*
 * The sorted, compacted points of s (its run merged with its tail) in
 * scratch, which has room for nsorted + 2 * ntail points; sets *out to
 * where they start and returns their count.  Goes to grid mode (in
 * *flags) past PAV_MAX_EXACT points.
 */
static int
pav_merged(const PavState *s, PavPoint *scratch, PavPoint **out,
		   uint8 *flags)
{
	const PavPoint *tail = s->pts + s->capacity;
	int			nt;
	int			n;
	bool		overflow = false;

	*flags = s->flags;
	if (s->ntail >= PAV_BUCKET_MIN)
	{
		int			nb = Min(s->ntail / 8, PAV_BUCKETS_MAX);
		int		   *counts = palloc(sizeof(int) * (nb + 1));

		nt = pav_bucket_sort_compact(tail, s->ntail, scratch, counts, nb);
		pfree(counts);
	}
	else
	{
		memcpy(scratch, tail, sizeof(PavPoint) * s->ntail);
		nt = pav_sort_compact(scratch, s->ntail);
	}
	for (int i = 0; i < nt; i++)
		if (isinf(scratch[i].w))
			overflow = true;
	*out = scratch + nt;
	n = pav_merge_runs(s->pts, s->nsorted, scratch, nt, *out, &overflow);
	if (overflow)
		pav_weight_overflow();
	if (n > PAV_MAX_EXACT || (*flags & PAV_F_GRID))
	{
		*flags |= PAV_F_GRID;
		n = pav_grid_compact(*out, n);
		for (int i = 0; i < n; i++)
			if (isinf((*out)[i].w))
				pav_weight_overflow();
	}
	return n;
}

/* a compacted copy of s (sorted, no tail, no spare capacity) */
PavState *
pav_compact_copy(const PavState *src)
{
	PavPoint   *scratch = palloc(sizeof(PavPoint) *
								 ((Size) src->nsorted + 2 * (Size) src->ntail + 1));
	PavPoint   *pts;
	uint8		flags;
	int			n = pav_merged(src, scratch, &pts, &flags);
	PavState   *s = pav_alloc(n, flags);

	memcpy(s->pts, pts, sizeof(PavPoint) * n);
	s->nsorted = n;
	s->nrows = src->nrows;
	pfree(scratch);
	return s;
}

/* grid mode for a compacted state past the limit, in place */
static void
pav_grid_check(PavState *s)
{
	uint8		flags;
	PavPoint   *pts;
	int			n;

	Assert(s->tailbits == 0);
	if (s->nsorted <= PAV_MAX_EXACT && !(s->flags & PAV_F_GRID))
		return;
	pts = palloc(sizeof(PavPoint) * ((Size) s->nsorted + 1));
	n = pav_merged(s, pts, &pts, &flags);
	memmove(s->pts, pts, sizeof(PavPoint) * n);
	s->nsorted = n;
	s->flags = flags;
}

/*
 * Merge the tail of a transition state into its run, and size the run
 * and the tail for what comes next: returns s, its tail emptied, or a
 * new state in the current memory context.
 */
static PavState *
pav_rebuild(PavState *s, PavPoint *scratch)
{
	PavPoint   *pts;
	uint8		flags;
	int			n = pav_merged(s, scratch, &pts, &flags);
	int			bits = PAV_MIN_TAILBITS;
	int32		cap = s->capacity;

	while (bits < PAV_MAX_TAILBITS && (1 << bits) < n)
		bits++;
	if (n > cap)
		cap = Min(Max(n, 2 * cap), PAV_MAX_EXACT);
	if (cap != s->capacity || bits != s->tailbits)
	{
		PavState   *r = pav_alloc_tail(cap, bits, flags);

		r->nrows = s->nrows;
		s = r;
	}
	else
		s->flags = flags;
	memcpy(s->pts, pts, sizeof(PavPoint) * n);
	s->nsorted = n;
	s->ntail = 0;
	return s;
}

/* ---------------------------------------------------------------- */
/* validation, text and binary I/O                                   */
/* ---------------------------------------------------------------- */

static void
pav_invalid(int code, const char *detail, int i)
{
	ereport(ERROR,
			(errcode(code),
			 errmsg("invalid pav_state value"),
			 errdetail("Point %d: %s.", i + 1, detail)));
}

/*
 * Everything a state must satisfy: p in [0, 1] strictly increasing (on
 * the grid in grid mode), 0 < w finite, 0 <= wyy <= wy <= w, at most
 * PAV_MAX_EXACT points, at least as many rows as points.
 */
static void
pav_validate(const PavState *s, int code)
{
	if (s->flags & ~PAV_F_ALL)
		ereport(ERROR,
				(errcode(code),
				 errmsg("invalid pav_state value"),
				 errdetail("Unknown flags %d.", s->flags)));
	if (s->nsorted > PAV_MAX_EXACT || s->nrows < s->nsorted)
		ereport(ERROR,
				(errcode(code),
				 errmsg("invalid pav_state value"),
				 errdetail("%d points and " INT64_FORMAT " rows: at most %d points, and at least one row per point.",
						   s->nsorted, s->nrows, PAV_MAX_EXACT)));
	for (int i = 0; i < s->nsorted; i++)
	{
		const PavPoint *pt = &s->pts[i];

		if (!(pt->p >= 0.0 && pt->p <= 1.0))
			pav_invalid(code, "the prediction must be between 0 and 1", i);
		if (i > 0 && !(pt->p > s->pts[i - 1].p))
			pav_invalid(code, "the predictions must be strictly increasing", i);
		if ((s->flags & PAV_F_GRID) && pav_grid_round(pt->p) != pt->p)
			pav_invalid(code, "in grid mode every prediction is a multiple of 2^-19", i);
		if (!(pt->w > 0.0) || isinf(pt->w))
			pav_invalid(code, "the weight must be positive and finite", i);
		if (!(pt->wyy >= 0.0 && pt->wyy <= pt->wy && pt->wy <= pt->w))
			pav_invalid(code, "the sums must satisfy 0 <= sum w*y^2 <= sum w*y <= sum w", i);
	}
}

PG_FUNCTION_INFO_V1(pav_state_in);
Datum
pav_state_in(PG_FUNCTION_ARGS)
{
	const char *input = PG_GETARG_CSTRING(0);
	PcJson		lx;
	PavState   *s;
	int32		cap = 64;
	int32		n = 0;
	bool		grid;
	int64		rows;
	Size		count = 0;

	pc_json_init(&lx, input, TYPNAME);
	pc_json_begin(&lx, PAV_VERSION);
	grid = pc_json_key_bool(&lx, "grid");
	rows = pc_json_key_int8(&lx, "rows");
	if (rows < 0)
		pc_json_error(&lx, "a non-negative row count");
	pc_json_key(&lx, "points");
	s = pav_alloc(cap, grid ? PAV_F_GRID : 0);
	while (pc_json_next(&lx, &count))
	{
		double		v[4];

		if (n == cap)
		{
			PavState   *bigger;

			if (cap >= PAV_MAX_EXACT)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("pav_state value has more than %d points", PAV_MAX_EXACT)));
			bigger = pav_alloc(cap * 2, s->flags);
			memcpy(bigger->pts, s->pts, sizeof(PavPoint) * n);
			pfree(s);
			s = bigger;
			cap *= 2;
		}
		pc_json_float8_array(&lx, v, 4, PC_JSON_FINITE);
		s->pts[n++] = (PavPoint) {v[0], v[1], v[2], v[3]};
	}
	pc_json_end(&lx);
	s->nsorted = n;
	s->nrows = rows;
	pav_validate(s, ERRCODE_INVALID_TEXT_REPRESENTATION);
	PG_RETURN_POINTER(s);
}

StaticAssertDecl(sizeof(PavPoint) == 4 * sizeof(double), "a point is four float8");

/* text of a compacted state */
void
pav_append_text(StringInfo buf, const PavState *s)
{
	pc_jw_begin(buf, PAV_VERSION);
	pc_jw_key_bool(buf, "grid", (s->flags & PAV_F_GRID) != 0);
	pc_jw_key_int8(buf, "rows", s->nrows);
	pc_jw_key(buf, "points");
	appendStringInfoChar(buf, '[');
	for (int i = 0; i < s->nsorted; i++)
	{
		const PavPoint *pt = &s->pts[i];

		pc_jw_sep(buf, i);
		pc_jw_float8_array(buf, (const double *) pt, 4);
	}
	appendStringInfoChar(buf, ']');
	pc_jw_end(buf);
}

PG_FUNCTION_INFO_V1(pav_state_out);
Datum
pav_state_out(PG_FUNCTION_ARGS)
{
	PavState   *s = pav_compact_copy(PG_GETARG_PAV_P(0));
	StringInfoData buf;

	initStringInfo(&buf);
	pav_append_text(&buf, s);
	PG_RETURN_CSTRING(buf.data);
}

PG_FUNCTION_INFO_V1(pav_state_send);
Datum
pav_state_send(PG_FUNCTION_ARGS)
{
	PavState   *s = pav_compact_copy(PG_GETARG_PAV_P(0));
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, PAV_VERSION);
	pq_sendbyte(&buf, s->flags);
	pq_sendint64(&buf, s->nrows);
	pq_sendint32(&buf, s->nsorted);
	for (int i = 0; i < s->nsorted; i++)
	{
		pq_sendfloat8(&buf, s->pts[i].p);
		pq_sendfloat8(&buf, s->pts[i].w);
		pq_sendfloat8(&buf, s->pts[i].wy);
		pq_sendfloat8(&buf, s->pts[i].wyy);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(pav_state_recv);
Datum
pav_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version = pq_getmsgbyte(buf);
	int			flags = pq_getmsgbyte(buf);
	int64		rows;
	int32		n;
	PavState   *s;

	if (version != PAV_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported pav_state version %d", version)));
	rows = pq_getmsgint64(buf);
	n = pq_getmsgint(buf, 4);
	if (n < 0 || n > PAV_MAX_EXACT ||
		(Size) n * 4 * sizeof(double) > (Size) (buf->len - buf->cursor))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid pav_state point count %d", n)));
	s = pav_alloc(n, (uint8) flags);
	for (int i = 0; i < n; i++)
	{
		s->pts[i].p = pq_getmsgfloat8(buf);
		s->pts[i].w = pq_getmsgfloat8(buf);
		s->pts[i].wy = pq_getmsgfloat8(buf);
		s->pts[i].wyy = pq_getmsgfloat8(buf);
	}
	s->nsorted = n;
	s->nrows = rows;
	pav_validate(s, ERRCODE_INVALID_BINARY_REPRESENTATION);
	PG_RETURN_POINTER(s);
}

/* ---------------------------------------------------------------- */
/* aggregate support                                                 */
/* ---------------------------------------------------------------- */

/*
 * Read (state, p, y [, weight]); false when the row is skipped (a NULL
 * argument or weight 0).
 */
static bool
pav_args(FunctionCallInfo fcinfo, bool ybool, double *p, double *y,
		 double *w)
{
	for (int i = 1; i < PG_NARGS(); i++)
		if (PG_ARGISNULL(i))
			return false;
	*p = PG_GETARG_FLOAT8(1);
	pc_check_probability(*p, "probability");
	*p += 0.0;					/* -0 is 0 */
	return pc_target_weight_args(fcinfo, ybool, y, w);
}

static Datum
pav_trans_common(FunctionCallInfo fcinfo, bool ybool)
{
	PavState   *s;
	PavPoint   *pt;
	double		p,
				y,
				w;

	pc_agg_context(fcinfo, "pav_state transition function");
	if (!pav_args(fcinfo, ybool, &p, &y, &w))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	/*
	 * A new or larger state is allocated in the per-call context: the
	 * executor copies a new transition value into the aggregate context
	 * and frees the old one.
	 */
	if (PG_ARGISNULL(0))
		s = pav_alloc_tail(0, PAV_MIN_TAILBITS, 0);
	else
		s = (PavState *) PG_GETARG_POINTER(0);
	if (unlikely(s->tailbits == 0 || s->ntail >= (1 << s->tailbits)))
		s = pav_rebuild(s, scratch_get(fcinfo, (Size) s->nsorted + 2 * (Size) s->ntail + 1));
	if (s->flags & PAV_F_GRID)
		p = pav_grid_round(p);

	pt = &s->pts[s->capacity + s->ntail++];
	pt->p = p;
	pt->w = w;
	pt->wy = w * y;
	pt->wyy = w * (y * y);
	s->nrows++;
	PG_RETURN_POINTER(s);
}

/* pav_state_trans(state, p, y [, weight]) */
PG_FUNCTION_INFO_V1(pav_state_trans_bool);
Datum
pav_state_trans_bool(PG_FUNCTION_ARGS)
{
	return pav_trans_common(fcinfo, true);
}

PG_FUNCTION_INFO_V1(pav_state_trans_float8);
Datum
pav_state_trans_float8(PG_FUNCTION_ARGS)
{
	return pav_trans_common(fcinfo, false);
}

/*
 * pav_state_combine(a, b): the state of the union.  Also the transition
 * of pav_state_merge.  Never returns b's pointer; the result is a new value in
 * the per-call context, which the executor copies into the aggregate
 * context (freeing a).
 */
PG_FUNCTION_INFO_V1(pav_state_combine);
Datum
pav_state_combine(PG_FUNCTION_ARGS)
{
	PavState   *a,
			   *b,
			   *r;
	bool		overflow = false;
	uint8		flags;

	pc_agg_context(fcinfo, "pav_state_combine");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = pav_compact_copy(PG_GETARG_PAV_P(1));
	if (PG_ARGISNULL(0))
	{
		r = pav_alloc(Max(b->nsorted, 16), b->flags);
		memcpy(r->pts, b->pts, sizeof(PavPoint) * b->nsorted);
		r->nsorted = b->nsorted;
		r->nrows = b->nrows;
		PG_RETURN_POINTER(r);
	}
	a = pav_compact_copy(PG_GETARG_PAV_P(0));
	flags = a->flags | b->flags;
	if (flags & PAV_F_GRID)
	{
		a->nsorted = pav_grid_compact(a->pts, a->nsorted);
		b->nsorted = pav_grid_compact(b->pts, b->nsorted);
	}
	r = pav_alloc(Max(a->nsorted + b->nsorted, 16), flags);
	r->nsorted = pav_merge_runs(a->pts, a->nsorted, b->pts, b->nsorted,
								r->pts, &overflow);
	if (overflow)
		pav_weight_overflow();
	r->nrows = a->nrows + b->nrows;
	if (r->nrows < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("row count out of range")));
	pav_grid_check(r);			/* grid mode if past the limit */
	PG_RETURN_POINTER(r);
}

/* pav_state_agg final function: the compacted state */
PG_FUNCTION_INFO_V1(pav_state_final);
Datum
pav_state_final(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	PG_RETURN_POINTER(pav_compact_copy(PG_GETARG_PAV_P(0)));
}
