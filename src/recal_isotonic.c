/*-------------------------------------------------------------------------
 *
 * recal_isotonic.c
 *	  The isotonic recalibrator: built from a pav_state (the final
 *	  function of isotonic_scaling, pav_isotonic(state)) and its part of
 *	  the recalibrator type (I/O, apply, info), which recal_type.c hands
 *	  over.  The PAV maths is pav_math.c's.
 *
 * It stores the knots of scikit-learn's IsotonicRegression
 * (out_of_bounds='clip'): for every PAV block its first and last
 * prediction at the block's mean outcome; recalibrate() clips to the
 * first and last knot and interpolates linearly between them.
 *
 *-------------------------------------------------------------------------
 */
#include "recal_int.h"

#include <math.h>

#include "libpq/pqformat.h"
#include "miscadmin.h"

#include "pav_glue.h"

#define ISO_VERSION 1
#define ISO_KIND_PROB 'p'

#define ISO_SIZE(n) (offsetof(IsoRecal, knots) + (Size) (n) * 2 * sizeof(double))
#define ISO_X(r) ((r)->knots)
#define ISO_Y(r) ((r)->knots + (r)->nknots)
#define ISO_MAX_KNOTS (2 * PAV_MAX_EXACT)

static IsoRecal *
iso_alloc(int32 n)
{
	IsoRecal   *r = palloc0(ISO_SIZE(n));

	SET_VARSIZE(r, ISO_SIZE(n));
	r->version = ISO_VERSION;
	r->method = RECAL_ISOTONIC;
	r->kind = ISO_KIND_PROB;
	r->nknots = n;
	return r;
}

/* an isotonic recalibrator of n knots with hdr's summary figures (read) */
static IsoRecal *
iso_alloc_like(const IsoRecal *hdr, int32 n)
{
	IsoRecal   *r = iso_alloc(n);

	r->nrows = hdr->nrows;
	r->sumw = hdr->sumw;
	r->loss = hdr->loss;
	r->loss_identity = hdr->loss_identity;
	r->brier = hdr->brier;
	r->brier_identity = hdr->brier_identity;
	return r;
}

/* the fit of a compacted state, or NULL when it is empty */
static IsoRecal *
iso_fit(const PavState *s)
{
	int			n = s->nsorted;
	PavPoint   *groups;
	PavBlock   *blocks;
	double	   *xs,
			   *ys;
	int			nk;
	IsoRecal   *r;
	double		W = 0,
				ll = 0,
				ll0 = 0,
				br = 0,
				br0 = 0;

	if (n == 0)
		return NULL;
	groups = palloc(sizeof(PavPoint) * n);
	blocks = palloc(sizeof(PavBlock) * n);
	xs = palloc(sizeof(double) * 2 * n);
	ys = palloc(sizeof(double) * 2 * n);
	nk = pav_isotonic_knots(s->pts, n, groups, blocks, xs, ys);
	r = iso_alloc(nk);
	memcpy(ISO_X(r), xs, sizeof(double) * nk);
	memcpy(ISO_Y(r), ys, sizeof(double) * nk);
	for (int i = 0; i < n; i++)
	{
		const PavPoint *pt = &s->pts[i];
		double		f = pav_interp(ISO_X(r), ISO_Y(r), nk, pt->p);

		if ((i & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		W += pt->w;
		ll += pav_logloss_sum(pt->w, pt->wy, f);
		ll0 += pav_logloss_sum(pt->w, pt->wy, pt->p);
		br += pt->w * f * f - 2.0 * f * pt->wy + pt->wyy;
		br0 += pt->w * pt->p * pt->p - 2.0 * pt->p * pt->wy + pt->wyy;
	}
	if (!isfinite(W))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("total weight is out of range")));
	r->nrows = s->nrows;
	r->sumw = W;
	r->loss = Max(ll / W, 0.0);
	r->loss_identity = Max(ll0 / W, 0.0);
	r->brier = Max(br / W, 0.0);
	r->brier_identity = Max(br0 / W, 0.0);
	pfree(groups);
	pfree(blocks);
	pfree(xs);
	pfree(ys);
	return r;
}

/* isotonic_scaling(p, y [, weight]) final function; pav_isotonic(state) */
PG_FUNCTION_INFO_V1(pav_isotonic);
Datum
pav_isotonic(PG_FUNCTION_ARGS)
{
	IsoRecal   *r;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	r = iso_fit(pav_compact_copy(PG_GETARG_PAV_P(0)));
	if (r == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(r);
}

/* ---------------------------------------------------------------- */
/* the isotonic recalibrator's part of the recalibrator type         */
/* ---------------------------------------------------------------- */

static void
iso_validate(const IsoRecal *r, int code)
{
	const char *bad = NULL;
	const double *x = ISO_X(r),
			   *y = ISO_Y(r);

	if (r->kind != ISO_KIND_PROB)
		bad = "the input kind must be p";
	else if (r->nknots < 1 || r->nknots > ISO_MAX_KNOTS)
		bad = "the number of knots is out of range";
	else if (r->nrows < 1)
		bad = "rows must be at least 1";
	else if (!(r->sumw > 0) || isinf(r->sumw))
		bad = "the weight must be positive and finite";
	else if (!(r->loss >= 0) || !(r->loss_identity >= 0) ||
			 !(r->brier >= 0 && r->brier <= 1) ||
			 !(r->brier_identity >= 0 && r->brier_identity <= 1))
		bad = "the losses must be non-negative and the Brier scores at most 1";
	for (int i = 0; !bad && i < r->nknots; i++)
	{
		if (!(x[i] >= 0 && x[i] <= 1) || !(y[i] >= 0 && y[i] <= 1))
			bad = "every knot must lie in [0, 1] x [0, 1]";
		else if (i > 0 && !(x[i] > x[i - 1]))
			bad = "the knots' predictions must be strictly increasing";
		else if (i > 0 && !(y[i] >= y[i - 1]))
			bad = "the knots' values must be non-decreasing";
	}
	if (bad)
		ereport(ERROR,
				(errcode(code),
				 errmsg("invalid recal_model value"),
				 errdetail("In an isotonic recalibrator, %s.", bad)));
}

/*
 * The rest of an isotonic recalibrator's text form after its "method"
 * (recal_type.c reads the version and the method):
 *
 *	{"version": 1, "method": "isotonic", "input": "probability", "rows": N,
 *	 "weight": W, "logloss": L, "logloss_identity": L0, "brier": B,
 *	 "brier_identity": B0, "knots": [[x, y], ...]}
 */
Datum
recal_iso_in(PcJson *js)
{
	static const char *const inputs[] = {"probability"};
	IsoRecal	hdr;
	IsoRecal   *r;
	int32		cap = 16;
	double	   *xy;
	Size		n = 0;

	pc_json_key(js, "input");
	pc_json_choice(js, inputs, 1);
	hdr.nrows = pc_json_key_int8(js, "rows");
	hdr.sumw = pc_json_key_float8(js, "weight", PC_JSON_NONFINITE);
	hdr.loss = pc_json_key_float8(js, "logloss", PC_JSON_NONFINITE);
	hdr.loss_identity = pc_json_key_float8(js, "logloss_identity", PC_JSON_NONFINITE);
	hdr.brier = pc_json_key_float8(js, "brier", PC_JSON_NONFINITE);
	hdr.brier_identity = pc_json_key_float8(js, "brier_identity", PC_JSON_NONFINITE);
	pc_json_key(js, "knots");
	xy = palloc(sizeof(double) * 2 * cap);
	while (pc_json_next(js, &n))
	{
		if ((int32) n > cap)
		{
			if (cap >= ISO_MAX_KNOTS)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("isotonic recalibrator has more than %d knots", ISO_MAX_KNOTS)));
			cap *= 2;
			xy = repalloc(xy, sizeof(double) * 2 * cap);
		}
		pc_json_float8_array(js, xy + 2 * (n - 1), 2, PC_JSON_NONFINITE);
	}
	pc_json_end(js);
	if (n < 1)
		pc_json_error(js, "at least one knot");
	r = iso_alloc_like(&hdr, (int32) n);
	for (Size i = 0; i < n; i++)
	{
		ISO_X(r)[i] = xy[2 * i];
		ISO_Y(r)[i] = xy[2 * i + 1];
	}
	iso_validate(r, ERRCODE_INVALID_TEXT_REPRESENTATION);
	return PointerGetDatum(r);
}

void
recal_iso_out(StringInfo buf, const IsoRecal *r)
{
	pc_jw_begin(buf, r->version);
	pc_jw_key_string(buf, "method", "isotonic");
	pc_jw_key_string(buf, "input", "probability");
	pc_jw_key_int8(buf, "rows", r->nrows);
	pc_jw_key_float8(buf, "weight", r->sumw);
	pc_jw_key_float8(buf, "logloss", r->loss);
	pc_jw_key_float8(buf, "logloss_identity", r->loss_identity);
	pc_jw_key_float8(buf, "brier", r->brier);
	pc_jw_key_float8(buf, "brier_identity", r->brier_identity);
	pc_jw_key(buf, "knots");
	appendStringInfoChar(buf, '[');
	for (int i = 0; i < r->nknots; i++)
	{
		double		xy[2] = {ISO_X(r)[i], ISO_Y(r)[i]};

		pc_jw_sep(buf, i);
		pc_jw_float8_array(buf, xy, 2);
	}
	appendStringInfoChar(buf, ']');
	pc_jw_end(buf);
}

/*
 * Binary: byte version, byte method, byte kind, int64 rows, float8 weight,
 * logloss, logloss_identity, brier, brier_identity, int32 n, n x (x, y).
 * recal_type.c has read nothing yet.
 */
void
recal_iso_send(StringInfo buf, const IsoRecal *r)
{
	pq_sendbyte(buf, ISO_VERSION);
	pq_sendbyte(buf, RECAL_ISOTONIC);
	pq_sendbyte(buf, r->kind);
	pq_sendint64(buf, r->nrows);
	pq_sendfloat8(buf, r->sumw);
	pq_sendfloat8(buf, r->loss);
	pq_sendfloat8(buf, r->loss_identity);
	pq_sendfloat8(buf, r->brier);
	pq_sendfloat8(buf, r->brier_identity);
	pq_sendint32(buf, r->nknots);
	for (int i = 0; i < r->nknots; i++)
	{
		pq_sendfloat8(buf, ISO_X(r)[i]);
		pq_sendfloat8(buf, ISO_Y(r)[i]);
	}
}

Datum
recal_iso_recv(StringInfo buf)
{
	IsoRecal	hdr;
	IsoRecal   *r;
	int32		n;

	memset(&hdr, 0, sizeof(hdr));
	if (pq_getmsgbyte(buf) != ISO_VERSION || pq_getmsgbyte(buf) != RECAL_ISOTONIC)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid recal_model value")));
	hdr.kind = pq_getmsgbyte(buf);
	hdr.nrows = pq_getmsgint64(buf);
	hdr.sumw = pq_getmsgfloat8(buf);
	hdr.loss = pq_getmsgfloat8(buf);
	hdr.loss_identity = pq_getmsgfloat8(buf);
	hdr.brier = pq_getmsgfloat8(buf);
	hdr.brier_identity = pq_getmsgfloat8(buf);
	n = pq_getmsgint(buf, 4);
	if (n < 1 || n > ISO_MAX_KNOTS ||
		(Size) n * 2 * sizeof(double) > (Size) (buf->len - buf->cursor))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid isotonic recalibrator knot count %d", n)));
	r = iso_alloc_like(&hdr, n);
	r->kind = hdr.kind;
	for (int i = 0; i < n; i++)
	{
		ISO_X(r)[i] = pq_getmsgfloat8(buf);
		ISO_Y(r)[i] = pq_getmsgfloat8(buf);
	}
	iso_validate(r, ERRCODE_INVALID_BINARY_REPRESENTATION);
	return PointerGetDatum(r);
}

double
recal_iso_apply(const IsoRecal *r, double p)
{
	pc_check_probability(p, "probability");
	return pav_interp(ISO_X(r), ISO_Y(r), r->nknots, p);
}

void
recal_iso_info(StringInfo buf, const IsoRecal *r)
{
	appendStringInfo(buf, "{\"version\": %d, \"method\": \"isotonic\", \"input\": \"probability\", \"knots\": %d",
					 r->version, r->nknots);
	appendStringInfoString(buf, ", \"min_p\": ");
	pc_append_float8(buf, ISO_X(r)[0]);
	appendStringInfoString(buf, ", \"max_p\": ");
	pc_append_float8(buf, ISO_X(r)[r->nknots - 1]);
	appendStringInfo(buf, ", \"rows\": " INT64_FORMAT ", \"weight\": ", r->nrows);
	pc_append_float8(buf, r->sumw);
	appendStringInfoString(buf, ", \"logloss\": ");
	pav_append_or_null(buf, r->loss);
	appendStringInfoString(buf, ", \"logloss_identity\": ");
	pav_append_or_null(buf, r->loss_identity);
	appendStringInfoString(buf, ", \"brier\": ");
	pc_append_float8(buf, r->brier);
	appendStringInfoString(buf, ", \"brier_identity\": ");
	pc_append_float8(buf, r->brier_identity);
	appendStringInfoChar(buf, '}');
}
