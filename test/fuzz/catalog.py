# test/fuzz/catalog.py: what an extension contains, read from the catalog.
#
# Every tool under test/fuzz/ is driven by this, not by a hand-written list:
# the objects pg_depend records as members of the extension (deptype 'e')
# are exactly what CREATE EXTENSION made, so a function added tomorrow is
# fuzzed tomorrow without anyone editing the fuzzer.

FUNCS_SQL = """
SELECT p.oid::int, p.prokind, n.nspname, p.proname,
       pg_catalog.array_to_string(p.proargtypes::pg_catalog.oid[], ','),
       (SELECT pg_catalog.string_agg(t::pg_catalog.regtype::pg_catalog.text, '|' ORDER BY o)
          FROM pg_catalog.unnest(p.proargtypes::pg_catalog.oid[]) WITH ORDINALITY AS a(t, o)),
       p.pronargdefaults, p.provariadic::int, p.proretset,
       p.prorettype::int, p.prorettype::pg_catalog.regtype::pg_catalog.text,
       p.proisstrict, p.prolang::pg_catalog.regproc::pg_catalog.text,
       pg_catalog.format('%s.%s', pg_catalog.quote_ident(n.nspname), pg_catalog.quote_ident(p.proname)),
       p.oid::pg_catalog.regprocedure::pg_catalog.text
  FROM pg_catalog.pg_depend d
  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
  JOIN pg_catalog.pg_proc p ON p.oid = d.objid
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
   AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
   AND d.deptype = 'e' AND e.extname = :ext
 ORDER BY n.nspname, p.proname, p.oid
"""

TYPES_SQL = """
SELECT t.oid::int, t.oid::pg_catalog.regtype::pg_catalog.text, t.typtype,
       t.typinput::pg_catalog.text, t.typoutput::pg_catalog.text,
       t.typreceive::pg_catalog.text, t.typsend::pg_catalog.text,
       t.typarray::int, t.typlen
  FROM pg_catalog.pg_depend d
  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
  JOIN pg_catalog.pg_type t ON t.oid = d.objid
 WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
   AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
   AND d.deptype = 'e' AND e.extname = :ext
 ORDER BY 2
"""

OPERS_SQL = """
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
 ORDER BY 2
"""


class Func:
    def __init__(self, row):
        (oid, self.kind, self.schema, self.name, argoids, argnames, ndef,
         variadic, retset, rettype, retname, strict, lang, self.qname,
         self.signature) = row
        self.oid = int(oid)
        self.argtypes = [int(x) for x in argoids.split(',')] if argoids else []
        self.argnames = argnames.split('|') if argnames else []
        self.ndefaults = int(ndef)
        self.variadic = int(variadic)
        self.retset = retset == 't'
        self.rettype = int(rettype)
        self.retname = retname
        self.strict = strict == 't'
        self.lang = lang

    @property
    def min_args(self):
        return len(self.argtypes) - self.ndefaults

    def __repr__(self):
        return self.signature


class Type:
    def __init__(self, row):
        (oid, self.name, self.typtype, self.input, self.output, self.receive,
         self.send, arr, typlen) = row
        self.oid = int(oid)
        self.array_oid = int(arr)
        self.typlen = int(typlen)

    def __repr__(self):
        return self.name


class Oper:
    def __init__(self, row):
        (oid, self.signature, self.name, self.schema, left, right,
         self.leftname, self.rightname) = row
        self.oid = int(oid)
        self.left = int(left)
        self.right = int(right)


def load(conn, extname):
    from pqlite import quote_literal
    lit = quote_literal(extname)

    def q(sql):
        r = conn.execute(sql.replace(':ext', lit))
        if not r.ok:
            raise RuntimeError(r.message)
        return r.rows
    funcs = [Func(r) for r in q(FUNCS_SQL)]
    types = [Type(r) for r in q(TYPES_SQL)]
    opers = [Oper(r) for r in q(OPERS_SQL)]
    return funcs, types, opers
