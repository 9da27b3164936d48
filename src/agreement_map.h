/*-------------------------------------------------------------------------
 *
 * agreement_map.h
 *	  A string-keyed map of small float8 payloads laid out as one varlena:
 *	  the concrete, mergeable state behind classify_preference_consistency,
 *	  majority_vote and the Krippendorff's alpha aggregates.
 *
 * Layout of a PcMap (all offsets from the start of the varlena):
 *
 *	  PcMap header (32 bytes)
 *	  uint32 slots[nslots]		open-addressing index: entry offset + 1,
 *								0 = empty slot (linear probing)
 *	  entry area (MAXALIGNed), entries one after the other:
 *		  uint32 hash; int32 keylen; float8 payload[npayload];
 *		  char key[keylen]; padding to MAXALIGN
 *
 * A key is one string (nparts = 1) or two strings joined by a NUL byte
 * (nparts = 2: Krippendorff's unit and value; text values cannot hold NUL).
 *
 * VARSIZE is always the allocated size, so a byte copy (datumCopy, the
 * parallel tuple queue) carries a valid index.  The text and binary forms
 * hold only the version, the kind and the entries; the index is rebuilt
 * on input, so the hash function is never part of a stored format.
 *
 * A map grows by building a bigger copy in CurrentMemoryContext (never by
 * repalloc: the aggregate executor frees the old transition value itself
 * when the function returns a different pointer).
 *
 *-------------------------------------------------------------------------
 */
#ifndef PREFCAL_AGREEMENT_MAP_H
#define PREFCAL_AGREEMENT_MAP_H

#include "prefcal.h"

#include "lib/stringinfo.h"

/*
 * Format version of the kinds that never changed; a kind whose payload
 * changed carries its own version in its spec (spec->version) and may
 * read version-1 values through spec->upgrade_v1.
 */
#define PCMAP_VERSION 1

typedef enum PcMapKind
{
	PCMAP_CONSISTENCY = 1,		/* condition -> kw, mw, kr, mr */
	PCMAP_MAJORITY = 2,			/* label -> count */
	PCMAP_ALPHA_NOMINAL = 3,	/* (unit, value) -> count */
	PCMAP_ALPHA_INTERVAL = 4,	/* unit -> m, mean, m2 */
	PCMAP_CONSISTENCY_GROUPS = 5	/* group count vector -> multiplicity */
} PcMapKind;

typedef struct PcMap
{
	int32		vl_len_;		/* varlena header (do not touch directly) */
	int16		version;		/* pcmap_version(spec) */
	int16		kind;			/* PcMapKind */
	int32		nparts;			/* strings per key: 1 or 2 */
	int32		npayload;		/* float8 values per entry */
	int32		nentries;
	int32		nslots;			/* power of two, >= 2 * nentries */
	uint32		used;			/* bytes used in the entry area */
	uint32		cap;			/* bytes available in the entry area */
} PcMap;

typedef struct PcMapEntry
{
	uint32		hash;
	int32		keylen;
	/* float8 payload[npayload] and the key follow */
} PcMapEntry;

/* description of one kind: its shape, its limit and its rules */
typedef struct PcMapSpec
{
	PcMapKind	kind;
	const char *typname;		/* SQL type name, for messages */
	int			nparts;
	int			npayload;
	int			max_entries;	/* documented cap */
	const char *entry_noun;		/* "conditions", "labels", ... */
	/* dst += src for one entry (mergeable payloads) */
	void		(*merge) (double *dst, const double *src);
	/* return NULL if a payload read from outside is valid, else a reason */
	const char *(*check) (const double *payload);
	/* optional: NULL if a key read from outside is valid, else a reason */
	const char *(*check_key) (const char *key, int len);
	/* format version written; 0 means PCMAP_VERSION */
	int			version;
	/* optional, for version > 1: payload size and conversion of version 1 */
	int			v1_npayload;
	void		(*upgrade_v1) (const double *old, double *payload);
} PcMapSpec;

static inline int
pcmap_version(const PcMapSpec *spec)
{
	return spec->version > 0 ? spec->version : PCMAP_VERSION;
}

/* whether values of format version 1 are read and converted */
static inline bool
pcmap_reads_v1(const PcMapSpec *spec)
{
	return pcmap_version(spec) != 1 && spec->upgrade_v1 != NULL;
}

#define PCMAP_PAYLOAD(e) ((double *) ((char *) (e) + sizeof(PcMapEntry)))
#define PCMAP_KEY(e, np) ((char *) (e) + sizeof(PcMapEntry) + sizeof(double) * (np))

extern PcMap *pcmap_create(const PcMapSpec *spec, int est_entries,
						   int est_keybytes);
extern double *pcmap_upsert(PcMap **mapp, const PcMapSpec *spec,
							const char *k0, int l0,
							const char *k1, int l1);
extern PcMap *pcmap_merge(PcMap *dst, const PcMap *src,
						  const PcMapSpec *spec);
extern PcMapEntry *pcmap_next(const PcMap *map, PcMapEntry *prev);

/* fmgr-facing helpers */
extern PcMap *pcmap_from_datum(Datum d, const PcMapSpec *spec);
extern char *pcmap_out(const PcMap *map, const PcMapSpec *spec);
extern PcMap *pcmap_in(const char *str, const PcMapSpec *spec);
extern bytea *pcmap_send(const PcMap *map, const PcMapSpec *spec);
extern PcMap *pcmap_recv(StringInfo buf, const PcMapSpec *spec);
extern PcMap *pcmap_compact(const PcMap *map, const PcMapSpec *spec);

/*
 * The type I/O functions prefix_in, prefix_out, prefix_send and
 * prefix_recv of a state type stored as a map of this spec
 */
#define PC_MAP_IO(prefix, spec) \
PG_FUNCTION_INFO_V1(prefix##_in); \
Datum \
prefix##_in(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_POINTER(pcmap_in(PG_GETARG_CSTRING(0), &spec)); \
} \
PG_FUNCTION_INFO_V1(prefix##_out); \
Datum \
prefix##_out(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_CSTRING(pcmap_out(pcmap_from_datum(PG_GETARG_DATUM(0), &spec), &spec)); \
} \
PG_FUNCTION_INFO_V1(prefix##_send); \
Datum \
prefix##_send(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BYTEA_P(pcmap_send(pcmap_from_datum(PG_GETARG_DATUM(0), &spec), &spec)); \
} \
PG_FUNCTION_INFO_V1(prefix##_recv); \
Datum \
prefix##_recv(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_POINTER(pcmap_recv((StringInfo) PG_GETARG_POINTER(0), &spec)); \
}

#endif							/* PREFCAL_AGREEMENT_MAP_H */
