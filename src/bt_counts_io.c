/*-------------------------------------------------------------------------
 *
 * bt_counts_io.c
 *	  The bt_counts type's text and binary I/O: the input functions build a
 *	  scratch state that keeps the pairs in the order given and refuses a
 *	  pair given twice; the output functions read a view.
 *
 *-------------------------------------------------------------------------
 */
#include "bt_counts.h"
#include "bt_counts_int.h"

#include <float.h>
#include <math.h>

#include "pc_json.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

/* ---------- text and binary I/O ---------- */

/*
 * The input functions build a scratch expanded state (a builder: its
 * pairs stay in the order given, and a set of the pairs seen refuses a
 * pair given twice) and flatten it.
 */
static BtCounts *
bt_builder_init(int kind)
{
	BtCounts   *bc = bt_counts_new(CurrentMemoryContext, kind, 0, 0);

	bc->bbits = 6;
	bc->bset = MemoryContextAllocZero(bc->hdr.eoh_context,
									  sizeof(uint64) << bc->bbits);
	return bc;
}

/* slot of key in the builder's set: where it is, or the empty slot to put it */
static uint32
bt_bset_slot(const uint64 *set, int bits, uint64 key)
{
	uint32		mask = ((uint32) 1 << bits) - 1;
	uint32		s = (uint32) ((key * UINT64CONST(0x9E3779B97F4A7C15)) >> (64 - bits));

	while (set[s] != 0 && set[s] != key + 1)
		s = (s + 1) & mask;
	return s;
}

/* append a pair; false when (i, j) was given before */
static bool
bt_builder_add(BtCounts *bc, int32 i, int32 j, double w1, double w2, double wt)
{
	uint64		key = BT_LOG_KEY(i, j);
	uint32		s = bt_bset_slot(bc->bset, bc->bbits, key);

	if (bc->bset[s] != 0)
		return false;
	if ((int64) (bc->n_pairs + 1) * 2 > ((int64) 1 << bc->bbits))
	{
		int			nbits = bc->bbits + 1;
		uint64	   *nset = MemoryContextAllocExtended(bc->hdr.eoh_context,
													  sizeof(uint64) << nbits,
													  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);

		for (uint32 k = 0; k < ((uint32) 1 << bc->bbits); k++)
			if (bc->bset[k] != 0)
				nset[bt_bset_slot(nset, nbits, bc->bset[k] - 1)] = bc->bset[k];
		pfree(bc->bset);
		bc->bset = nset;
		bc->bbits = nbits;
		s = bt_bset_slot(bc->bset, bc->bbits, key);
	}
	bc->bset[s] = key + 1;
	bt_pairs_append(bc, i, j, w1, w2, wt);
	return true;
}

static Datum
bt_builder_finish(BtCounts *bc)
{
	Size		sz = bt_counts_get_flat_size(&bc->hdr);
	void	   *res = palloc(sz);

	bt_counts_flatten_into(&bc->hdr, res, sz);
	bt_counts_free(bc);
	return PointerGetDatum(res);
}

/*
 * bt_counts_in(cstring) -> bt_counts
 *
 * {"version": 1, "ids": "text", "pairs": [["a", "b", w1, w2, wt], ...]}
 */
PG_FUNCTION_INFO_V1(bt_counts_in);
Datum
bt_counts_in(PG_FUNCTION_ARGS)
{
	static const char *const kinds[] = {"none", "text", "bigint"};
	PcJson		js;
	BtCounts   *b;
	int			len;
	int			kind;
	Size		n = 0;

	StaticAssertStmt(BT_IDS_NONE == 0 && BT_IDS_TEXT == 1 && BT_IDS_INT8 == 2,
					 "id kinds in the order of their names");
	pc_json_init(&js, PG_GETARG_CSTRING(0), "bt_state");
	pc_json_begin(&js, BT_COUNTS_VERSION);
	pc_json_key(&js, "ids");
	kind = pc_json_choice(&js, kinds, 3);
	pc_json_key(&js, "pairs");
	b = bt_builder_init(kind);
	while (pc_json_next(&js, &n))
	{
		int32		i,
					j;
		double		w[3];

		if (kind == BT_IDS_NONE)
			pc_json_error(&js, "no pairs in a state with ids \"none\"");
		pc_json_expect(&js, '[');
		if (kind == BT_IDS_TEXT)
		{
			char	   *a = pc_json_string(&js, &len);

			i = bt_counts_item_text(b, a, len);
			pc_json_expect(&js, ',');
			a = pc_json_string(&js, &len);
			j = bt_counts_item_text(b, a, len);
		}
		else
		{
			i = bt_counts_item_int8(b, pc_json_int8(&js));
			pc_json_expect(&js, ',');
			j = bt_counts_item_int8(b, pc_json_int8(&js));
		}
		if (i == j)
			pc_json_error(&js, "two different items in a pair");
		for (int k = 0; k < 3; k++)
		{
			pc_json_expect(&js, ',');
			w[k] = pc_json_float8(&js, PC_JSON_FINITE);
			if (!(w[k] >= 0))
				pc_json_error(&js, "finite non-negative counts");
		}
		/* as every other path in: the pair's total must be finite too */
		if (isinf(w[0] + w[1] + w[2]))
			bt_count_overflow();
		pc_json_expect(&js, ']');
		if (!bt_builder_add(b, i, j, w[0], w[1], w[2]))
			pc_json_error(&js, "each ordered pair once");
	}
	pc_json_end(&js);
	PG_RETURN_DATUM(bt_builder_finish(b));
}

/*
 * bt_counts_out(bt_counts) -> cstring, every count in shortest exact form,
 * pairs in stored order
 */
PG_FUNCTION_INFO_V1(bt_counts_out);
Datum
bt_counts_out(PG_FUNCTION_ARGS)
{
	BtCountsView v;
	StringInfoData buf;

	bt_counts_get_view(PG_GETARG_DATUM(0), &v);
	initStringInfo(&buf);
	pc_jw_begin(&buf, BT_COUNTS_VERSION);
	pc_jw_key_string(&buf, "ids", bt_kind_name(v.kind));
	pc_jw_key(&buf, "pairs");
	appendStringInfoChar(&buf, '[');
	for (int32 k = 0; k < v.n_pairs; k++)
	{
		double		w[3] = {v.w1[k], v.w2[k], v.wt[k]};

		pc_jw_sep(&buf, k);
		appendStringInfoChar(&buf, '[');
		if (v.kind == BT_IDS_TEXT)
		{
			pc_jw_string(&buf, bt_view_name(&v, v.pi[k]));
			appendStringInfoString(&buf, ", ");
			pc_jw_string(&buf, bt_view_name(&v, v.pj[k]));
		}
		else
			appendStringInfo(&buf, INT64_FORMAT ", " INT64_FORMAT,
							 v.ids[v.pi[k]], v.ids[v.pj[k]]);
		for (int i = 0; i < 3; i++)
		{
			appendStringInfoString(&buf, ", ");
			pc_jw_float8(&buf, w[i]);
		}
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoChar(&buf, ']');
	pc_jw_end(&buf);
	PG_RETURN_CSTRING(buf.data);
}

/*
 * bt_counts_send(bt_counts) -> bytea
 *
 * int32 version, int32 kind, int32 n_items, the items (text: int32
 * length + bytes in the client encoding; bigint: int64), int32 n_pairs,
 * then per pair int32 first, int32 second, float8 w1, w2, wt.
 */
PG_FUNCTION_INFO_V1(bt_counts_send);
Datum
bt_counts_send(PG_FUNCTION_ARGS)
{
	BtCountsView v;
	StringInfoData buf;

	bt_counts_get_view(PG_GETARG_DATUM(0), &v);
	pq_begintypsend(&buf);
	pq_sendint32(&buf, BT_COUNTS_VERSION);
	pq_sendint32(&buf, v.kind);
	pq_sendint32(&buf, v.n_items);
	for (int32 k = 0; k < v.n_items; k++)
	{
		if (v.kind == BT_IDS_TEXT)
		{
			const char *s = bt_view_name(&v, k);
			int			len = bt_view_name_len(&v, k);
			char	   *conv = pg_server_to_client(s, len);
			int			clen = (conv != s) ? (int) strlen(conv) : len;

			pq_sendint32(&buf, clen);
			pq_sendbytes(&buf, conv, clen);
		}
		else
			pq_sendint64(&buf, v.ids[k]);
	}
	pq_sendint32(&buf, v.n_pairs);
	for (int32 k = 0; k < v.n_pairs; k++)
	{
		pq_sendint32(&buf, v.pi[k]);
		pq_sendint32(&buf, v.pj[k]);
		pq_sendfloat8(&buf, v.w1[k]);
		pq_sendfloat8(&buf, v.w2[k]);
		pq_sendfloat8(&buf, v.wt[k]);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static void
bt_recv_error(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid external bt_state value"),
			 errdetail("%s", what)));
}

/*
 * bt_counts_recv(internal) -> bt_counts, validating everything
 */
PG_FUNCTION_INFO_V1(bt_counts_recv);
Datum
bt_counts_recv(PG_FUNCTION_ARGS)
{
	StringInfo	msg = (StringInfo) PG_GETARG_POINTER(0);
	int32		version = pq_getmsgint(msg, 4);
	int32		kind,
				n_items,
				n_pairs;
	BtCounts   *b;

	if (version != BT_COUNTS_VERSION)
		bt_recv_error("Unsupported format version.");
	kind = pq_getmsgint(msg, 4);
	n_items = pq_getmsgint(msg, 4);
	if (kind < BT_IDS_NONE || kind > BT_IDS_INT8 || n_items < 0 ||
		n_items > BT_MAX_ITEMS || (kind == BT_IDS_NONE && n_items != 0) ||
		(Size) n_items * 4 > (Size) (msg->len - msg->cursor))
		bt_recv_error("Impossible id kind or item count.");
	b = bt_builder_init(kind);
	for (int32 k = 0; k < n_items; k++)
	{
		int32		got;

		if (kind == BT_IDS_TEXT)
		{
			int32		len = pq_getmsgint(msg, 4);
			char	   *s;

			if (len < 0 || len > msg->len - msg->cursor)
				bt_recv_error("An item name has an impossible length.");
			s = pq_getmsgtext(msg, len, &len);
			if (memchr(s, '\0', len))
				bt_recv_error("An item name holds a NUL byte.");
			got = bt_counts_item_text(b, s, len);
		}
		else
			got = bt_counts_item_int8(b, pq_getmsgint64(msg));
		if (got != k)
			bt_recv_error("An item appears twice.");
	}
	n_pairs = pq_getmsgint(msg, 4);
	if (n_pairs < 0 || n_pairs > BT_MAX_PAIRS ||
		(Size) n_pairs * 32 > (Size) (msg->len - msg->cursor))
		bt_recv_error("Impossible pair count.");
	for (int32 k = 0; k < n_pairs; k++)
	{
		int32		i = pq_getmsgint(msg, 4);
		int32		j = pq_getmsgint(msg, 4);
		double		w1 = pq_getmsgfloat8(msg);
		double		w2 = pq_getmsgfloat8(msg);
		double		wt = pq_getmsgfloat8(msg);

		if (i < 0 || i >= n_items || j < 0 || j >= n_items || i == j)
			bt_recv_error("A pair refers to an unknown item or to itself.");
		if (!(w1 >= 0 && w2 >= 0 && wt >= 0) || !isfinite(w1 + w2 + wt))
			bt_recv_error("A pair holds a negative or non-finite count.");
		if (!bt_builder_add(b, i, j, w1, w2, wt))
			bt_recv_error("A pair appears twice.");
	}
	if (msg->cursor != msg->len)
		bt_recv_error("Trailing bytes.");
	PG_RETURN_DATUM(bt_builder_finish(b));
}

