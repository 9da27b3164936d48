/*-------------------------------------------------------------------------
 *
 * bt_model_io.c
 *	  The bt_model type's layout checks and its text and binary I/O: the
 *	  text form is a JSON object (keys in a fixed order, every float8 in
 *	  shortest round-trip form), read back by bt_text.c's strict reader;
 *	  the binary form carries the text form.  See bt_model.h for the
 *	  stored form.
 *
 *-------------------------------------------------------------------------
 */
#include "prefcal.h"

#include <math.h>

#include "bt_model.h"
#include "bt_text.h"
#include "libpq/pqformat.h"
#include "utils/memutils.h"

const char *const bt_ties_names[3] = {"half", "davidson", "drop"};

Size
bt_model_size(int kind, int32 n, Size names_len)
{
	Size		sz = BT_MODEL_HDRSZ + sizeof(double) * 5 * (Size) n;

	if (kind == BT_IDS_INT8)
		sz += sizeof(int64) * n;
	else
		sz += TYPEALIGN(8, sizeof(uint32) * (n + 1)) + TYPEALIGN(8, names_len);
	if (sz > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("bt_model too large to store (%zu bytes)", sz)));
	return sz;
}

static void
btm_corrupt(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("corrupted bt_model value"),
			 errdetail("%s", what)));
}

/* detoast and check the layout (not the numbers: see bt_model_in) */
BtModelFlat *
bt_model_get(Datum d)
{
	BtModelFlat *m = (BtModelFlat *) PG_DETOAST_DATUM(d);

	if (VARSIZE(m) < BT_MODEL_HDRSZ)
		btm_corrupt("The value is shorter than its header.");
	if (m->version != BT_MODEL_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unsupported bt_model format version %d", m->version),
				 errdetail("This library reads version %d.", BT_MODEL_VERSION)));
	if ((m->kind != BT_IDS_TEXT && m->kind != BT_IDS_INT8) ||
		m->n_items < 1 || m->n_items > BT_MAX_ITEMS || m->names_len < 0 ||
		m->ties < 0 || m->ties > 2 || (m->flags & ~BT_MF_ALL) != 0 ||
		m->reference < -1 || m->reference >= m->n_items ||
		VARSIZE(m) != bt_model_size(m->kind, m->n_items, m->names_len))
		btm_corrupt("The header does not match the size.");
	return m;
}

/* ---------- text I/O ---------- */

static void
bt_append_num_or_null(StringInfo buf, double x)
{
	if (isnan(x))
		appendStringInfoString(buf, "null");
	else
		pc_append_float8(buf, x);
}

static void
btm_append_item(StringInfo buf, const BtModelFlat *m, int32 k)
{
	if (m->kind == BT_IDS_INT8)
		appendStringInfo(buf, INT64_FORMAT, BTM_IDS(m)[k]);
	else
		bt_append_json_string(buf, btm_name(m, k));
}

/*
 * The model's header fields as JSON members (shared by the text output
 * and bt_info, so both name them the same way).
 */
void
btm_append_header(StringInfo buf, const BtModelFlat *m)
{
	appendStringInfo(buf, "\"version\": %d, \"ids\": \"%s\", \"ties\": \"%s\", \"prior\": ",
					 m->version, bt_kind_name(m->kind), bt_ties_names[m->ties]);
	pc_append_float8(buf, m->prior);
	appendStringInfoString(buf, ", \"reference\": ");
	if (m->reference >= 0)
		btm_append_item(buf, m, m->reference);
	else
		appendStringInfoString(buf, "null");
	appendStringInfo(buf, ", \"position\": %s, \"augment\": \"%s\", \"objective\": \"%s\", \"brier_weight\": ",
					 (m->flags & BT_MF_POSITION) ? "true" : "false",
					 (m->flags & BT_MF_SWAP) ? "swap" : "none",
					 (m->flags & BT_MF_BRIER) ? "logloss+brier" : "logloss");
	pc_append_float8(buf, m->brier_weight);
	appendStringInfo(buf, ", \"max_iter\": %d, \"tol\": ", m->max_iter);
	pc_append_float8(buf, m->tol);
	appendStringInfo(buf, ", \"iterations\": %d, \"converged\": %s, \"gradient_norm\": ",
					 m->iterations, (m->flags & BT_MF_CONVERGED) ? "true" : "false");
	pc_append_float8(buf, m->grad_norm);
	appendStringInfoString(buf, ", \"scaled_gradient\": ");
	pc_append_float8(buf, m->scaled_grad);
	appendStringInfoString(buf, ", \"loglik\": ");
	pc_append_float8(buf, m->loglik);
	appendStringInfoString(buf, ", \"deviance\": ");
	pc_append_float8(buf, m->deviance);
	appendStringInfoString(buf, ", \"objective_value\": ");
	pc_append_float8(buf, m->objective);
	appendStringInfoString(buf, ", \"brier\": ");
	bt_append_num_or_null(buf, m->brier);
	appendStringInfo(buf, ", \"n_pairs\": " INT64_FORMAT ", \"n_comparisons\": ",
					 m->n_pairs);
	pc_append_float8(buf, m->n_comparisons);
	appendStringInfo(buf, ", \"components\": %d, \"log_tie_parameter\": ", m->components);
	if (m->ties == BT_TIES_DAVIDSON)
		pc_append_float8(buf, m->tie_log);
	else
		appendStringInfoString(buf, "null");
	appendStringInfoString(buf, ", \"log_tie_parameter_se\": ");
	bt_append_num_or_null(buf, m->tie_log_se);
	appendStringInfoString(buf, ", \"position_effect\": ");
	if (m->flags & BT_MF_POSITION)
		pc_append_float8(buf, m->position);
	else
		appendStringInfoString(buf, "null");
	appendStringInfoString(buf, ", \"position_effect_se\": ");
	bt_append_num_or_null(buf, m->position_se);
}

/*
 * bt_model_out(bt_model) -> cstring: a JSON object, every float8 exact
 */
PG_FUNCTION_INFO_V1(bt_model_out);
Datum
bt_model_out(PG_FUNCTION_ARGS)
{
	BtModelFlat *m = bt_model_get(PG_GETARG_DATUM(0));
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '{');
	btm_append_header(&buf, m);
	appendStringInfo(&buf, ", \"n_items\": %d, \"items\": [", m->n_items);
	for (int32 k = 0; k < m->n_items; k++)
	{
		if (k > 0)
			appendStringInfoString(&buf, ", ");
		appendStringInfoChar(&buf, '[');
		btm_append_item(&buf, m, k);
		appendStringInfoString(&buf, ", ");
		pc_append_float8(&buf, BTM_SCORE(m)[k]);
		appendStringInfoString(&buf, ", ");
		bt_append_num_or_null(&buf, BTM_SE(m)[k]);
		appendStringInfoString(&buf, ", ");
		pc_append_float8(&buf, BTM_WINS(m)[k]);
		appendStringInfoString(&buf, ", ");
		pc_append_float8(&buf, BTM_LOSSES(m)[k]);
		appendStringInfoString(&buf, ", ");
		pc_append_float8(&buf, BTM_TIES(m)[k]);
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoString(&buf, "]}");
	PG_RETURN_CSTRING(buf.data);
}

static double
btm_lex_num_or_null(BtLex *lx)
{
	if (bt_lex_null(lx))
		return NAN;
	return bt_lex_finite(lx);
}

static double
btm_lex_nonneg(BtLex *lx)
{
	double		v = bt_lex_finite(lx);

	if (v < 0)
		bt_lex_error(lx, "a non-negative number");
	return v;
}

static int
btm_lex_choice(BtLex *lx, const char *const *choices, int n)
{
	int			len;
	char	   *s = bt_lex_string(lx, &len);

	for (int k = 0; k < n; k++)
		if (strcmp(s, choices[k]) == 0)
			return k;
	bt_lex_error(lx, "a known option value");
}

/* bt_model_in's reader: the lexer, the header read so far, the items */
typedef struct BtmReader
{
	BtLex		lx;
	BtModelFlat hdr;
	bool		hasref;
	char	   *refname;		/* reference item, kind text */
	int			reflen;
	int64		refid;			/* reference item, kind bigint */
	int32		n;				/* items read */
	double	   *vals;			/* score, se, wins, losses, ties: n_items each */
	int64	   *ids;
	uint32	   *offs;
	StringInfoData names;
	bool		se_null;
	bool		se_some;
} BtmReader;

/* the fit's options: version to tol */
static void
btm_read_options(BtmReader *r)
{
	static const char *const kinds[] = {"none", "text", "bigint"};
	static const char *const augments[] = {"none", "swap"};
	static const char *const objectives[] = {"logloss", "logloss+brier"};
	BtLex	   *lx = &r->lx;
	BtModelFlat *hdr = &r->hdr;

	bt_lex_expect(lx, '{');
	bt_lex_key(lx, "version");
	if (bt_lex_int4(lx, 0, PG_INT32_MAX) != BT_MODEL_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("unsupported bt_model format version"),
				 errdetail("This library reads version %d.", BT_MODEL_VERSION)));
	hdr->version = BT_MODEL_VERSION;
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "ids");
	hdr->kind = btm_lex_choice(lx, kinds, 3);
	if (hdr->kind == BT_IDS_NONE)
		bt_lex_error(lx, "\"text\" or \"bigint\" as ids");
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "ties");
	hdr->ties = btm_lex_choice(lx, bt_ties_names, 3);
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "prior");
	hdr->prior = btm_lex_nonneg(lx);
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "reference");
	if (!bt_lex_null(lx))
	{
		r->hasref = true;
		if (hdr->kind == BT_IDS_TEXT)
			r->refname = bt_lex_string(lx, &r->reflen);
		else
			r->refid = bt_lex_int8(lx);
	}
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "position");
	if (bt_lex_bool(lx))
		hdr->flags |= BT_MF_POSITION;
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "augment");
	if (btm_lex_choice(lx, augments, 2) == 1)
		hdr->flags |= BT_MF_SWAP;
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "objective");
	if (btm_lex_choice(lx, objectives, 2) == 1)
		hdr->flags |= BT_MF_BRIER;
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "brier_weight");
	hdr->brier_weight = btm_lex_nonneg(lx);
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "max_iter");
	hdr->max_iter = bt_lex_int4(lx, 0, 100000);
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "tol");
	hdr->tol = bt_lex_finite(lx);
	if (!(hdr->tol > 0))
		bt_lex_error(lx, "a positive tolerance");
}

/* the fit's results: iterations to n_items */
static void
btm_read_results(BtmReader *r)
{
	BtLex	   *lx = &r->lx;
	BtModelFlat *hdr = &r->hdr;

	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "iterations");
	hdr->iterations = bt_lex_int4(lx, 0, 100000);
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "converged");
	if (bt_lex_bool(lx))
		hdr->flags |= BT_MF_CONVERGED;
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "gradient_norm");
	hdr->grad_norm = btm_lex_nonneg(lx);
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "scaled_gradient");
	hdr->scaled_grad = btm_lex_nonneg(lx);
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "loglik");
	hdr->loglik = bt_lex_finite(lx);
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "deviance");
	hdr->deviance = bt_lex_finite(lx);
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "objective_value");
	hdr->objective = bt_lex_finite(lx);
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "brier");
	hdr->brier = btm_lex_num_or_null(lx);
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "n_pairs");
	hdr->n_pairs = bt_lex_int8(lx);
	if (hdr->n_pairs < 0)
		bt_lex_error(lx, "a non-negative pair count");
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "n_comparisons");
	hdr->n_comparisons = btm_lex_nonneg(lx);
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "components");
	hdr->components = bt_lex_int4(lx, 1, BT_MAX_ITEMS);
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "log_tie_parameter");
	hdr->tie_log = btm_lex_num_or_null(lx);
	if ((hdr->ties == BT_TIES_DAVIDSON) == isnan(hdr->tie_log))
		bt_lex_error(lx, "a tie parameter exactly when ties is davidson");
	if (isnan(hdr->tie_log))
		hdr->tie_log = 0.0;
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "log_tie_parameter_se");
	hdr->tie_log_se = btm_lex_num_or_null(lx);
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "position_effect");
	hdr->position = btm_lex_num_or_null(lx);
	if (((hdr->flags & BT_MF_POSITION) != 0) == isnan(hdr->position))
		bt_lex_error(lx, "a position effect exactly when position is true");
	if (isnan(hdr->position))
		hdr->position = 0.0;
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "position_effect_se");
	hdr->position_se = btm_lex_num_or_null(lx);
	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "n_items");
	hdr->n_items = bt_lex_int4(lx, 1, BT_MAX_ITEMS);
}

/* one item: [id, score, se or null, wins, losses, ties] */
static void
btm_read_item(BtmReader *r)
{
	BtLex	   *lx = &r->lx;
	BtModelFlat *hdr = &r->hdr;
	int32		cap = hdr->n_items;
	int32		n = r->n;
	double		se;

	if (n >= cap)
		bt_lex_error(lx, "no more items than n_items");
	bt_lex_expect(lx, '[');
	if (hdr->kind == BT_IDS_TEXT)
	{
		int			len;
		char	   *s = bt_lex_string(lx, &len);

		if (n > 0 && pc_cmp_bytes(r->names.data + r->offs[n - 1],
								  r->names.len - r->offs[n - 1] - 1, s, len) >= 0)
			bt_lex_error(lx, "items in strictly ascending order");
		r->offs[n] = r->names.len;
		appendBinaryStringInfo(&r->names, s, len + 1);
		if (r->hasref && len == r->reflen && memcmp(s, r->refname, len) == 0)
			hdr->reference = n + 1; /* +1: 0 means not found yet */
	}
	else
	{
		r->ids[n] = bt_lex_int8(lx);
		if (n > 0 && r->ids[n - 1] >= r->ids[n])
			bt_lex_error(lx, "items in strictly ascending order");
		if (r->hasref && r->ids[n] == r->refid)
			hdr->reference = n + 1;
	}
	bt_lex_expect(lx, ',');
	r->vals[n] = bt_lex_finite(lx);
	bt_lex_expect(lx, ',');
	se = btm_lex_num_or_null(lx);
	if (se < 0)
		bt_lex_error(lx, "a non-negative standard error");
	if (isnan(se))
		r->se_null = true;
	else
		r->se_some = true;
	r->vals[cap + n] = se;
	for (int k = 2; k < 5; k++)
	{
		bt_lex_expect(lx, ',');
		r->vals[k * cap + n] = btm_lex_nonneg(lx);
	}
	bt_lex_expect(lx, ']');
	r->n++;
}

/* the items array and the end of the object, then the checks across items */
static void
btm_read_items(BtmReader *r)
{
	BtLex	   *lx = &r->lx;
	BtModelFlat *hdr = &r->hdr;
	int32		cap = hdr->n_items;

	bt_lex_expect(lx, ',');
	bt_lex_key(lx, "items");
	bt_lex_expect(lx, '[');
	r->vals = palloc_extended(sizeof(double) * 5 * cap, MCXT_ALLOC_HUGE);
	r->ids = palloc_extended(sizeof(int64) * cap, MCXT_ALLOC_HUGE);
	r->offs = palloc_extended(sizeof(uint32) * (cap + 1), MCXT_ALLOC_HUGE);
	initStringInfo(&r->names);
	do
		btm_read_item(r);
	while (bt_lex_accept(lx, ','));
	bt_lex_expect(lx, ']');
	bt_lex_expect(lx, '}');
	bt_lex_end(lx);
	if (r->n != hdr->n_items)
		bt_lex_error(lx, "as many items as n_items");
	if (r->se_null && r->se_some)
		bt_lex_error(lx, "standard errors for every item or for none");
	if (r->hasref && hdr->reference == 0)
		bt_lex_error(lx, "a reference item that is one of the items");
	hdr->reference = r->hasref ? hdr->reference - 1 : -1;
	if (r->se_some)
		hdr->flags |= BT_MF_HAS_SE;
	r->offs[r->n] = r->names.len;
	hdr->names_len = hdr->kind == BT_IDS_TEXT ? r->names.len : 0;
}

/* the stored value from what the reader has read */
static BtModelFlat *
btm_build(const BtmReader *r)
{
	const BtModelFlat *hdr = &r->hdr;
	int32		n = r->n;
	int32		cap = hdr->n_items;
	Size		sz = bt_model_size(hdr->kind, n, hdr->names_len);
	BtModelFlat *out = palloc_extended(sz, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);

	memcpy(out, hdr, BT_MODEL_HDRSZ);
	SET_VARSIZE(out, sz);
	memcpy(BTM_SCORE(out), r->vals, sizeof(double) * n);
	memcpy(BTM_SE(out), r->vals + cap, sizeof(double) * n);
	memcpy(BTM_WINS(out), r->vals + 2 * cap, sizeof(double) * n);
	memcpy(BTM_LOSSES(out), r->vals + 3 * cap, sizeof(double) * n);
	memcpy(BTM_TIES(out), r->vals + 4 * cap, sizeof(double) * n);
	if (hdr->kind == BT_IDS_INT8)
		memcpy(BTM_IDS(out), r->ids, sizeof(int64) * n);
	else
	{
		memcpy(BTM_OFF(out), r->offs, sizeof(uint32) * (n + 1));
		memcpy(BTM_NAMES(out), r->names.data, r->names.len);
	}
	return out;
}

/*
 * bt_model_in(cstring) -> bt_model: reads what bt_model_out writes, keys
 * in the same order, checking every value.
 */
PG_FUNCTION_INFO_V1(bt_model_in);
Datum
bt_model_in(PG_FUNCTION_ARGS)
{
	BtmReader	r;

	memset(&r, 0, sizeof(r));
	bt_lex_init(&r.lx, PG_GETARG_CSTRING(0), "bt_model");
	btm_read_options(&r);
	btm_read_results(&r);
	btm_read_items(&r);
	PG_RETURN_POINTER(btm_build(&r));
}

/*
 * bt_model_send / bt_model_recv: the text form as the binary form (like
 * json), so the same checks apply.
 */
PG_FUNCTION_INFO_V1(bt_model_send);
Datum
bt_model_send(PG_FUNCTION_ARGS)
{
	char	   *s = DatumGetCString(DirectFunctionCall1(bt_model_out,
														PG_GETARG_DATUM(0)));
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, BT_MODEL_VERSION);
	pq_sendtext(&buf, s, strlen(s));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(bt_model_recv);
Datum
bt_model_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	int32		version = pq_getmsgint(msg, 4);
	int			nbytes;
	char	   *s;

	if (version != BT_MODEL_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external bt_model value"),
				 errdetail("Unsupported format version %d.", version)));
	s = pq_getmsgtext(msg, msg->len - msg->cursor, &nbytes);
	PG_RETURN_DATUM(DirectFunctionCall1(bt_model_in, CStringGetDatum(s)));
}
