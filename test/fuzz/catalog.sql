-- test/fuzz/catalog.sql: what an extension contains, read from the catalog.
--
-- The one description of the extension's members for the tools under
-- test/: test/fuzz/catalog.py (the fuzzer) and test/fuzz/PcCatalog.pm (the
-- TAP tests and the bad-input matrix) both run these queries and read
-- their columns in this order.  The objects pg_depend records as members
-- of the extension (deptype 'e') are exactly what CREATE EXTENSION made,
-- so a function added tomorrow is covered tomorrow without anyone editing
-- a list.  :ext stands for the extension's name as a quoted literal.  Each
-- query starts at a line "-- query: NAME"; no column is NULL; lists are
-- joined with '|'.

-- query: functions
-- oid, kind, schema, name, qname, signature, argoids, argtypes, ndefaults,
-- variadic, retset, rettype, retname, strict, lang, config, secdef,
-- volatile, parallel
SELECT p.oid::int, p.prokind, n.nspname, p.proname,
       pg_catalog.format('%I.%I', n.nspname, p.proname),
       p.oid::pg_catalog.regprocedure::pg_catalog.text,
       pg_catalog.array_to_string(p.proargtypes::pg_catalog.oid[], '|'),
       COALESCE((SELECT pg_catalog.string_agg(pg_catalog.format_type(t, NULL), '|' ORDER BY o)
          FROM pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) WITH ORDINALITY AS a(t, o)), ''),
       p.pronargdefaults, p.provariadic::int, p.proretset,
       p.prorettype::int, pg_catalog.format_type(p.prorettype, NULL),
       p.proisstrict, l.lanname,
       COALESCE(pg_catalog.array_to_string(p.proconfig, ','), ''), p.prosecdef,
       p.provolatile, p.proparallel
  FROM pg_catalog.pg_depend d
  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
  JOIN pg_catalog.pg_proc p ON p.oid = d.objid
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  JOIN pg_catalog.pg_language l ON l.oid = p.prolang
 WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
   AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
   AND d.deptype = 'e' AND e.extname = :ext
 ORDER BY n.nspname, p.proname, p.oid;

-- query: types
-- oid, name, typtype, input, output, receive, send, array_oid, typlen
SELECT t.oid::int, pg_catalog.format_type(t.oid, NULL), t.typtype,
       t.typinput::pg_catalog.text, t.typoutput::pg_catalog.text,
       t.typreceive::pg_catalog.text, t.typsend::pg_catalog.text,
       t.typarray::int, t.typlen
  FROM pg_catalog.pg_depend d
  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
  JOIN pg_catalog.pg_type t ON t.oid = d.objid
 WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
   AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
   AND d.deptype = 'e' AND e.extname = :ext
 ORDER BY 2;

-- query: operators
-- oid, signature, name, schema, left, right, leftname, rightname
SELECT o.oid::int, o.oid::pg_catalog.regoperator::pg_catalog.text,
       o.oprname, n.nspname, o.oprleft::int, o.oprright::int,
       o.oprleft::pg_catalog.regtype::pg_catalog.text,
       o.oprright::pg_catalog.regtype::pg_catalog.text
  FROM pg_catalog.pg_depend d
  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
  JOIN pg_catalog.pg_operator o ON o.oid = d.objid
  JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
 WHERE d.classid = 'pg_catalog.pg_operator'::pg_catalog.regclass
   AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
   AND d.deptype = 'e' AND e.extname = :ext
 ORDER BY 2;
