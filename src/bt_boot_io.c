/*-------------------------------------------------------------------------
 *
 * bt_boot_io.c
 *	  Text and binary I/O of bt_bootstrap_state (the forms are described in
 *	  bt_boot.c): the JSON-shaped text form read with pc_json.h, and the
 *	  binary form; both validated by btb_validate.
 *
 *-------------------------------------------------------------------------
 */
#include "prefcal.h"

#include "bt_boot_int.h"

#include <float.h>
#include <math.h>

#include "boot.h"
#include "bt_counts.h"
#include "bt_fit.h"
#include "pc_json.h"
#include "common/hashfn.h"
#include "funcapi.h"
#include "kernels.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

/* ---------- text I/O ---------- */

/* room for element n of a growing array */
static void
btb_grow(int64 *cap, int64 n, void **arr, Size elsize)
{
	if (n >= *cap)
	{
		*cap = Max(*cap * 2, 64);
		*arr = repalloc_huge(*arr, *cap * elsize);
	}
}

PG_FUNCTION_INFO_V1(bt_bootstrap_state_in);
Datum
bt_bootstrap_state_in(PG_FUNCTION_ARGS)
{
	char	   *input = PG_GETARG_CSTRING(0);
	PcJson		lx;
	int			replicates;
	int64		seed;
	int64		ncap = 64,
				mcap = 64,
				nnames = 0;
	Size		n = 0,
				m = 0,
				m2 = 0;
	char	  **names = palloc(sizeof(char *) * ncap);
	int		   *lens = palloc(sizeof(int) * ncap);
	int32	   *fi = palloc(sizeof(int32) * mcap);
	int32	   *se;
	BtbState   *s;

	pc_json_init(&lx, input, TYPNAME);
	pc_json_begin(&lx, BTB_VERSION);
	replicates = pc_json_key_int4(&lx, "replicates", PG_INT32_MIN, PG_INT32_MAX);
	pc_check_replicates(replicates);
	seed = pc_json_key_int8(&lx, "seed");
	pc_json_key(&lx, "items");
	while (pc_json_next(&lx, &n))
	{
		int64		capbefore = ncap;

		if (n > BT_MAX_ITEMS)
			pc_json_error(&lx, "fewer items");
		btb_grow(&ncap, n - 1, (void **) &names, sizeof(char *));
		if (ncap != capbefore)
			lens = repalloc_huge(lens, sizeof(int) * ncap);
		names[n - 1] = pc_json_string(&lx, &lens[n - 1]);
		nnames += lens[n - 1] + 1;
	}
	pc_json_key(&lx, "first");
	while (pc_json_next(&lx, &m))
	{
		if (m > BT_MAX_PAIRS)
			pc_json_error(&lx, "fewer pairs");
		btb_grow(&mcap, m - 1, (void **) &fi, sizeof(int32));
		fi[m - 1] = pc_json_int4(&lx, 0, PG_INT32_MAX);
	}
	se = palloc(sizeof(int32) * Max(m, 1));
	pc_json_key(&lx, "second");
	while (pc_json_next(&lx, &m2))
	{
		if (m2 > m)
			pc_json_error(&lx, "as many second items as first items");
		se[m2 - 1] = pc_json_int4(&lx, 0, PG_INT32_MAX);
	}
	if (m2 != m)
		pc_json_error(&lx, "as many second items as first items");

	s = btb_alloc(replicates, seed, n, nnames, m, false);
	s->n_items = (int32) n;
	s->n_pairs = (int32) m;
	s->names_len = nnames;
	for (int64 k = 0, pos = 0; k < (int64) n; k++)
	{
		btb_off(s)[k] = (uint32) pos;
		memcpy(btb_names(s) + pos, names[k], lens[k]);
		pos += lens[k] + 1;
		btb_off(s)[k + 1] = (uint32) pos;
	}
	memcpy(btb_first(s), fi, sizeof(int32) * m);
	memcpy(btb_second(s), se, sizeof(int32) * m);
	pc_json_key(&lx, "counts");
	pc_json_float8_array(&lx, btb_counts(s), btb_rec(replicates) * (Size) m,
						 PC_JSON_FINITE);
	pc_json_end(&lx);
	btb_validate(s);
	PG_RETURN_POINTER(s);
}

/* an array of int32 */
static void
btb_append_ints(StringInfo buf, const int32 *x, int32 n)
{
	appendStringInfoChar(buf, '[');
	for (int32 p = 0; p < n; p++)
	{
		pc_jw_sep(buf, p);
		appendStringInfo(buf, "%d", x[p]);
	}
	appendStringInfoChar(buf, ']');
}

PG_FUNCTION_INFO_V1(bt_bootstrap_state_out);
Datum
bt_bootstrap_state_out(PG_FUNCTION_ARGS)
{
	BtbState   *s = PG_GETARG_BTB_P(0);
	StringInfoData buf;

	initStringInfo(&buf);
	pc_jw_begin(&buf, BTB_VERSION);
	pc_jw_key_int8(&buf, "replicates", s->replicates);
	pc_jw_key_int8(&buf, "seed", s->seed);
	pc_jw_key(&buf, "items");
	appendStringInfoChar(&buf, '[');
	for (int32 k = 0; k < s->n_items; k++)
	{
		pc_jw_sep(&buf, k);
		pc_jw_string(&buf, btb_name(s, k));
	}
	appendStringInfoChar(&buf, ']');
	pc_jw_key(&buf, "first");
	btb_append_ints(&buf, btb_first(s), s->n_pairs);
	pc_jw_key(&buf, "second");
	btb_append_ints(&buf, btb_second(s), s->n_pairs);
	pc_jw_key(&buf, "counts");
	pc_jw_float8_array(&buf, btb_counts(s), btb_rec(s->replicates) * (Size) s->n_pairs);
	pc_jw_end(&buf);
	PG_RETURN_CSTRING(buf.data);
}

/* ---------- binary I/O ---------- */

static void
btb_recv_error(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid binary %s: %s", TYPNAME, what)));
}

PG_FUNCTION_INFO_V1(bt_bootstrap_state_recv);
Datum
bt_bootstrap_state_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			version,
				flags,
				replicates;
	int64		seed;
	int32		n,
				m;
	int64		nnames = 0;
	int			start;
	BtbState   *s;
	Size		nc;
	double	   *c;

	if (buf->len - buf->cursor < 24)
		btb_recv_error("too short");
	version = (int16) pq_getmsgint(buf, 2);
	flags = (uint16) pq_getmsgint(buf, 2);
	replicates = (int32) pq_getmsgint(buf, 4);
	seed = pq_getmsgint64(buf);
	n = (int32) pq_getmsgint(buf, 4);
	m = (int32) pq_getmsgint(buf, 4);
	if (version != BTB_VERSION || flags != 0)
		btb_recv_error("unsupported version or flags");
	if (replicates < 1 || replicates > BOOT_MAX_REPLICATES ||
		n < 0 || n > BT_MAX_ITEMS || m < 0 || m > BT_MAX_PAIRS)
		btb_recv_error("counts out of range");
	/* the names' total length first, then the state */
	start = buf->cursor;
	for (int32 k = 0; k < n; k++)
	{
		int32		len;

		if (buf->len - buf->cursor < 4)
			btb_recv_error("too short");
		len = (int32) pq_getmsgint(buf, 4);
		if (len < 0 || len > buf->len - buf->cursor)
			btb_recv_error("a name's length is out of range");
		buf->cursor += len;
		nnames += len + 1;
	}
	nc = btb_rec(replicates) * (Size) m;
	if ((Size) (buf->len - buf->cursor) != (Size) m * 8 + nc * sizeof(float8))
		btb_recv_error("wrong length");
	buf->cursor = start;
	s = btb_alloc(replicates, seed, n, nnames, m, false);
	s->n_items = n;
	s->n_pairs = m;
	s->names_len = nnames;
	for (int32 k = 0, pos = 0; k < n; k++)
	{
		int32		len = (int32) pq_getmsgint(buf, 4);

		btb_off(s)[k] = (uint32) pos;
		pq_copymsgbytes(buf, btb_names(s) + pos, len);
		pos += len + 1;
		btb_off(s)[k + 1] = (uint32) pos;
	}
	for (int32 p = 0; p < m; p++)
		btb_first(s)[p] = (int32) pq_getmsgint(buf, 4);
	for (int32 p = 0; p < m; p++)
		btb_second(s)[p] = (int32) pq_getmsgint(buf, 4);
	c = btb_counts(s);
	for (Size i = 0; i < nc; i++)
		c[i] = pq_getmsgfloat8(buf);
	btb_validate(s);
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(bt_bootstrap_state_send);
Datum
bt_bootstrap_state_send(PG_FUNCTION_ARGS)
{
	BtbState   *s = PG_GETARG_BTB_P(0);
	Size		nc = btb_rec(s->replicates) * (Size) s->n_pairs;
	const double *c = btb_counts(s);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, BTB_VERSION);
	pq_sendint16(&buf, 0);
	pq_sendint32(&buf, s->replicates);
	pq_sendint64(&buf, s->seed);
	pq_sendint32(&buf, s->n_items);
	pq_sendint32(&buf, s->n_pairs);
	for (int32 k = 0; k < s->n_items; k++)
	{
		pq_sendint32(&buf, btb_name_len(s, k));
		pq_sendbytes(&buf, btb_name(s, k), btb_name_len(s, k));
	}
	for (int32 p = 0; p < s->n_pairs; p++)
		pq_sendint32(&buf, btb_first(s)[p]);
	for (int32 p = 0; p < s->n_pairs; p++)
		pq_sendint32(&buf, btb_second(s)[p]);
	for (Size i = 0; i < nc; i++)
		pq_sendfloat8(&buf, c[i]);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}
