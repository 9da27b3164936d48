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

static double
iso_field(const char **p, const char *tok, const char *whole)
{
	recal_expect_token(p, tok, "recal_model", whole);
	return pc_parse_float8(p, "recal_model", whole);
}

/*
 * "v1 isotonic p rows=N weight=W logloss=L logloss_identity=L0 brier=B
 * brier_identity=B0 knots=[x y; x y; ...]"
 */
Datum
recal_iso_in(const char *whole)
{
	const char *p = whole;
	const char *q;
	int64		n = 1;
	int64		rows;
	char	   *end;
	IsoRecal   *r;
	IsoRecal	hdr;

	recal_expect_token(&p, "v1", "recal_model", whole);
	recal_expect_token(&p, "isotonic", "recal_model", whole);
	recal_expect_token(&p, "p", "recal_model", whole);
	recal_expect_token(&p, "rows=", "recal_model", whole);
	errno = 0;
	rows = strtoll(p, &end, 10);
	if (end == p || errno == ERANGE || rows < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type recal_model: \"%s\"", whole),
				 errdetail("rows must be a positive integer.")));
	p = end;
	hdr.sumw = iso_field(&p, "weight=", whole);
	hdr.loss = iso_field(&p, "logloss=", whole);
	hdr.loss_identity = iso_field(&p, "logloss_identity=", whole);
	hdr.brier = iso_field(&p, "brier=", whole);
	hdr.brier_identity = iso_field(&p, "brier_identity=", whole);
	recal_expect_token(&p, "knots=[", "recal_model", whole);
	for (q = p; *q && *q != ']'; q++)
		if (*q == ';')
			n++;
	if (n > ISO_MAX_KNOTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("isotonic recalibrator has more than %d knots", ISO_MAX_KNOTS)));
	r = iso_alloc((int32) n);
	r->nrows = rows;
	r->sumw = hdr.sumw;
	r->loss = hdr.loss;
	r->loss_identity = hdr.loss_identity;
	r->brier = hdr.brier;
	r->brier_identity = hdr.brier_identity;
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			recal_expect_token(&p, ";", "recal_model", whole);
		ISO_X(r)[i] = pc_parse_float8(&p, "recal_model", whole);
		ISO_Y(r)[i] = pc_parse_float8(&p, "recal_model", whole);
	}
	recal_expect_token(&p, "]", "recal_model", whole);
	while (*p == ' ')
		p++;
	if (*p != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type recal_model: \"%s\"", whole),
				 errdetail("Unexpected text at \"%.20s\".", p)));
	iso_validate(r, ERRCODE_INVALID_TEXT_REPRESENTATION);
	return PointerGetDatum(r);
}

void
recal_iso_out(StringInfo buf, const IsoRecal *r)
{
	appendStringInfo(buf, "v1 isotonic p rows=" INT64_FORMAT " weight=", r->nrows);
	pc_append_float8(buf, r->sumw);
	appendStringInfoString(buf, " logloss=");
	pc_append_float8(buf, r->loss);
	appendStringInfoString(buf, " logloss_identity=");
	pc_append_float8(buf, r->loss_identity);
	appendStringInfoString(buf, " brier=");
	pc_append_float8(buf, r->brier);
	appendStringInfoString(buf, " brier_identity=");
	pc_append_float8(buf, r->brier_identity);
	appendStringInfoString(buf, " knots=[");
	for (int i = 0; i < r->nknots; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, "; ");
		pc_append_float8(buf, ISO_X(r)[i]);
		appendStringInfoChar(buf, ' ');
		pc_append_float8(buf, ISO_Y(r)[i]);
	}
	appendStringInfoChar(buf, ']');
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
	r = iso_alloc(n);
	r->kind = hdr.kind;
	r->nrows = hdr.nrows;
	r->sumw = hdr.sumw;
	r->loss = hdr.loss;
	r->loss_identity = hdr.loss_identity;
	r->brier = hdr.brier;
	r->brier_identity = hdr.brier_identity;
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
