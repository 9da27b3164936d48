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
 * Text form (pc_json.h), keys in this order:
 *
 *	{"version": 1, "method": "temperature", "input": "probability",
 *	 "temperature": T, "rows": N, "weight": W, "logloss": L,
 *	 "logloss_identity": L0, "iterations": I, "decrement": D}
 *
 * and for Platt scaling "smoothing": B, "a": A, "b": B in place of
 * "temperature"; an isotonic recalibrator's keys after "method" are
 * recal_isotonic.c's.
 */
static Datum
recalibrator_from_json(const char *whole)
{
	static const char *const methods[3] = {"temperature", "platt", "isotonic"};
	static const char *const kinds[2] = {"probability", "score"};
	PcJson		js;
	Recalibrator *r;
	int			method;

	StaticAssertStmt(RECAL_TEMPERATURE == 1 && RECAL_PLATT == 2 &&
					 RECAL_ISOTONIC == 3, "methods in the order of their names");
	pc_json_init(&js, whole, "recal_model");
	pc_json_begin(&js, RECALIBRATOR_VERSION);
	pc_json_key(&js, "method");
	method = pc_json_choice(&js, methods, 3) + 1;
	if (method == RECAL_ISOTONIC)
		return recal_iso_in(&js);
	r = palloc0(sizeof(Recalibrator));
	SET_VARSIZE(r, sizeof(Recalibrator));
	r->version = RECALIBRATOR_VERSION;
	r->method = method;
	pc_json_key(&js, "input");
	r->kind = pc_json_choice(&js, kinds, 2) == 0 ? RECAL_KIND_PROB : RECAL_KIND_SCORE;
	if (method == RECAL_TEMPERATURE)
	{
		r->param[0] = pc_json_key_float8(&js, "temperature", PC_JSON_NONFINITE);
	}
	else
	{
		r->smoothing = pc_json_key_bool(&js, "smoothing");
		r->param[0] = pc_json_key_float8(&js, "a", PC_JSON_NONFINITE);
		r->param[1] = pc_json_key_float8(&js, "b", PC_JSON_NONFINITE);
	}
	r->nrows = pc_json_key_int8(&js, "rows");
	r->sumw = pc_json_key_float8(&js, "weight", PC_JSON_NONFINITE);
	r->loss = pc_json_key_float8(&js, "logloss", PC_JSON_NONFINITE);
	r->loss_identity = pc_json_key_float8(&js, "logloss_identity", PC_JSON_NONFINITE);
	r->iterations = pc_json_key_int4(&js, "iterations", 0, 10000);
	r->decrement = pc_json_key_float8(&js, "decrement", PC_JSON_NONFINITE);
	pc_json_end(&js);
	recalibrator_validate(r, whole, ERRCODE_INVALID_TEXT_REPRESENTATION);
	return PointerGetDatum(r);
}

/*
 * The form 0.1.0 wrote: "v1 temperature p T=.. rows=.. weight=..
 * logloss=.. logloss_identity=.. iterations=.. decrement=.." or "v1 platt
 * s smoothing=false a=.. b=.. rows=.. ..."
 */
static Datum
recalibrator_from_legacy(const char *whole)
{
	const char *p = whole;
	Recalibrator *r = palloc0(sizeof(Recalibrator));
	int64		it;

	SET_VARSIZE(r, sizeof(Recalibrator));
	r->version = RECALIBRATOR_VERSION;
	recal_expect_token(&p, "v1", "recal_model", whole);
	while (*p == ' ')
		p++;
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
				 errdetail("The method must be \"temperature\" or \"platt\".")));
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
	return PointerGetDatum(r);
}

PG_FUNCTION_INFO_V1(recalibrator_in);
Datum
recalibrator_in(PG_FUNCTION_ARGS)
{
	const char *whole = PG_GETARG_CSTRING(0);

	if (pc_json_is_json(whole))
		return recalibrator_from_json(whole);
	return recalibrator_from_legacy(whole);
}

static void
recalibrator_text(StringInfo buf, const Recalibrator *r)
{
	pc_jw_begin(buf, r->version);
	pc_jw_key_string(buf, "method",
					 r->method == RECAL_TEMPERATURE ? "temperature" : "platt");
	pc_jw_key_string(buf, "input", recal_kind_name(r->kind));
	if (r->method == RECAL_TEMPERATURE)
		pc_jw_key_float8(buf, "temperature", r->param[0]);
	else
	{
		pc_jw_key_bool(buf, "smoothing", r->smoothing);
		pc_jw_key_float8(buf, "a", r->param[0]);
		pc_jw_key_float8(buf, "b", r->param[1]);
	}
	pc_jw_key_int8(buf, "rows", r->nrows);
	pc_jw_key_float8(buf, "weight", r->sumw);
	pc_jw_key_float8(buf, "logloss", r->loss);
	pc_jw_key_float8(buf, "logloss_identity", r->loss_identity);
	pc_jw_key_int8(buf, "iterations", r->iterations);
	pc_jw_key_float8(buf, "decrement", r->decrement);
	pc_jw_end(buf);
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
