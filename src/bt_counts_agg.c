/*-------------------------------------------------------------------------
 *
 * bt_counts_agg.c
 *	  The bt_counts aggregates' transition, combine and final functions: a
 *	  row costs two item lookups and one append to the state's log.
 *
 *-------------------------------------------------------------------------
 */
#include "bt_counts.h"
#include "bt_counts_int.h"

#include <float.h>
#include <math.h>

#include "miscadmin.h"
#include "utils/builtins.h"

/* ---------- aggregate support ---------- */

/* the errors of bt_check_row (bt_counts.h) */
pg_noinline void
bt_bad_row(double outcome, double weight)
{
	if (isnan(outcome))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("comparison outcome is NaN"),
				 errdetail("The outcome must be 1 (first item wins), 0 (second item wins) or 0.5 (tie).")));
	if (outcome != 0.0 && outcome != 0.5 && outcome != 1.0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("comparison outcome %g is not 0, 0.5 or 1", outcome),
				 errdetail("The outcome must be 1 (first item wins), 0 (second item wins) or 0.5 (tie).")));
	if (isnan(weight))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("comparison weight is NaN")));
	if (weight < 0 || isinf(weight))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("comparison weight %g is out of range", weight),
				 errdetail("Weights must be finite and non-negative.")));
}

/* log class of a checked outcome: 1 first won, 0 second won, 2 tie */
static inline uint32
bt_outcome_class(double outcome)
{
	return outcome == 0.5 ? 2 : (uint32) outcome;
}

static void
bt_self_comparison(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("an item cannot be compared with itself"),
			 errhint("Filter out rows whose two items are equal.")));
}

/* the state to update in place: ours if the aggregate holds one */
static BtCounts *
bt_trans_state(FunctionCallInfo fcinfo, int kind)
{
	MemoryContext aggcxt;
	BtCounts   *bc;

	/*
	 * Every row but the first: a read-write pointer to a state of ours of
	 * this kind.  Only the transition and combine functions make those, in
	 * the aggregate's context, so the checks below are settled.
	 */
	if (likely(!PG_ARGISNULL(0)))
	{
		Datum		d = PG_GETARG_DATUM(0);

		if (VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(d)) &&
			DatumGetEOHP(d)->eoh_methods == &bt_counts_methods &&
			((BtCounts *) DatumGetEOHP(d))->kind == kind)
			return (BtCounts *) DatumGetEOHP(d);
	}
	aggcxt = pc_agg_context(fcinfo, "bt_state transition function");
	if (PG_ARGISNULL(0))
		bc = bt_counts_new(aggcxt, kind, 0, 0);
	else
		bc = bt_counts_expanded(PG_GETARG_DATUM(0), aggcxt);
	bt_counts_set_kind(bc, kind);
	return bc;
}

static Datum
bt_trans_text(FunctionCallInfo fcinfo, double outcome, double weight)
{
	text	   *a = PG_GETARG_TEXT_PP(1);
	text	   *b = PG_GETARG_TEXT_PP(2);
	int			la = VARSIZE_ANY_EXHDR(a);
	int			lb = VARSIZE_ANY_EXHDR(b);
	BtCounts   *bc;
	int32		i,
				j;

	if (la == lb && memcmp(VARDATA_ANY(a), VARDATA_ANY(b), la) == 0)
		bt_self_comparison();
	if (weight == 0)
	{
		/* contributes nothing: do not even register the items */
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	bc = bt_trans_state(fcinfo, BT_IDS_TEXT);
	i = bt_counts_item_text(bc, VARDATA_ANY(a), la);
	j = bt_counts_item_text(bc, VARDATA_ANY(b), lb);
	bt_log_add(bc, i, j, bt_outcome_class(outcome), weight);
	PG_RETURN_DATUM(EOHPGetRWDatum(&bc->hdr));
}

static Datum
bt_trans_int8(FunctionCallInfo fcinfo, double outcome, double weight)
{
	int64		a = PG_GETARG_INT64(1);
	int64		b = PG_GETARG_INT64(2);
	BtCounts   *bc;

	if (a == b)
		bt_self_comparison();
	if (weight == 0)
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	bc = bt_trans_state(fcinfo, BT_IDS_INT8);
	bt_counts_add_ids(bc, a, b, bt_outcome_class(outcome), weight);
	PG_RETURN_DATUM(EOHPGetRWDatum(&bc->hdr));
}

/*
 * A row of any form: (state, first, second, outcome, weight), ids of
 * text or bigint, where rows with a NULL item or outcome are skipped and
 * a NULL weight counts 1; or (state, winner, loser) (wl), the first item
 * winning with weight 1, rows with a NULL item skipped.
 */
static inline Datum
bt_trans_row(FunctionCallInfo fcinfo, bool int8_ids, bool wl)
{
	double		outcome = 1.0,
				weight = 1.0;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || (!wl && PG_ARGISNULL(3)))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (!wl)
	{
		outcome = PG_GETARG_FLOAT8(3);
		weight = PG_ARGISNULL(4) ? 1.0 : PG_GETARG_FLOAT8(4);
		bt_check_row(outcome, weight);
	}
	return int8_ids ? bt_trans_int8(fcinfo, outcome, weight) :
		bt_trans_text(fcinfo, outcome, weight);
}

/* bt_counts_trans(state, first text, second text, outcome float8, weight float8) */
PG_FUNCTION_INFO_V1(bt_counts_trans);
Datum
bt_counts_trans(PG_FUNCTION_ARGS)
{
	return bt_trans_row(fcinfo, false, false);
}

/* bt_counts_trans_int8: the same with bigint ids */
PG_FUNCTION_INFO_V1(bt_counts_trans_int8);
Datum
bt_counts_trans_int8(PG_FUNCTION_ARGS)
{
	return bt_trans_row(fcinfo, true, false);
}

/* bt_counts_trans_wl(state, winner text, loser text) */
PG_FUNCTION_INFO_V1(bt_counts_trans_wl);
Datum
bt_counts_trans_wl(PG_FUNCTION_ARGS)
{
	return bt_trans_row(fcinfo, false, true);
}

/* bt_counts_trans_wl_int8(state, winner bigint, loser bigint) */
PG_FUNCTION_INFO_V1(bt_counts_trans_wl_int8);
Datum
bt_counts_trans_wl_int8(PG_FUNCTION_ARGS)
{
	return bt_trans_row(fcinfo, true, true);
}

/*
 * bt_counts_combine(a, b): the union of two states (combine function of
 * every bt_counts aggregate and transition of bt_counts_merge).  Updates
 * a in place when it is the aggregate's own expanded state; b is read in
 * place (a stored value is not expanded into a hash of its own).
 */
PG_FUNCTION_INFO_V1(bt_counts_combine);
Datum
bt_counts_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	BtCountsView src;
	BtCounts   *dst;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	aggcxt = pc_agg_context(fcinfo, "bt_state_combine");
	bt_counts_get_view(PG_GETARG_DATUM(1), &src);
	if (PG_ARGISNULL(0))
		dst = bt_counts_new(aggcxt, src.kind, src.n_items, src.n_pairs);
	else
		dst = bt_counts_expanded(PG_GETARG_DATUM(0), aggcxt);
	bt_counts_merge_view(dst, &src);
	PG_RETURN_DATUM(EOHPGetRWDatum(&dst->hdr));
}

/*
 * bt_counts_final(state): final function of the bt_counts aggregates.
 * Without one, the executor copies an aggregate's result into its output
 * memory, which for an expanded state means flattening it: 32 bytes a
 * pair written to fresh memory, only for bt_fit(bt_counts(...)) to read
 * them once.  This returns the state itself instead, read-only, through
 * an expanded-object pointer allocated in the current (output) memory
 * context, which the executor takes as it is: bt_fit reads the state in
 * place, and whatever stores or sends the value flattens it then.  The
 * state lives in the aggregate's memory until the aggregate is reset for
 * its next group or rescan, after the output row has been consumed.
 */
PG_FUNCTION_INFO_V1(bt_counts_final);
Datum
bt_counts_final(PG_FUNCTION_ARGS)
{
	varattrib_1b_e *ptr;
	varatt_expanded ve;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (!bt_counts_is_ours(PG_GETARG_DATUM(0)))
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	ve.eohptr = DatumGetEOHP(PG_GETARG_DATUM(0));
	ptr = palloc(EXPANDED_POINTER_SIZE);
	SET_VARTAG_EXTERNAL(ptr, VARTAG_EXPANDED_RO);
	memcpy(VARDATA_EXTERNAL(ptr), &ve, sizeof(ve));
	PG_RETURN_POINTER(ptr);
}

