/*-------------------------------------------------------------------------
 *
 * bt_model_io.c
 *	  The bt_model type's layout checks and its text and binary I/O: the
 *	  text form is a JSON object (keys in a fixed order, every float8 in
 *	  shortest round-trip form), read back by pc_json.c's strict reader;
 *	  the binary form carries the text form.  See bt_model.h for the
 *	  stored form.
 *
 *-------------------------------------------------------------------------
 */
#include "prefcal.h"

#include <math.h>

#include "bt_model.h"
#include "pc_json.h"
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
btm_append_item(StringInfo buf, const BtModelFlat *m, int32 k)
{
	if (m->kind == BT_IDS_INT8)
		appendStringInfo(buf, INT64_FORMAT, BTM_IDS(m)[k]);
	else
		pc_jw_string(buf, btm_name(m, k));
}

/* a float8 that is null unless cond */
static void
btm_append_if(StringInfo buf, const char *key, bool cond, double x)
{
	pc_jw_key(buf, key);
	pc_jw_float8_or_null(buf, cond ? x : NAN);
}

/*
 * The model's header fields: the opening of its JSON object up to
 * position_effect_se (shared by the text output and bt_info, so both name
 * them the same way).
 */
void
btm_append_header(StringInfo buf, const BtModelFlat *m)
{
	pc_jw_begin(buf, m->version);
	pc_jw_key_string(buf, "ids", bt_kind_name(m->kind));
	pc_jw_key_string(buf, "ties", bt_ties_names[m->ties]);
	pc_jw_key_float8(buf, "prior", m->prior);
	pc_jw_key(buf, "reference");
	if (m->reference >= 0)
		btm_append_item(buf, m, m->reference);
	else
		appendStringInfoString(buf, "null");
	pc_jw_key_bool(buf, "position", (m->flags & BT_MF_POSITION) != 0);
	pc_jw_key_string(buf, "augment", (m->flags & BT_MF_SWAP) ? "swap" : "none");
	pc_jw_key_string(buf, "objective",
					 (m->flags & BT_MF_BRIER) ? "logloss+brier" : "logloss");
	pc_jw_key_float8(buf, "brier_weight", m->brier_weight);
	pc_jw_key_int8(buf, "max_iter", m->max_iter);
	pc_jw_key_float8(buf, "tol", m->tol);
	pc_jw_key_int8(buf, "iterations", m->iterations);
	pc_jw_key_bool(buf, "converged", (m->flags & BT_MF_CONVERGED) != 0);
	pc_jw_key_float8(buf, "gradient_norm", m->grad_norm);
	pc_jw_key_float8(buf, "scaled_gradient", m->scaled_grad);
	pc_jw_key_float8(buf, "loglik", m->loglik);
	pc_jw_key_float8(buf, "deviance", m->deviance);
	pc_jw_key_float8(buf, "objective_value", m->objective);
	btm_append_if(buf, "brier", true, m->brier);
	pc_jw_key_int8(buf, "n_pairs", m->n_pairs);
	pc_jw_key_float8(buf, "n_comparisons", m->n_comparisons);
	pc_jw_key_int8(buf, "components", m->components);
	btm_append_if(buf, "log_tie_parameter", m->ties == BT_TIES_DAVIDSON,
				  m->tie_log);
	btm_append_if(buf, "log_tie_parameter_se", true, m->tie_log_se);
	btm_append_if(buf, "position_effect", (m->flags & BT_MF_POSITION) != 0,
				  m->position);
	btm_append_if(buf, "position_effect_se", true, m->position_se);
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
	btm_append_header(&buf, m);
	pc_jw_key_int8(&buf, "n_items", m->n_items);
	pc_jw_key(&buf, "items");
	appendStringInfoChar(&buf, '[');
	for (int32 k = 0; k < m->n_items; k++)
	{
		double		v[5] = {BTM_SCORE(m)[k], BTM_SE(m)[k], BTM_WINS(m)[k],
		BTM_LOSSES(m)[k], BTM_TIES(m)[k]};

		pc_jw_sep(&buf, k);
		appendStringInfoChar(&buf, '[');
		btm_append_item(&buf, m, k);
		for (int i = 0; i < 5; i++)
		{
			appendStringInfoString(&buf, ", ");
			pc_jw_float8_or_null(&buf, v[i]);
		}
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoChar(&buf, ']');
	pc_jw_end(&buf);
	PG_RETURN_CSTRING(buf.data);
}

static double
btm_lex_num_or_null(PcJson *lx)
{
	return pc_json_float8(lx, PC_JSON_NULL_NAN);
}
static double
btm_lex_nonneg(PcJson *lx)
{
	double		v = pc_json_float8(lx, PC_JSON_FINITE);

	if (v < 0)
		pc_json_error(lx, "a non-negative number");
	return v;
}

/* bt_model_in's reader: the lexer, the header read so far, the items */
typedef struct BtmReader
{
	PcJson		lx;
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
	PcJson	   *lx = &r->lx;
	BtModelFlat *hdr = &r->hdr;

	pc_json_begin(lx, BT_MODEL_VERSION);
	hdr->version = BT_MODEL_VERSION;
	pc_json_key(lx, "ids");
	hdr->kind = pc_json_choice(lx, kinds, 3);
	if (hdr->kind == BT_IDS_NONE)
		pc_json_error(lx, "\"text\" or \"bigint\" as ids");
	pc_json_key(lx, "ties");
	hdr->ties = pc_json_choice(lx, bt_ties_names, 3);
	pc_json_key(lx, "prior");
	hdr->prior = btm_lex_nonneg(lx);
	pc_json_key(lx, "reference");
	if (!pc_json_null(lx))
	{
		r->hasref = true;
		if (hdr->kind == BT_IDS_TEXT)
			r->refname = pc_json_string(lx, &r->reflen);
		else
			r->refid = pc_json_int8(lx);
	}
	pc_json_key(lx, "position");
	if (pc_json_bool(lx))
		hdr->flags |= BT_MF_POSITION;
	pc_json_key(lx, "augment");
	if (pc_json_choice(lx, augments, 2) == 1)
		hdr->flags |= BT_MF_SWAP;
	pc_json_key(lx, "objective");
	if (pc_json_choice(lx, objectives, 2) == 1)
		hdr->flags |= BT_MF_BRIER;
	pc_json_key(lx, "brier_weight");
	hdr->brier_weight = btm_lex_nonneg(lx);
	hdr->max_iter = pc_json_key_int4(lx, "max_iter", 0, 100000);
	hdr->tol = pc_json_key_float8(lx, "tol", PC_JSON_FINITE);
	if (!(hdr->tol > 0))
		pc_json_error(lx, "a positive tolerance");
}

/* the fit's results: iterations to n_items */
static void
btm_read_results(BtmReader *r)
{
	PcJson	   *lx = &r->lx;
	BtModelFlat *hdr = &r->hdr;

	hdr->iterations = pc_json_key_int4(lx, "iterations", 0, 100000);
	pc_json_key(lx, "converged");
	if (pc_json_bool(lx))
		hdr->flags |= BT_MF_CONVERGED;
	pc_json_key(lx, "gradient_norm");
	hdr->grad_norm = btm_lex_nonneg(lx);
	pc_json_key(lx, "scaled_gradient");
	hdr->scaled_grad = btm_lex_nonneg(lx);
	hdr->loglik = pc_json_key_float8(lx, "loglik", PC_JSON_FINITE);
	hdr->deviance = pc_json_key_float8(lx, "deviance", PC_JSON_FINITE);
	hdr->objective = pc_json_key_float8(lx, "objective_value", PC_JSON_FINITE);
	pc_json_key(lx, "brier");
	hdr->brier = btm_lex_num_or_null(lx);
	hdr->n_pairs = pc_json_key_int8(lx, "n_pairs");
	if (hdr->n_pairs < 0)
		pc_json_error(lx, "a non-negative pair count");
	pc_json_key(lx, "n_comparisons");
	hdr->n_comparisons = btm_lex_nonneg(lx);
	hdr->components = pc_json_key_int4(lx, "components", 1, BT_MAX_ITEMS);
	pc_json_key(lx, "log_tie_parameter");
	hdr->tie_log = btm_lex_num_or_null(lx);
	if ((hdr->ties == BT_TIES_DAVIDSON) == isnan(hdr->tie_log))
		pc_json_error(lx, "a tie parameter exactly when ties is davidson");
	if (isnan(hdr->tie_log))
		hdr->tie_log = 0.0;
	pc_json_key(lx, "log_tie_parameter_se");
	hdr->tie_log_se = btm_lex_num_or_null(lx);
	pc_json_key(lx, "position_effect");
	hdr->position = btm_lex_num_or_null(lx);
	if (((hdr->flags & BT_MF_POSITION) != 0) == isnan(hdr->position))
		pc_json_error(lx, "a position effect exactly when position is true");
	if (isnan(hdr->position))
		hdr->position = 0.0;
	pc_json_key(lx, "position_effect_se");
	hdr->position_se = btm_lex_num_or_null(lx);
	hdr->n_items = pc_json_key_int4(lx, "n_items", 1, BT_MAX_ITEMS);
}

/* one item: [id, score, se or null, wins, losses, ties] */
static void
btm_read_item(BtmReader *r)
{
	PcJson	   *lx = &r->lx;
	BtModelFlat *hdr = &r->hdr;
	int32		cap = hdr->n_items;
	int32		n = r->n;
	double		se;

	if (n >= cap)
		pc_json_error(lx, "no more items than n_items");
	pc_json_expect(lx, '[');
	if (hdr->kind == BT_IDS_TEXT)
	{
		int			len;
		char	   *s = pc_json_string(lx, &len);

		if (n > 0 && pc_cmp_bytes(r->names.data + r->offs[n - 1],
								  r->names.len - r->offs[n - 1] - 1, s, len) >= 0)
			pc_json_error(lx, "items in strictly ascending order");
		r->offs[n] = r->names.len;
		appendBinaryStringInfo(&r->names, s, len + 1);
		if (r->hasref && len == r->reflen && memcmp(s, r->refname, len) == 0)
			hdr->reference = n + 1; /* +1: 0 means not found yet */
	}
	else
	{
		r->ids[n] = pc_json_int8(lx);
		if (n > 0 && r->ids[n - 1] >= r->ids[n])
			pc_json_error(lx, "items in strictly ascending order");
		if (r->hasref && r->ids[n] == r->refid)
			hdr->reference = n + 1;
	}
	pc_json_expect(lx, ',');
	r->vals[n] = pc_json_float8(lx, PC_JSON_FINITE);
	pc_json_expect(lx, ',');
	se = btm_lex_num_or_null(lx);
	if (se < 0)
		pc_json_error(lx, "a non-negative standard error");
	if (isnan(se))
		r->se_null = true;
	else
		r->se_some = true;
	r->vals[cap + n] = se;
	for (int k = 2; k < 5; k++)
	{
		pc_json_expect(lx, ',');
		r->vals[k * cap + n] = btm_lex_nonneg(lx);
	}
	pc_json_expect(lx, ']');
	r->n++;
}

/* the items array and the end of the object, then the checks across items */
static void
btm_read_items(BtmReader *r)
{
	PcJson	   *lx = &r->lx;
	BtModelFlat *hdr = &r->hdr;
	int32		cap = hdr->n_items;
	Size		n = 0;

	pc_json_key(lx, "items");
	r->vals = palloc_extended(sizeof(double) * 5 * cap, MCXT_ALLOC_HUGE);
	r->ids = palloc_extended(sizeof(int64) * cap, MCXT_ALLOC_HUGE);
	r->offs = palloc_extended(sizeof(uint32) * (cap + 1), MCXT_ALLOC_HUGE);
	initStringInfo(&r->names);
	while (pc_json_next(lx, &n))
		btm_read_item(r);
	pc_json_end(lx);
	if (r->n != hdr->n_items)
		pc_json_error(lx, "as many items as n_items");
	if (r->se_null && r->se_some)
		pc_json_error(lx, "standard errors for every item or for none");
	if (r->hasref && hdr->reference == 0)
		pc_json_error(lx, "a reference item that is one of the items");
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
	pc_json_init(&r.lx, PG_GETARG_CSTRING(0), "bt_model");
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
