/*-------------------------------------------------------------------------
 *
 * recal_type.c
 *	  The stored type recalibrator: recalibrate(r, x), its text and binary
 *	  I/O and recal_info(r).  Temperature and Platt recalibrators are
 *	  handled here; an isotonic one is handed to recal_isotonic.c, which
 *	  owns its layout.
 *
 *-------------------------------------------------------------------------
 */
#include "recal_int.h"

#include <math.h>

#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

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
		PG_RETURN_FLOAT8(recal_iso_apply((const IsoRecal *) r, x));
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
				 errmsg("invalid recal_model value \"%s\"", whole),
				 errdetail("In a recalibrator, %s.", bad)));
}

static double
parse_field(const char **p, const char *key, const char *whole)
{
	char		tok[32];

	snprintf(tok, sizeof(tok), "%s=", key);
	recal_expect_token(p, tok, "recal_model", whole);
	return pc_parse_float8(p, "recal_model", whole);
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
	recal_expect_token(&p, "v1", "recal_model", whole);
	while (*p == ' ')
		p++;
	if (strncmp(p, "isotonic", 8) == 0)
		PG_RETURN_DATUM(recal_iso_in(whole));
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
				 errmsg("invalid input syntax for type recal_model: \"%s\"", whole),
				 errdetail("The method must be \"temperature\", \"platt\" or \"isotonic\".")));
	while (*p == ' ')
		p++;
	if (*p == RECAL_KIND_PROB || *p == RECAL_KIND_SCORE)
		r->kind = (uint8) *p++;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type recal_model: \"%s\"", whole),
				 errdetail("The input kind must be \"p\" (probability) or \"s\" (score).")));
	if (r->method == RECAL_TEMPERATURE)
		r->param[0] = parse_field(&p, "T", whole);
	else
	{
		recal_expect_token(&p, "smoothing=", "recal_model", whole);
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
					 errmsg("invalid input syntax for type recal_model: \"%s\"", whole),
					 errdetail("smoothing must be true or false.")));
		r->param[0] = parse_field(&p, "a", whole);
		r->param[1] = parse_field(&p, "b", whole);
	}
	recal_expect_token(&p, "rows=", "recal_model", whole);
	r->nrows = recal_parse_int64(&p, "recal_model", whole);
	r->sumw = parse_field(&p, "weight", whole);
	r->loss = parse_field(&p, "logloss", whole);
	r->loss_identity = parse_field(&p, "logloss_identity", whole);
	recal_expect_token(&p, "iterations=", "recal_model", whole);
	it = recal_parse_int64(&p, "recal_model", whole);
	if (it > 10000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid recal_model value \"%s\"", whole),
				 errdetail("iterations must be at most 10000.")));
	r->iterations = (int32) it;
	r->decrement = parse_field(&p, "decrement", whole);
	while (*p == ' ')
		p++;
	if (*p != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type recal_model: \"%s\"", whole),
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
		recal_iso_out(&buf, (const IsoRecal *) r);
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
		recal_iso_send(&buf, (const IsoRecal *) r);
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
		PG_RETURN_DATUM(recal_iso_recv(buf));
	r = palloc0(sizeof(Recalibrator));
	SET_VARSIZE(r, sizeof(Recalibrator));
	version = pq_getmsgbyte(buf);
	if (version != RECALIBRATOR_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported recal_model version %d", version)));
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
				 errmsg("invalid recal_model value")));
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
		recal_iso_info(&buf, (const IsoRecal *) r);
		PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
	}
	appendStringInfo(&buf, "{\"version\": %d, \"method\": \"%s\", \"input\": \"%s\"",
					 r->version,
					 r->method == RECAL_TEMPERATURE ? "temperature" : "platt",
					 recal_kind_name(r->kind));
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
