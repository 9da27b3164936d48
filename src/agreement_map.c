/*-------------------------------------------------------------------------
 *
 * agreement_map.c
 *	  The string-keyed varlena map shared by the annotation-signal
 *	  aggregates (see agreement_map.h for the layout): creation, lookup
 *	  with in-place insert, merge, iteration, and the text and binary
 *	  forms with full validation.
 *
 * Text form (pc_json.h; the version is the kind's, see PcMapSpec.version):
 *
 *	  {"version": 1, "entries": [["key", ["key2",] num, num, ...], ...]}
 *
 * The input also reads the form 0.1.0 wrote (a stored value may hold it;
 * version 1, or the kind's version, converted as in binary input):
 *
 *	  v1 n=<entries> {"key" [ "key2" ] num num ...} {...} ...
 *
 * where keys are double-quoted and a backslash escapes '"' and '\'.
 *
 *-------------------------------------------------------------------------
 */
#include "agreement_map.h"
#include "pc_json.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "libpq/pqformat.h"
#include "utils/memutils.h"

#define PCMAP_HDRSZ MAXALIGN(sizeof(PcMap))

static inline uint32 *
pcmap_slots(const PcMap *map)
{
	return (uint32 *) ((char *) map + PCMAP_HDRSZ);
}

static inline char *
pcmap_area(const PcMap *map)
{
	return (char *) map + PCMAP_HDRSZ + MAXALIGN(sizeof(uint32) * map->nslots);
}

static inline Size
pcmap_entry_size(int npayload, int keylen)
{
	return sizeof(PcMapEntry) + sizeof(double) * npayload + MAXALIGN(keylen);
}

static uint32
pcmap_hash(const char *k0, int l0, const char *k1, int l1)
{
	uint32		h = hash_bytes((const unsigned char *) k0, l0);

	if (k1 != NULL)
		h = hash_combine(h, hash_bytes((const unsigned char *) k1, l1));
	return h;
}

static void
pcmap_too_big(const PcMapSpec *spec)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("%s state is too large", spec->typname),
			 errdetail("A state may not exceed %zu bytes.",
					   (Size) MaxAllocSize)));
}

/*
 * Allocate an empty map in CurrentMemoryContext with room for about
 * est_entries entries holding est_keybytes key bytes in all.
 */
PcMap *
pcmap_create(const PcMapSpec *spec, int est_entries, int est_keybytes)
{
	int			nslots = 8;
	Size		cap;
	Size		total;
	PcMap	   *map;

	while (nslots < 2 * est_entries)
		nslots *= 2;
	cap = (Size) est_entries * (sizeof(PcMapEntry) + sizeof(double) * spec->npayload + MAXIMUM_ALIGNOF)
		+ MAXALIGN(est_keybytes) + 64;
	total = PCMAP_HDRSZ + MAXALIGN(sizeof(uint32) * nslots) + cap;
	if (total > MaxAllocSize)
		pcmap_too_big(spec);
	map = (PcMap *) palloc0(total);
	SET_VARSIZE(map, total);
	map->version = pcmap_version(spec);
	map->kind = spec->kind;
	map->nparts = spec->nparts;
	map->npayload = spec->npayload;
	map->nentries = 0;
	map->nslots = nslots;
	map->used = 0;
	map->cap = (uint32) cap;
	return map;
}

/* next entry after prev (NULL: the first), or NULL at the end */
PcMapEntry *
pcmap_next(const PcMap *map, PcMapEntry *prev)
{
	char	   *area = pcmap_area(map);
	char	   *p;

	if (prev == NULL)
		p = area;
	else
		p = (char *) prev + pcmap_entry_size(map->npayload, prev->keylen);
	if (p >= area + map->used)
		return NULL;
	return (PcMapEntry *) p;
}

static bool
pcmap_key_equal(const PcMap *map, const PcMapEntry *e,
				const char *k0, int l0, const char *k1, int l1)
{
	const char *key = PCMAP_KEY(e, map->npayload);

	if (k1 == NULL)
		return e->keylen == l0 && memcmp(key, k0, l0) == 0;
	return e->keylen == l0 + 1 + l1 &&
		memcmp(key, k0, l0) == 0 &&
		key[l0] == '\0' &&
		memcmp(key + l0 + 1, k1, l1) == 0;
}

/* fill the index from the entry area (slots must be zero) */
static void
pcmap_reindex(PcMap *map)
{
	uint32	   *slots = pcmap_slots(map);
	char	   *area = pcmap_area(map);
	uint32		mask = (uint32) map->nslots - 1;
	PcMapEntry *e = NULL;

	while ((e = pcmap_next(map, e)) != NULL)
	{
		uint32		i = e->hash & mask;

		while (slots[i] != 0)
			i = (i + 1) & mask;
		slots[i] = (uint32) ((char *) e - area) + 1;
	}
}

/* a copy of map with room for extra_bytes more and at least min_slots */
static PcMap *
pcmap_grow(const PcMap *map, const PcMapSpec *spec, Size extra_bytes,
		   int min_slots)
{
	int			nslots = map->nslots;
	Size		cap = map->cap;
	Size		total;
	PcMap	   *nmap;

	while (nslots < min_slots)
		nslots *= 2;
	while (cap < map->used + extra_bytes)
		cap = cap * 2 + 64;
	total = PCMAP_HDRSZ + MAXALIGN(sizeof(uint32) * nslots) + cap;
	if (total > MaxAllocSize)
	{
		/* try the exact size before giving up */
		cap = map->used + extra_bytes;
		total = PCMAP_HDRSZ + MAXALIGN(sizeof(uint32) * nslots) + cap;
		if (total > MaxAllocSize)
			pcmap_too_big(spec);
	}
	nmap = (PcMap *) palloc0(total);
	memcpy(nmap, map, sizeof(PcMap));
	SET_VARSIZE(nmap, total);
	nmap->nslots = nslots;
	nmap->cap = (uint32) cap;
	memcpy(pcmap_area(nmap), pcmap_area(map), map->used);
	pcmap_reindex(nmap);
	return nmap;
}

/*
 * Return the payload of key (k0 alone, or k0 NUL k1), inserting a zeroed
 * entry when absent.  *mapp is replaced by a bigger copy (allocated in
 * CurrentMemoryContext) when the map is full; the old one is left alone.
 */
double *
pcmap_upsert(PcMap **mapp, const PcMapSpec *spec,
			 const char *k0, int l0, const char *k1, int l1)
{
	PcMap	   *map = *mapp;
	uint32		hash = pcmap_hash(k0, l0, k1, l1);
	uint32		mask = (uint32) map->nslots - 1;
	uint32	   *slots = pcmap_slots(map);
	char	   *area = pcmap_area(map);
	uint32		i = hash & mask;
	int			keylen;
	Size		esz;
	PcMapEntry *e;
	char	   *key;

	while (slots[i] != 0)
	{
		e = (PcMapEntry *) (area + slots[i] - 1);
		if (e->hash == hash && pcmap_key_equal(map, e, k0, l0, k1, l1))
			return PCMAP_PAYLOAD(e);
		i = (i + 1) & mask;
	}

	/* a new entry */
	if (map->nentries >= spec->max_entries)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many distinct %s", spec->entry_noun),
				 errdetail("A %s value holds at most %d %s.",
						   spec->typname, spec->max_entries,
						   spec->entry_noun)));
	if ((Size) l0 + (Size) l1 + 1 > MaxAllocSize / 2)
		pcmap_too_big(spec);
	keylen = (k1 == NULL) ? l0 : l0 + 1 + l1;
	esz = pcmap_entry_size(spec->npayload, keylen);
	if (map->used + esz > map->cap || 2 * (map->nentries + 1) > map->nslots)
	{
		map = pcmap_grow(map, spec, esz, 2 * (map->nentries + 1));
		*mapp = map;
		mask = (uint32) map->nslots - 1;
		slots = pcmap_slots(map);
		area = pcmap_area(map);
		i = hash & mask;
		while (slots[i] != 0)
			i = (i + 1) & mask;
	}
	e = (PcMapEntry *) (area + map->used);
	e->hash = hash;
	e->keylen = keylen;
	memset(PCMAP_PAYLOAD(e), 0, sizeof(double) * spec->npayload);
	key = PCMAP_KEY(e, spec->npayload);
	memcpy(key, k0, l0);
	if (k1 != NULL)
	{
		key[l0] = '\0';
		memcpy(key + l0 + 1, k1, l1);
	}
	memset(key + keylen, 0, MAXALIGN(keylen) - keylen);
	slots[i] = map->used + 1;
	map->used += esz;
	map->nentries++;
	return PCMAP_PAYLOAD(e);
}

/* split an entry's key into its parts */
static void
pcmap_key_parts(const PcMap *map, const PcMapEntry *e,
				const char **k0, int *l0, const char **k1, int *l1)
{
	const char *key = PCMAP_KEY(e, map->npayload);

	*k0 = key;
	if (map->nparts == 1)
	{
		*l0 = e->keylen;
		*k1 = NULL;
		*l1 = 0;
	}
	else
	{
		*l0 = strnlen(key, e->keylen);
		Assert(*l0 < e->keylen);
		*k1 = key + *l0 + 1;
		*l1 = e->keylen - *l0 - 1;
	}
}

/*
 * Merge src into dst (dst may be updated in place; the result, which may
 * be a new copy, is returned).
 */
PcMap *
pcmap_merge(PcMap *dst, const PcMap *src, const PcMapSpec *spec)
{
	PcMapEntry *e = NULL;

	while ((e = pcmap_next(src, e)) != NULL)
	{
		const char *k0,
				   *k1;
		int			l0,
					l1;
		double	   *p;

		CHECK_FOR_INTERRUPTS();
		pcmap_key_parts(src, e, &k0, &l0, &k1, &l1);
		p = pcmap_upsert(&dst, spec, k0, l0, k1, l1);
		spec->merge(p, PCMAP_PAYLOAD(e));
	}
	return dst;
}

/* a copy without slack, in CurrentMemoryContext */
PcMap *
pcmap_compact(const PcMap *map, const PcMapSpec *spec)
{
	PcMap	   *nmap = pcmap_create(spec, map->nentries, 0);

	if (nmap->cap < map->used)
		nmap = pcmap_grow(nmap, spec, map->used, nmap->nslots);
	memcpy(pcmap_area(nmap), pcmap_area(map), map->used);
	nmap->used = map->used;
	nmap->nentries = map->nentries;
	pcmap_reindex(nmap);
	return nmap;
}

/*
 * A copy in the current format of a version-1 map of a kind whose payload
 * changed since (stored values written by an older build)
 */
static PcMap *
pcmap_upgrade(const PcMap *old, const PcMapSpec *spec)
{
	PcMap	   *map = pcmap_create(spec, old->nentries, old->used);
	PcMapEntry *e = NULL;

	while ((e = pcmap_next(old, e)) != NULL)
	{
		const char *k0,
				   *k1;
		int			l0,
					l1;

		pcmap_key_parts(old, e, &k0, &l0, &k1, &l1);
		spec->upgrade_v1(PCMAP_PAYLOAD(e),
						 pcmap_upsert(&map, spec, k0, l0, k1, l1));
	}
	return map;
}

/*
 * Detoast a state datum (it may arrive with a short header from a tuple)
 * and check that it is a map of the expected kind and version; a stored
 * version-1 value of an upgraded kind comes back converted.
 */
PcMap *
pcmap_from_datum(Datum d, const PcMapSpec *spec)
{
	PcMap	   *map = (PcMap *) PG_DETOAST_DATUM(d);

	if (VARSIZE(map) >= PCMAP_HDRSZ &&
		map->version == 1 && pcmap_reads_v1(spec) &&
		map->kind == (int) spec->kind &&
		map->npayload == spec->v1_npayload &&
		map->nparts == spec->nparts)
		return pcmap_upgrade(map, spec);
	if (VARSIZE(map) < PCMAP_HDRSZ ||
		map->version != pcmap_version(spec) ||
		map->kind != (int) spec->kind ||
		map->npayload != spec->npayload ||
		map->nparts != spec->nparts)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid %s value", spec->typname),
				 errdetail("Unknown version or kind.")));
	return map;
}

/* ---------- text form ---------- */

char *
pcmap_out(const PcMap *map, const PcMapSpec *spec)
{
	StringInfoData buf;
	PcMapEntry *e = NULL;
	int			i = 0;

	initStringInfo(&buf);
	pc_jw_begin(&buf, pcmap_version(spec));
	pc_jw_key(&buf, "entries");
	appendStringInfoChar(&buf, '[');
	while ((e = pcmap_next(map, e)) != NULL)
	{
		const char *k0,
				   *k1;
		int			l0,
					l1;
		double	   *p = PCMAP_PAYLOAD(e);

		pcmap_key_parts(map, e, &k0, &l0, &k1, &l1);
		pc_jw_sep(&buf, i++);
		appendStringInfoChar(&buf, '[');
		pc_jw_string_len(&buf, k0, l0);
		if (k1 != NULL)
		{
			appendStringInfoString(&buf, ", ");
			pc_jw_string_len(&buf, k1, l1);
		}
		for (int j = 0; j < spec->npayload; j++)
		{
			appendStringInfoString(&buf, ", ");
			pc_jw_float8(&buf, p[j]);
		}
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoChar(&buf, ']');
	pc_jw_end(&buf);
	return buf.data;
}

static void
pcmap_syntax(const PcMapSpec *spec, const char *whole, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"",
					spec->typname, whole),
			 errdetail("%s", what)));
}

static const char *
skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

/*
 * The payload of an entry read with nvals numbers (the current format's,
 * or version 1's of a kind that converts them) in the current format
 */
static void
payload_as_read(const PcMapSpec *spec, int nvals, const double *read,
				double *payload)
{
	if (nvals == spec->npayload)
		memcpy(payload, read, sizeof(double) * nvals);
	else
		spec->upgrade_v1(read, payload);
}

/* parse a quoted string at *ps into buf (reset first) */
static void
parse_quoted(const char **ps, StringInfo buf, const PcMapSpec *spec,
			 const char *whole)
{
	const char *s = skip_blanks(*ps);

	resetStringInfo(buf);
	if (*s != '"')
		pcmap_syntax(spec, whole, "Expected a double-quoted key.");
	s++;
	for (;;)
	{
		if (*s == '\0')
			pcmap_syntax(spec, whole, "Unterminated key.");
		if (*s == '"')
			break;
		if (*s == '\\')
		{
			s++;
			if (*s != '"' && *s != '\\')
				pcmap_syntax(spec, whole, "Only \\\" and \\\\ may be escaped in a key.");
		}
		appendStringInfoChar(buf, *s);
		s++;
	}
	*ps = s + 1;
}

static void
check_payload(const PcMapSpec *spec, const double *p, const char *whole)
{
	const char *why = spec->check(p);

	if (why != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s value", spec->typname),
				 errdetail("%s", why),
				 whole ? errcontext("input: \"%.100s\"", whole) : 0));
}

static void
check_key(const PcMapSpec *spec, const char *key, int len, const char *whole)
{
	const char *why = spec->check_key ? spec->check_key(key, len) : NULL;

	if (why != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s value", spec->typname),
				 errdetail("%s", why),
				 whole ? errcontext("input: \"%.100s\"", whole) : 0));
}

static PcMap *
pcmap_from_json(const char *str, const PcMapSpec *spec)
{
	PcJson		js;
	PcMap	   *map = pcmap_create(spec, 0, 0);
	Size		n = 0;

	pc_json_init(&js, str, spec->typname);
	pc_json_begin(&js, pcmap_version(spec));
	pc_json_key(&js, "entries");
	while (pc_json_next(&js, &n))
	{
		char	   *k0,
				   *k1 = NULL;
		int			l0,
					l1 = 0,
					before;
		double		vals[8];
		double	   *p;

		pc_json_expect(&js, '[');
		k0 = pc_json_string(&js, &l0);
		if (spec->nparts == 2)
		{
			pc_json_expect(&js, ',');
			k1 = pc_json_string(&js, &l1);
		}
		for (int j = 0; j < spec->npayload; j++)
		{
			pc_json_expect(&js, ',');
			vals[j] = pc_json_float8(&js, PC_JSON_NONFINITE);
		}
		pc_json_expect(&js, ']');
		check_payload(spec, vals, str);
		check_key(spec, k0, l0, str);
		before = map->nentries;
		p = pcmap_upsert(&map, spec, k0, l0, k1, l1);
		if (map->nentries == before)
			pc_json_error(&js, "each key once");
		memcpy(p, vals, sizeof(double) * spec->npayload);
		pfree(k0);
		if (k1)
			pfree(k1);
	}
	pc_json_end(&js);
	return map;
}

/* the form 0.1.0 wrote */
static PcMap *
pcmap_from_legacy(const char *str, const PcMapSpec *spec)
{
	const char *s = skip_blanks(str);
	char	   *end;
	long		n;
	PcMap	   *map;
	StringInfoData k0,
				k1;
	double		vals[8];
	double		old[8];
	int			version = 0;
	int			nvals = spec->npayload;

	Assert(spec->npayload <= 8 && spec->v1_npayload <= 8);
	if (s[0] == 'v' && s[1] >= '1' && s[1] <= '9' && (s[2] == ' ' || s[2] == '\t'))
		version = s[1] - '0';
	if (version == 1 && pcmap_reads_v1(spec))
		nvals = spec->v1_npayload;
	else if (version != pcmap_version(spec))
	{
		if (pcmap_version(spec) == 1)
			pcmap_syntax(spec, str, "Expected version \"v1\" first.");
		pcmap_syntax(spec, str,
					 psprintf("Expected version \"v%d\" (or \"v1\") first.",
							  pcmap_version(spec)));
	}
	s = skip_blanks(s + 2);
	if (s[0] != 'n' || s[1] != '=')
		pcmap_syntax(spec, str, "Expected \"n=\" and the number of entries.");
	errno = 0;
	n = strtol(s + 2, &end, 10);
	if (end == s + 2 || errno != 0 || n < 0)
		pcmap_syntax(spec, str, "Expected a non-negative number of entries.");
	if (n > spec->max_entries)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many distinct %s", spec->entry_noun),
				 errdetail("A %s value holds at most %d %s.",
						   spec->typname, spec->max_entries,
						   spec->entry_noun)));
	s = end;
	map = pcmap_create(spec, (int) n, 0);
	initStringInfo(&k0);
	initStringInfo(&k1);
	for (long i = 0; i < n; i++)
	{
		double	   *p;
		int			before;

		s = skip_blanks(s);
		if (*s != '{')
			pcmap_syntax(spec, str, "Fewer entries than announced.");
		s++;
		parse_quoted(&s, &k0, spec, str);
		if (spec->nparts == 2)
			parse_quoted(&s, &k1, spec, str);
		for (int j = 0; j < nvals; j++)
			old[j] = pc_parse_float8(&s, spec->typname, str);
		payload_as_read(spec, nvals, old, vals);
		s = skip_blanks(s);
		if (*s != '}')
			pcmap_syntax(spec, str, "Expected \"}\" after an entry's numbers.");
		s++;
		check_payload(spec, vals, str);
		check_key(spec, k0.data, k0.len, str);
		before = map->nentries;
		p = pcmap_upsert(&map, spec, k0.data, k0.len,
						 spec->nparts == 2 ? k1.data : NULL, k1.len);
		if (map->nentries == before)
			pcmap_syntax(spec, str, "Duplicate key.");
		memcpy(p, vals, sizeof(double) * spec->npayload);
	}
	s = skip_blanks(s);
	if (*s != '\0')
		pcmap_syntax(spec, str, "Unexpected text after the last entry.");
	return map;
}

PcMap *
pcmap_in(const char *str, const PcMapSpec *spec)
{
	Assert(spec->npayload <= 8);
	if (pc_json_is_json(str))
		return pcmap_from_json(str, spec);
	return pcmap_from_legacy(str, spec);
}

/* ---------- binary form ---------- */

bytea *
pcmap_send(const PcMap *map, const PcMapSpec *spec)
{
	StringInfoData buf;
	PcMapEntry *e = NULL;

	pq_begintypsend(&buf);
	pq_sendint16(&buf, pcmap_version(spec));
	pq_sendint16(&buf, (int16) spec->kind);
	pq_sendint32(&buf, map->nentries);
	while ((e = pcmap_next(map, e)) != NULL)
	{
		const char *k0,
				   *k1;
		int			l0,
					l1;
		double	   *p = PCMAP_PAYLOAD(e);

		pcmap_key_parts(map, e, &k0, &l0, &k1, &l1);
		pq_sendint32(&buf, l0);
		pq_sendbytes(&buf, k0, l0);
		if (k1 != NULL)
		{
			pq_sendint32(&buf, l1);
			pq_sendbytes(&buf, k1, l1);
		}
		for (int j = 0; j < spec->npayload; j++)
			pq_sendfloat8(&buf, p[j]);
	}
	return pq_endtypsend(&buf);
}

static const char *
recv_part(StringInfo buf, int *len, const PcMapSpec *spec)
{
	int			l = pq_getmsgint(buf, 4);
	const char *s;

	if (l < 0 || l > buf->len - buf->cursor)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid key length in binary %s value",
						spec->typname)));
	s = pq_getmsgbytes(buf, l);
	if (memchr(s, '\0', l) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("key contains a zero byte in binary %s value",
						spec->typname)));
	*len = l;
	return s;
}

PcMap *
pcmap_recv(StringInfo buf, const PcMapSpec *spec)
{
	int			version = pq_getmsgint(buf, 2);
	int			kind = pq_getmsgint(buf, 2);
	int			n = pq_getmsgint(buf, 4);
	PcMap	   *map;
	double		vals[8];
	double		old[8];
	int			nvals = spec->npayload;
	bool		known = (version == pcmap_version(spec));

	if (version == 1 && pcmap_reads_v1(spec))
	{
		nvals = spec->v1_npayload;
		known = true;
	}
	if (!known || kind != (int) spec->kind)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unsupported binary %s format", spec->typname),
				 errdetail("Version %d kind %d; expected version %d kind %d.",
						   version, kind, pcmap_version(spec),
						   (int) spec->kind)));
	if (n < 0 || n > spec->max_entries)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid entry count %d in binary %s value",
						n, spec->typname)));
	map = pcmap_create(spec, n, 0);
	for (int i = 0; i < n; i++)
	{
		const char *k0,
				   *k1 = NULL;
		int			l0,
					l1 = 0,
					before;
		double	   *p;

		k0 = recv_part(buf, &l0, spec);
		if (spec->nparts == 2)
			k1 = recv_part(buf, &l1, spec);
		for (int j = 0; j < nvals; j++)
			old[j] = pq_getmsgfloat8(buf);
		payload_as_read(spec, nvals, old, vals);
		check_payload(spec, vals, NULL);
		check_key(spec, k0, l0, NULL);
		before = map->nentries;
		p = pcmap_upsert(&map, spec, k0, l0, k1, l1);
		if (map->nentries == before)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
					 errmsg("duplicate key in binary %s value",
							spec->typname)));
		memcpy(p, vals, sizeof(double) * spec->npayload);
	}
	return map;
}
