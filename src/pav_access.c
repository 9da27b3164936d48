/*-------------------------------------------------------------------------
 *
 * pav_access.c
 *	  What is read from a pav_state: the isotonic recalibrator (final
 *	  function of isotonic_scaling, and its part of the recalibrator
 *	  type's I/O, which recal.c hands over), the CORP decomposition and
 *	  diagram, equal-mass and debiased ECE, and a summary.
 *
 * The isotonic recalibrator stores the knots of scikit-learn's
 * IsotonicRegression(out_of_bounds='clip'): for every PAV block its first
 * and last prediction at the block's mean outcome; recalibrate() clips to
 * the first and last knot and interpolates linearly between them.
 *
 *-------------------------------------------------------------------------
 */
#include "pav_glue.h"
#include "calib_glue.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "recal.h"

#define ISO_VERSION 1
#define ISO_KIND_PROB 'p'

/* must agree with recal.c's Recalibrator in vl_len_, version and method */
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

/* w * (-y log f - (1 - y) log(1 - f)) summed, with 0 log 0 = 0 */
static double
logloss_term(double w, double wy, double f)
{
	double		l = 0;

	if (wy > 0)
		l -= wy * log(f);
	if (w - wy > 0)
		l -= (w - wy) * log1p(-f);
	return l;
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
		ll += logloss_term(pt->w, pt->wy, f);
		ll0 += logloss_term(pt->w, pt->wy, pt->p);
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
				 errmsg("invalid recalibrator value"),
				 errdetail("In an isotonic recalibrator, %s.", bad)));
}

static void
iso_expect(const char **p, const char *tok, const char *whole)
{
	size_t		len = strlen(tok);

	while (**p == ' ')
		(*p)++;
	if (strncmp(*p, tok, len) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type recalibrator: \"%s\"", whole),
				 errdetail("Expected \"%s\" at \"%.20s\".", tok, *p)));
	*p += len;
}

static double
iso_field(const char **p, const char *tok, const char *whole)
{
	iso_expect(p, tok, whole);
	return pc_parse_float8(p, "recalibrator", whole);
}

/*
 * "v1 isotonic p rows=N weight=W logloss=L logloss_identity=L0 brier=B
 * brier_identity=B0 knots=[x y; x y; ...]"
 */
Datum
pav_recal_in(const char *whole)
{
	const char *p = whole;
	const char *q;
	int64		n = 1;
	int64		rows;
	char	   *end;
	IsoRecal   *r;
	IsoRecal	hdr;

	iso_expect(&p, "v1", whole);
	iso_expect(&p, "isotonic", whole);
	iso_expect(&p, "p", whole);
	iso_expect(&p, "rows=", whole);
	errno = 0;
	rows = strtoll(p, &end, 10);
	if (end == p || errno == ERANGE || rows < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type recalibrator: \"%s\"", whole),
				 errdetail("rows must be a positive integer.")));
	p = end;
	hdr.sumw = iso_field(&p, "weight=", whole);
	hdr.loss = iso_field(&p, "logloss=", whole);
	hdr.loss_identity = iso_field(&p, "logloss_identity=", whole);
	hdr.brier = iso_field(&p, "brier=", whole);
	hdr.brier_identity = iso_field(&p, "brier_identity=", whole);
	iso_expect(&p, "knots=[", whole);
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
			iso_expect(&p, ";", whole);
		ISO_X(r)[i] = pc_parse_float8(&p, "recalibrator", whole);
		ISO_Y(r)[i] = pc_parse_float8(&p, "recalibrator", whole);
	}
	iso_expect(&p, "]", whole);
	while (*p == ' ')
		p++;
	if (*p != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type recalibrator: \"%s\"", whole),
				 errdetail("Unexpected text at \"%.20s\".", p)));
	iso_validate(r, ERRCODE_INVALID_TEXT_REPRESENTATION);
	return PointerGetDatum(r);
}

void
pav_recal_out(StringInfo buf, const void *rv)
{
	const IsoRecal *r = rv;

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
 * recal.c has read nothing yet.
 */
void
pav_recal_send(StringInfo buf, const void *rv)
{
	const IsoRecal *r = rv;

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
pav_recal_recv(StringInfo buf)
{
	IsoRecal	hdr;
	IsoRecal   *r;
	int32		n;

	memset(&hdr, 0, sizeof(hdr));
	if (pq_getmsgbyte(buf) != ISO_VERSION || pq_getmsgbyte(buf) != RECAL_ISOTONIC)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid recalibrator value")));
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
pav_recal_apply(const void *rv, double p)
{
	const IsoRecal *r = rv;

	pc_check_probability(p, "probability");
	return pav_interp(ISO_X(r), ISO_Y(r), r->nknots, p);
}

static void
append_loss(StringInfo buf, double v)
{
	if (isinf(v))
		appendStringInfoString(buf, "null");
	else
		pc_append_float8(buf, v);
}

void
pav_recal_info(StringInfo buf, const void *rv)
{
	const IsoRecal *r = rv;

	appendStringInfo(buf, "{\"version\": %d, \"method\": \"isotonic\", \"input\": \"probability\", \"knots\": %d",
					 r->version, r->nknots);
	appendStringInfoString(buf, ", \"min_p\": ");
	pc_append_float8(buf, ISO_X(r)[0]);
	appendStringInfoString(buf, ", \"max_p\": ");
	pc_append_float8(buf, ISO_X(r)[r->nknots - 1]);
	appendStringInfo(buf, ", \"rows\": " INT64_FORMAT ", \"weight\": ", r->nrows);
	pc_append_float8(buf, r->sumw);
	appendStringInfoString(buf, ", \"logloss\": ");
	append_loss(buf, r->loss);
	appendStringInfoString(buf, ", \"logloss_identity\": ");
	append_loss(buf, r->loss_identity);
	appendStringInfoString(buf, ", \"brier\": ");
	pc_append_float8(buf, r->brier);
	appendStringInfoString(buf, ", \"brier_identity\": ");
	pc_append_float8(buf, r->brier_identity);
	appendStringInfoChar(buf, '}');
}

/* ---------------------------------------------------------------- */
/* CORP, ECE, summary                                                */
/* ---------------------------------------------------------------- */

static void
corp_of(const PavState *s, PavCorp *c)
{
	PavBlock   *blocks = palloc(sizeof(PavBlock) * Max(s->nsorted, 1));

	pav_corp(s->pts, s->nsorted, blocks, c);
	pfree(blocks);
	if (!isfinite(c->weight))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("total weight is out of range")));
}

/* corp_decomposition final function; pav_corp(state) -> corp_terms */
PG_FUNCTION_INFO_V1(pav_corp_terms);
Datum
pav_corp_terms(PG_FUNCTION_ARGS)
{
	PavState   *s;
	PavCorp		c;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = pav_compact_copy(PG_GETARG_PAV_P(0));
	if (s->nsorted == 0)
		PG_RETURN_NULL();
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	corp_of(s, &c);
	values[0] = Float8GetDatum(c.score);
	values[1] = Float8GetDatum(c.mcb);
	values[2] = Float8GetDatum(c.dsc);
	values[3] = Float8GetDatum(c.unc);
	tupdesc = BlessTupleDesc(tupdesc);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

static int
nbins_arg(FunctionCallInfo fcinfo, int n)
{
	int32		nbins = PG_GETARG_INT32(n);

	if (nbins < 1 || nbins > PREFCAL_MAX_BINS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("nbins %d is out of range", nbins),
				 errdetail("The number of bins must be between 1 and %d.",
						   PREFCAL_MAX_BINS)));
	return nbins;
}

/* equal_mass_ece(state, nbins) */
PG_FUNCTION_INFO_V1(pav_equal_mass_ece);
Datum
pav_equal_mass_ece(PG_FUNCTION_ARGS)
{
	PavState   *s = pav_compact_copy(PG_GETARG_PAV_P(0));
	int			nbins = nbins_arg(fcinfo, 1);
	PavCorp		c;

	if (s->nsorted == 0)
		PG_RETURN_NULL();
	corp_of(s, &c);				/* checks the total weight */
	PG_RETURN_FLOAT8(pav_ece_equal_mass(s->pts, s->nsorted, nbins));
}

/* debiased_squared_ece(state, nbins) */
PG_FUNCTION_INFO_V1(pav_debiased_sq_ece);
Datum
pav_debiased_sq_ece(PG_FUNCTION_ARGS)
{
	PavState   *s = pav_compact_copy(PG_GETARG_PAV_P(0));
	int			nbins = nbins_arg(fcinfo, 1);
	PavCorp		c;

	if (s->nsorted == 0)
		PG_RETURN_NULL();
	corp_of(s, &c);
	PG_RETURN_FLOAT8(pav_ece_debiased_sq(s->pts, s->nsorted, nbins));
}

/* pav_info(state) -> jsonb */
PG_FUNCTION_INFO_V1(pav_info);
Datum
pav_info(PG_FUNCTION_ARGS)
{
	PavState   *s = pav_compact_copy(PG_GETARG_PAV_P(0));
	StringInfoData buf;
	double		W = 0,
				WY = 0;

	for (int i = 0; i < s->nsorted; i++)
	{
		W += s->pts[i].w;
		WY += s->pts[i].wy;
	}
	initStringInfo(&buf);
	appendStringInfo(&buf, "{\"version\": %d, \"grid\": %s, \"rows\": " INT64_FORMAT
					 ", \"distinct_p\": %d, \"max_exact\": %d, \"weight\": ",
					 s->version, (s->flags & PAV_F_GRID) ? "true" : "false",
					 s->nrows, s->nsorted, PAV_MAX_EXACT);
	append_loss(&buf, W);
	appendStringInfoString(&buf, ", \"weighted_y\": ");
	append_loss(&buf, WY);
	appendStringInfoChar(&buf, '}');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

/* ---------------------------------------------------------------- */
/* CORP reliability diagram                                          */
/* ---------------------------------------------------------------- */

#define HIST_CELLS	50



/*
 * corp_svg(state, title text DEFAULT NULL) -> text
 *
 * The CORP reliability diagram: the PAV-recalibrated probability against
 * the prediction (each block a flat segment, consecutive blocks joined),
 * the diagonal, a strip with the distribution of the predictions, and a
 * caption with the decomposition.
 */
PG_FUNCTION_INFO_V1(pav_corp_svg);
Datum
pav_corp_svg(PG_FUNCTION_ARGS)
{
	PavState   *s;
	PavBlock   *blocks;
	PavCorp		c;
	StringInfoData buf;
	const char *title = "CORP reliability diagram";
	double		hist[HIST_CELLS];
	double		maxh = 0;
	int			nb;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = pav_compact_copy(PG_GETARG_PAV_P(0));
	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
		title = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (s->nsorted == 0)
		PG_RETURN_NULL();
	corp_of(s, &c);
	blocks = palloc(sizeof(PavBlock) * s->nsorted);
	nb = pav_fit(s->pts, s->nsorted, blocks);
	memset(hist, 0, sizeof(hist));
	for (int i = 0; i < s->nsorted; i++)
	{
		int			k = (int) (s->pts[i].p * HIST_CELLS);

		hist[Min(k, HIST_CELLS - 1)] += s->pts[i].w;
	}
	for (int k = 0; k < HIST_CELLS; k++)
		maxh = Max(maxh, hist[k]);

	initStringInfo(&buf);
	calib_svg_frame(&buf, title, "predicted probability",
					"conditional event probability (PAV)");

	/* the PAV curve */
	appendStringInfoString(&buf, "<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\" points=\"");
	for (int b = 0; b < nb; b++)
	{
		double		m = blocks[b].wy / blocks[b].w;
		double		x0 = s->pts[blocks[b].first].p,
					x1 = s->pts[blocks[b].last].p;

		if ((b & 0xffff) == 0)
			CHECK_FOR_INTERRUPTS();
		appendStringInfo(&buf, "%s%.2f,%.2f", b > 0 ? " " : "", XPIX(x0), YPIX(m));
		if (x1 != x0)
			appendStringInfo(&buf, " %.2f,%.2f", XPIX(x1), YPIX(m));
	}
	appendStringInfo(&buf, "\"><title>PAV fit: %d blocks</title></polyline>\n", nb);

	/* distribution of the predictions */
	for (int k = 0; k < HIST_CELLS && maxh > 0; k++)
	{
		double		frac = hist[k] / maxh;

		if (hist[k] <= 0)
			continue;
		appendStringInfo(&buf,
						 "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"#636363\"/>\n",
						 XPIX((double) k / HIST_CELLS), HIST_TOP + HIST_H * (1.0 - frac),
						 (double) PSIZE / HIST_CELLS, HIST_H * frac);
	}
	appendStringInfo(&buf,
					 "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" font-size=\"10\">n</text>\n",
					 PX0 - 6, HIST_TOP + HIST_H);
	appendStringInfo(&buf, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
					 SVG_W / 2, SVG_H - 12);
	appendStringInfo(&buf,
					 "Brier = %.4f, MCB = %.4f, DSC = %.4f, UNC = %.4f, N = %.10g</text>\n",
					 c.score, c.mcb, c.dsc, c.unc, c.weight);
	appendStringInfoString(&buf, "</svg>\n");
	PG_RETURN_TEXT_P(cstring_to_text(buf.data));
}
