/*-------------------------------------------------------------------------
 *
 * bt_model.c
 *	  The accessors of a fitted Bradley-Terry model (bt_model): bt_scores,
 *	  bt_predict, bt_predict_tie, bt_predict_shown and bt_info.  The fit
 *	  is in bt_fit.c, the type's I/O in bt_model_io.c, its stored form in
 *	  bt_model.h.
 *
 *-------------------------------------------------------------------------
 */
#include "prefcal.h"

#include <math.h>

#include "bt_model.h"
#include "pc_math.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

/* ---------- item lookup ---------- */

static int32
btm_find_text(const BtModelFlat *m, const char *s, int len)
{
	const uint32 *off = BTM_OFF(m);
	const char *names = BTM_NAMES(m);
	int32		lo = 0,
				hi = m->n_items - 1;

	while (lo <= hi)
	{
		int32		mid = lo + (hi - lo) / 2;
		int			c = pc_cmp_bytes(names + off[mid], off[mid + 1] - off[mid] - 1,
									 s, len);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

static int32
btm_find_int8(const BtModelFlat *m, int64 id)
{
	const int64 *ids = BTM_IDS(m);
	int32		lo = 0,
				hi = m->n_items - 1;

	while (lo <= hi)
	{
		int32		mid = lo + (hi - lo) / 2;

		if (ids[mid] == id)
			return mid;
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* ---------- accessors ---------- */

typedef struct BtScoreOrder
{
	double		score;
	int32		k;
} BtScoreOrder;

static int
bt_score_desc(const void *a, const void *b)
{
	double		x = ((const BtScoreOrder *) a)->score;
	double		y = ((const BtScoreOrder *) b)->score;

	return (x < y) - (x > y);
}

/*
 * bt_scores(bt_model) -> SETOF (item text, score float8, se float8,
 *                               rank int, wins float8, losses float8,
 *                               ties float8), items in id order; rank 1 =
 * highest score, equal scores share the lowest rank.
 */
PG_FUNCTION_INFO_V1(bt_scores);
Datum
bt_scores(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	BtModelFlat *m = bt_model_get(PG_GETARG_DATUM(0));
	int32		n = m->n_items;
	BtScoreOrder *ord = palloc(sizeof(BtScoreOrder) * n);
	int32	   *rank = palloc(sizeof(int32) * n);

	InitMaterializedSRF(fcinfo, 0);
	for (int32 k = 0; k < n; k++)
	{
		ord[k].score = BTM_SCORE(m)[k];
		ord[k].k = k;
	}
	qsort(ord, n, sizeof(BtScoreOrder), bt_score_desc);
	for (int32 r = 0; r < n; r++)
		rank[ord[r].k] = (r > 0 && ord[r].score == ord[r - 1].score) ?
			rank[ord[r - 1].k] : r + 1;

	for (int32 k = 0; k < n; k++)
	{
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};

		if (m->kind == BT_IDS_TEXT)
			values[0] = CStringGetTextDatum(btm_name(m, k));
		else
			values[0] = CStringGetTextDatum(psprintf(INT64_FORMAT, BTM_IDS(m)[k]));
		values[1] = Float8GetDatum(BTM_SCORE(m)[k]);
		if (isnan(BTM_SE(m)[k]))
			nulls[2] = true;
		else
			values[2] = Float8GetDatum(BTM_SE(m)[k]);
		values[3] = Int32GetDatum(rank[k]);
		values[4] = Float8GetDatum(BTM_WINS(m)[k]);
		values[5] = Float8GetDatum(BTM_LOSSES(m)[k]);
		values[6] = Float8GetDatum(BTM_TIES(m)[k]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		if ((k & 1023) == 1023)
			CHECK_FOR_INTERRUPTS();
	}
	return (Datum) 0;
}

typedef enum BtPredictWhat
{
	BT_PRED_WIN,				/* P(a beats b), no position effect */
	BT_PRED_TIE,				/* P(tie) (Davidson) */
	BT_PRED_SHOWN				/* P(first-shown wins), position effect */
} BtPredictWhat;

static Datum
bt_predict_common(FunctionCallInfo fcinfo, bool int8ids, BtPredictWhat what)
{
	BtModelFlat *m = bt_model_get(PG_GETARG_DATUM(0));
	int32		a,
				b;
	double		d,
				p;

	if (m->kind != (int8ids ? BT_IDS_INT8 : BT_IDS_TEXT))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model has %s item ids", bt_kind_name(m->kind)),
				 errhint("Pass the items as %s.", bt_kind_name(m->kind))));
	if (what == BT_PRED_TIE && m->ties != BT_TIES_DAVIDSON)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model has no tie probability"),
				 errdetail("It was fitted with ties => '%s'.", bt_ties_names[m->ties]),
				 errhint("Fit with ties => 'davidson' to predict ties.")));
	if (int8ids)
	{
		a = btm_find_int8(m, PG_GETARG_INT64(1));
		b = btm_find_int8(m, PG_GETARG_INT64(2));
	}
	else
	{
		text	   *ta = PG_GETARG_TEXT_PP(1);
		text	   *tb = PG_GETARG_TEXT_PP(2);

		a = btm_find_text(m, VARDATA_ANY(ta), VARSIZE_ANY_EXHDR(ta));
		b = btm_find_text(m, VARDATA_ANY(tb), VARSIZE_ANY_EXHDR(tb));
	}
	if (a < 0 || b < 0)
		PG_RETURN_NULL();		/* unknown item: no prediction */
	d = BTM_SCORE(m)[a] - BTM_SCORE(m)[b];
	if (what == BT_PRED_SHOWN)
		d += m->position;
	if (m->ties == BT_TIES_DAVIDSON)
	{
		double		u = 0.5 * d;
		double		mx = fmax(fabs(u), m->tie_log);
		double		logd = mx + log(exp(u - mx) + exp(-u - mx) + exp(m->tie_log - mx));

		p = (what == BT_PRED_TIE) ? exp(m->tie_log - logd) : exp(u - logd);
	}
	else
		p = pc_sigmoid(d);
	PG_RETURN_FLOAT8(p);
}

/* bt_predict(m, a text, b text): P(a beats b), NULL for an unknown item */
PG_FUNCTION_INFO_V1(bt_predict);
Datum
bt_predict(PG_FUNCTION_ARGS)
{
	return bt_predict_common(fcinfo, false, BT_PRED_WIN);
}

PG_FUNCTION_INFO_V1(bt_predict_int8);
Datum
bt_predict_int8(PG_FUNCTION_ARGS)
{
	return bt_predict_common(fcinfo, true, BT_PRED_WIN);
}

/* bt_predict_tie(m, a, b): P(tie) under a Davidson model */
PG_FUNCTION_INFO_V1(bt_predict_tie);
Datum
bt_predict_tie(PG_FUNCTION_ARGS)
{
	return bt_predict_common(fcinfo, false, BT_PRED_TIE);
}

PG_FUNCTION_INFO_V1(bt_predict_tie_int8);
Datum
bt_predict_tie_int8(PG_FUNCTION_ARGS)
{
	return bt_predict_common(fcinfo, true, BT_PRED_TIE);
}

/* bt_predict_shown(m, first, second): P(first-shown wins), position effect */
PG_FUNCTION_INFO_V1(bt_predict_shown);
Datum
bt_predict_shown(PG_FUNCTION_ARGS)
{
	return bt_predict_common(fcinfo, false, BT_PRED_SHOWN);
}

PG_FUNCTION_INFO_V1(bt_predict_shown_int8);
Datum
bt_predict_shown_int8(PG_FUNCTION_ARGS)
{
	return bt_predict_common(fcinfo, true, BT_PRED_SHOWN);
}

/*
 * bt_info(bt_model) -> jsonb: the model's header fields plus n_items,
 * the tie parameter nu = exp(log_tie_parameter) and whether SEs exist.
 */
PG_FUNCTION_INFO_V1(bt_info);
Datum
bt_info(PG_FUNCTION_ARGS)
{
	BtModelFlat *m = bt_model_get(PG_GETARG_DATUM(0));
	StringInfoData buf;

	initStringInfo(&buf);
	btm_append_header(&buf, m);
	appendStringInfo(&buf, ", \"n_items\": %d, \"tie_parameter\": ", m->n_items);
	if (m->ties == BT_TIES_DAVIDSON)
		pc_append_float8(&buf, exp(m->tie_log));
	else
		appendStringInfoString(&buf, "null");
	appendStringInfo(&buf, ", \"standard_errors\": %s}",
					 (m->flags & BT_MF_HAS_SE) ? "true" : "false");
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}
