"""Every Cypher statement Concentric sends to Neo4j, and nothing else.

Values always travel as parameters. The only text that varies is a label or relationship
type, and those come from the fixed tables below (the schema's kinds), never from data.

The model, as a Neo4j user would query it by hand::

    (:Leader)-[:CONTACTS {since, until, role}]->(:Figure|:Organization|:Unit)
    (:Figure)-[:MEMBER_OF {role, since, until}]->(:Organization|:Unit)
    (:Leader)-[:TOOK_PART]->(:Interaction {date, kind})-[:CONCERNS]->(target)
    (x)-[:RELATED_TO {kind}]->(y)      (:Area)-[:PART_OF]->(:Area)
    (target)-[:LOCATED_IN]->(:Area)    (:Organization)-[:PART_OF]->(:Organization)
    (:Leader)-[:IN_CHARGE_OF]->(:Area)

Every node also has the label ``Entity`` (ids are unique across kinds) and targets the label
``Target``; ``props`` holds the row as JSON so the store gives back exactly what was loaded.
"""

from __future__ import annotations

LABELS = {
    "area": "Area",
    "leader": "Leader",
    "figure": "Figure",
    "organization": "Organization",
    "unit": "Unit",
    "interaction": "Interaction",
}
TARGET_KINDS = ("figure", "organization", "unit")
REL_TYPES = {
    "contacts": "CONTACTS",
    "member_of": "MEMBER_OF",
    "related_to": "RELATED_TO",
}
# Edges that follow from a node's own columns, rebuilt whenever the node is written.
DERIVED_OUT = "LOCATED_IN|PART_OF|IN_CHARGE_OF|CONCERNS"
# Rows per server-side transaction when a staged load copies or deletes a generation.
SERVER_BATCH_ROWS = 5000

SCHEMA_STATEMENTS = [
    # Before generations an id was unique on its own; now it is unique within a generation.
    "DROP CONSTRAINT entity_id IF EXISTS",
    *(f"DROP CONSTRAINT {kind}_id IF EXISTS" for kind in LABELS),
    "CREATE CONSTRAINT entity_id_gen IF NOT EXISTS FOR (n:Entity) REQUIRE (n.id, n.gen) IS UNIQUE",
    *(
        f"CREATE CONSTRAINT {kind}_id_gen IF NOT EXISTS FOR (n:{label}) "
        "REQUIRE (n.id, n.gen) IS UNIQUE"
        for kind, label in LABELS.items()
    ),
    "CREATE INDEX derived_name IF NOT EXISTS FOR (d:ConcentricDerived) ON (d.name)",
    # Judgements are not :Entity and carry no generation: no load or clean-up touches them.
    "CREATE CONSTRAINT judgement_pair IF NOT EXISTS FOR (j:ConcentricJudgement) "
    "REQUIRE (j.left_id, j.right_id) IS UNIQUE",
    "CREATE INDEX figure_category IF NOT EXISTS FOR (n:Figure) ON (n.category)",
    "CREATE INDEX target_area IF NOT EXISTS FOR (n:Target) ON (n.area_id)",
    "CREATE INDEX interaction_date IF NOT EXISTS FOR (n:Interaction) ON (n.date)",
    "CREATE INDEX leader_in_office IF NOT EXISTS FOR (n:Leader) ON (n.in_office)",
    *(
        f"CREATE INDEX {name.lower()}_key IF NOT EXISTS FOR ()-[r:{name}]-() ON (r.key)"
        for name in REL_TYPES.values()
    ),
]

# Read-only: version() and the policy are read on every query, so no write lock here.
META = (
    "OPTIONAL MATCH (m:ConcentricMeta {id: 'meta'}) "
    "RETURN m.version AS version, m.policy AS policy, coalesce(m.gen, 0) AS gen, "
    "coalesce(m.merge_versions, 0) AS merge_versions"
)
# Every answer checks the data version first (another process may have written): one
# auto-commit statement returning one integer, the least a check can cost (one round trip).
VERSION = "OPTIONAL MATCH (m:ConcentricMeta {id: 'meta'}) RETURN coalesce(m.version, 0) AS version"
GENERATION = "OPTIONAL MATCH (m:ConcentricMeta {id: 'meta'}) RETURN coalesce(m.gen, 0) AS gen"
# A store written before generations: its rows become generation 0 (once, in batches).
ADOPT_META = (
    "MERGE (m:ConcentricMeta {id: 'meta'}) "
    "WITH m, m.gen IS NULL AS adopting SET m.gen = coalesce(m.gen, 0), "
    "m.next_gen = coalesce(m.next_gen, 1) RETURN adopting"
)
ADOPT_ROWS = (
    "MATCH (n:Entity) WHERE n.gen IS NULL "
    f"CALL (n) {{ SET n.gen = 0 }} IN TRANSACTIONS OF {SERVER_BATCH_ROWS} ROWS"
)
# A new generation number, never used before (committed on its own).
NEXT_GENERATION = (
    "MERGE (m:ConcentricMeta {id: 'meta'}) SET m.next_gen = coalesce(m.next_gen, 1) + 1 "
    "RETURN m.next_gen - 1 AS gen"
)
# The one small transaction that publishes a staged generation: refused (no row) when
# another load published meanwhile.
FLIP = (
    "MATCH (m:ConcentricMeta {id: 'meta'}) WHERE coalesce(m.gen, 0) = $old "
    "SET m.gen = $gen, m.version = coalesce(m.version, 0) + 1, m.policy = $policy "
    "WITH m OPTIONAL MATCH (d:ConcentricDerived) DETACH DELETE d "
    "RETURN DISTINCT m.version AS version"
)
# Every generation but the current one: the previous data after a flip, or what an
# interrupted load left behind.
DROP_OTHER_GENERATIONS = (
    "MATCH (n:Entity) WHERE n.gen IS NULL OR n.gen <> $gen "
    f"CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS OF {SERVER_BATCH_ROWS} ROWS"
)
DROP_GENERATION = (
    "MATCH (n:Entity) WHERE n.gen = $gen "
    f"CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS OF {SERVER_BATCH_ROWS} ROWS"
)

# Derived data (built arrays) kept per data version, in parts small enough for one message.
DERIVED_PARTS = (
    "MATCH (d:ConcentricDerived {name: $name}) WHERE d.version = $version "
    "RETURN d.part AS part, d.data AS data ORDER BY part"
)
HAS_DERIVED = (
    "MATCH (d:ConcentricDerived {name: $name}) WHERE d.version = $version "
    "RETURN count(d) > 0 AS kept"
)
SAVE_DERIVED = """
MATCH (m:ConcentricMeta {id: 'meta'}) WHERE coalesce(m.version, 0) = $version
OPTIONAL MATCH (old:ConcentricDerived {name: $name})
DETACH DELETE old
WITH DISTINCT m
UNWIND range(0, size($parts) - 1) AS part
CREATE (:ConcentricDerived {name: $name, version: $version, part: part, data: $parts[part]})
RETURN count(*) AS kept
"""
# Derived data built from the previous version goes with it.
BUMP_VERSION = (
    "MERGE (m:ConcentricMeta {id: 'meta'}) SET m.version = coalesce(m.version, 0) + 1 "
    "WITH m OPTIONAL MATCH (d:ConcentricDerived) DETACH DELETE d "
    "RETURN DISTINCT m.version AS version"
)
SET_POLICY = "MERGE (m:ConcentricMeta {id: 'meta'}) SET m.policy = $policy"
COUNT_ROWS = (
    "RETURN COUNT { MATCH (n:Entity) WHERE n.gen = $gen } "
    "+ COUNT { MATCH (a:Entity)-[r:CONTACTS|MEMBER_OF|RELATED_TO]->() WHERE a.gen = $gen } "
    "AS rows"
)
FORGET = (
    "MERGE (m:ConcentricMeta {id: 'meta'}) "
    "SET m.policy = null, m.version = coalesce(m.version, 0) + 1 "
    "WITH m OPTIONAL MATCH (d:ConcentricDerived) DETACH DELETE d"
)
# Every generation (clear()).
DELETE_BATCH = "MATCH (n:Entity) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted"
FORGET_JUDGEMENTS = "MATCH (j:ConcentricJudgement) DELETE j"

# Duplicate judgements: one node per pair (left_id < right_id), apart from the rows.
_JUDGEMENT_ROW = (
    "j.left_id AS left_id, j.right_id AS right_id, j.kind AS kind, j.verdict AS verdict, "
    "j.judged_at AS judged_at, j.judged_by AS judged_by"
)
JUDGEMENTS = f"MATCH (j:ConcentricJudgement) RETURN {_JUDGEMENT_ROW} ORDER BY left_id, right_id"
JUDGEMENT_OF = (
    f"MATCH (j:ConcentricJudgement {{left_id: $left, right_id: $right}}) RETURN {_JUDGEMENT_ROW}"
)
# Taken first in a judgement's transaction: the meta node's write lock, so two judgements
# (or a judgement and a load's version bump) never read the same "before".
LOCK_META = "MERGE (m:ConcentricMeta {id: 'meta'}) SET m.version = coalesce(m.version, 0)"
JUDGE = (
    "MERGE (j:ConcentricJudgement {left_id: $left, right_id: $right}) "
    "SET j.kind = $kind, j.verdict = $verdict, j.judged_at = $judged_at, "
    "j.judged_by = $judged_by"
)
FORGET_JUDGEMENT = "MATCH (j:ConcentricJudgement {left_id: $left, right_id: $right}) DELETE j"
# A "same" made or undone: a new data version (merged counting changes the answers) that
# is not a new version of the rows (rows_version() = version - merge_versions).
BUMP_MERGE_VERSION = (
    "MATCH (m:ConcentricMeta {id: 'meta'}) SET m.version = coalesce(m.version, 0) + 1, "
    "m.merge_versions = coalesce(m.merge_versions, 0) + 1 "
    "WITH m OPTIONAL MATCH (d:ConcentricDerived) DETACH DELETE d"
)
# The current generation's rows, inside a small load's transaction (a small replace).
DELETE_GENERATION_BATCH = (
    "MATCH (n:Entity) WHERE n.gen = $gen WITH n LIMIT $limit DETACH DELETE n "
    "RETURN count(*) AS deleted"
)


def upsert_nodes(kind: str) -> str:
    """Upsert rows of one node kind; rows whose JSON is unchanged are not written.

    Returns one row per outcome: 0 inserted, 1 updated, 2 unchanged.
    """
    labels = LABELS[kind] + (":Target" if kind in TARGET_KINDS else "")
    return f"""
    UNWIND $rows AS row
    OPTIONAL MATCH (old:Entity {{id: row.id, gen: $gen}})
    WITH row, CASE WHEN old IS NULL THEN 0 WHEN old.props = row.props THEN 2 ELSE 1 END AS what
    CALL (row, what) {{
        WITH row WHERE what < 2
        MERGE (n:Entity {{id: row.id, gen: $gen}})
        SET n = row.native, n:{labels}
        SET n.id = row.id, n.gen = $gen, n.kind = $kind, n.props = row.props, n.file = row.file,
            n.line = row.line
        WITH n, row
        OPTIONAL MATCH (n)-[d:{DERIVED_OUT}]->()
        DELETE d
        WITH DISTINCT n, row
        OPTIONAL MATCH (:Leader)-[t:TOOK_PART]->(n)
        DELETE t
    }}
    RETURN what, count(*) AS n
    """


def create_nodes(kind: str) -> str:
    """Create rows of one node kind in generation ``$gen``, where they are not yet: no
    MERGE lookups. Each row is compared with its copy in generation ``$old``: 0 inserted,
    1 updated, 2 unchanged. ``row.p`` is the whole property map (see :func:`_created`).

    MERGE after deleting the same ids in one transaction checks every deleted entry and
    gets slower with each row; CREATE does not look.
    """
    return f"""
    UNWIND $rows AS row
    OPTIONAL MATCH (old:Entity {{id: row.p.id, gen: $old}})
    WITH row, CASE WHEN old IS NULL THEN 0 WHEN old.props = row.p.props THEN 2 ELSE 1 END
        AS what
    {_created(kind)}
    RETURN what, count(*) AS n
    """


def create_new_nodes(kind: str) -> str:
    """:func:`create_nodes` for a replace: nothing to compare with, every row inserted."""
    return f"""
    UNWIND $rows AS row
    {_created(kind)}
    RETURN 0 AS what, count(*) AS n
    """


def _created(kind: str) -> str:
    # One SET of a map the client built whole (row columns, then id, gen, kind, props,
    # file, line): one write per node, no second pass over its properties.
    labels = LABELS[kind] + (":Target" if kind in TARGET_KINDS else "")
    return f"CREATE (n:Entity:{labels}) SET n = row.p"


def copy_nodes(kind: str) -> str:
    """Copy the rows of one kind that a staged load did not write from generation ``$old``
    into ``$gen``, on the server, committing every few thousand rows."""
    labels = LABELS[kind] + (":Target" if kind in TARGET_KINDS else "")
    return f"""
    MATCH (o:{LABELS[kind]}) WHERE o.gen = $old
    CALL (o) {{
        // Looked up inside: a unique-index miss in the outer transaction would lock the
        // key that the inner one creates (a deadlock).
        WITH o WHERE NOT EXISTS {{ MATCH (:Entity {{id: o.id, gen: $gen}}) }}
        // One SET: a node never holds the old generation's (id, gen), not even in between.
        CREATE (n:Entity:{labels})
        SET n = o {{.*, gen: $gen}}
    }} IN TRANSACTIONS OF {SERVER_BATCH_ROWS} ROWS
    """


# Edges from reference columns: (node kind, column) -> (type, label of the other end).
REFERENCE_EDGES = {
    ("area", "parent_id"): ("PART_OF", "Area"),
    ("organization", "parent_id"): ("PART_OF", "Organization"),
    ("figure", "area_id"): ("LOCATED_IN", "Area"),
    ("organization", "area_id"): ("LOCATED_IN", "Area"),
    ("unit", "area_id"): ("LOCATED_IN", "Area"),
    ("leader", "area_id"): ("IN_CHARGE_OF", "Area"),
}


def reference_edges(kind: str, column: str) -> str:
    rel, other = REFERENCE_EDGES[kind, column]
    return f"""
    UNWIND $rows AS row
    MATCH (n:{LABELS[kind]} {{id: row.id, gen: $gen}}), (m:{other} {{id: row.ref, gen: $gen}})
    MERGE (n)-[:{rel}]->(m)
    """


def all_reference_edges(kind: str, column: str) -> str:
    """Every edge one reference column makes in generation ``$gen``, on the server."""
    rel, other = REFERENCE_EDGES[kind, column]
    return f"""
    MATCH (n:{LABELS[kind]}) WHERE n.gen = $gen AND n.{column} IS NOT NULL
    CALL (n) {{
        MATCH (m:{other} {{id: n.{column}, gen: $gen}})
        CREATE (n)-[:{rel}]->(m)
    }} IN TRANSACTIONS OF {SERVER_BATCH_ROWS} ROWS
    """


# A staged generation's interactions have no edges yet (their rows were created or copied
# without them): CREATE, once per distinct id, needs no lookup of an edge that may exist.
ALL_INTERACTION_EDGES = f"""
MATCH (i:Interaction) WHERE i.gen = $gen
CALL (i) {{
    CALL (i) {{
        UNWIND coalesce(i.leader_ids, []) AS leader_id
        WITH DISTINCT leader_id
        MATCH (l:Leader {{id: leader_id, gen: $gen}})
        CREATE (l)-[:TOOK_PART]->(i)
    }}
    CALL (i) {{
        UNWIND coalesce(i.target_ids, []) AS target_id
        WITH DISTINCT target_id
        MATCH (t:Entity {{id: target_id, gen: $gen}}) WHERE t:Target
        CREATE (i)-[:CONCERNS]->(t)
    }}
}} IN TRANSACTIONS OF {SERVER_BATCH_ROWS} ROWS
"""


INTERACTION_EDGES = """
UNWIND $rows AS row
MATCH (i:Interaction {id: row.id, gen: $gen})
CALL (i, row) {
    UNWIND row.leader_ids AS leader_id
    MATCH (l:Leader {id: leader_id, gen: $gen})
    MERGE (l)-[:TOOK_PART]->(i)
}
CALL (i, row) {
    UNWIND row.target_ids AS target_id
    MATCH (t:Entity {id: target_id, gen: $gen}) WHERE t:Target  // (id, gen) is indexed
    MERGE (i)-[:CONCERNS]->(t)
}
"""


def upsert_links(kind: str) -> str:
    """Upsert link rows (contacts, memberships, relations) by their natural key."""
    rel = REL_TYPES[kind]
    return f"""
    UNWIND $rows AS row
    MATCH (a:Entity {{id: row.source, gen: $gen}}), (b:Entity {{id: row.target, gen: $gen}})
    OPTIONAL MATCH (a)-[old:{rel} {{key: row.key}}]->(b)
    WITH row, a, b, CASE WHEN old IS NULL THEN 0 WHEN old.props = row.props THEN 2 ELSE 1 END
        AS what
    CALL (row, a, b, what) {{
        WITH row, a, b WHERE what < 2
        MERGE (a)-[r:{rel} {{key: row.key}}]->(b)
        SET r = row.native
        SET r.key = row.key, r.kind = $kind, r.props = row.props, r.file = row.file,
            r.line = row.line
    }}
    RETURN what, count(*) AS n
    """


def create_links(kind: str) -> str:
    """Create link rows in generation ``$gen``, where they are not yet; compared with
    their copy in generation ``$old`` like :func:`create_nodes`. ``row.s`` and ``row.t``
    are the ids of the ends, ``row.p`` the whole property map."""
    rel = REL_TYPES[kind]
    return f"""
    UNWIND $rows AS row
    MATCH (a:Entity {{id: row.s, gen: $gen}}), (b:Entity {{id: row.t, gen: $gen}})
    OPTIONAL MATCH (:Entity {{id: row.s, gen: $old}})-[old:{rel} {{key: row.p.key}}]->
        (:Entity {{id: row.t, gen: $old}})
    WITH row, a, b,
        CASE WHEN old IS NULL THEN 0 WHEN old.props = row.p.props THEN 2 ELSE 1 END AS what
    CREATE (a)-[r:{rel}]->(b) SET r = row.p
    RETURN what, count(*) AS n
    """


def create_new_links(kind: str) -> str:
    """:func:`create_links` for a replace: nothing to compare with, every row inserted."""
    return f"""
    UNWIND $rows AS row
    MATCH (a:Entity {{id: row.s, gen: $gen}}), (b:Entity {{id: row.t, gen: $gen}})
    CREATE (a)-[r:{REL_TYPES[kind]}]->(b) SET r = row.p
    RETURN 0 AS what, count(*) AS n
    """


def copy_links(kind: str) -> str:
    """Copy the links of one type a staged load did not write from generation ``$old``
    into ``$gen`` (between the same ids there), on the server."""
    rel = REL_TYPES[kind]
    return f"""
    MATCH (a:Entity)-[o:{rel}]->(b:Entity) WHERE a.gen = $old
    CALL (a, o, b) {{
        MATCH (a2:Entity {{id: a.id, gen: $gen}}), (b2:Entity {{id: b.id, gen: $gen}})
        WHERE NOT EXISTS {{ MATCH (a2)-[x:{rel}]->(b2) WHERE x.key = o.key }}
        CREATE (a2)-[r:{rel}]->(b2)
        SET r = properties(o)
    }} IN TRANSACTIONS OF {SERVER_BATCH_ROWS} ROWS
    """


EXISTING_NODES = (
    "MATCH (n:Entity) WHERE n.gen = $gen "
    "RETURN n.id AS id, n.kind AS kind, n.parent_id AS parent_id"
)
EXISTING_NODES_AMONG = (
    "UNWIND $ids AS id MATCH (n:Entity {id: id, gen: $gen}) "
    "RETURN n.id AS id, n.kind AS kind, n.parent_id AS parent_id"
)
NODES = (
    "MATCH (n:Entity) WHERE n.gen = $gen RETURN n.id AS id, n.kind AS kind, n.props AS props, "
    "n.file AS file, n.line AS line ORDER BY n.kind, n.id"
)
LINKS = """
MATCH (a:Entity)-[r:CONTACTS|MEMBER_OF|RELATED_TO]->(b) WHERE a.gen = $gen
RETURN r.key AS key, r.kind AS kind, a.id AS source_id, b.id AS target_id, r.props AS props,
       r.file AS file, r.line AS line
ORDER BY r.kind, r.key
"""

NODE_ROW = "n.id AS id, n.kind AS kind, n.props AS props, n.file AS file, n.line AS line"
NODES_AMONG = f"UNWIND $ids AS id MATCH (n:Entity {{id: id, gen: $gen}}) RETURN {NODE_ROW}"
_LINK_ROW = (
    "r.key AS key, r.kind AS kind, a.id AS source_id, b.id AS target_id, r.props AS props, "
    "r.file AS file, r.line AS line"
)
LINKS_AMONG = (
    "UNWIND $ids AS id MATCH (a:Entity {id: id, gen: $gen})"
    "-[r:CONTACTS|MEMBER_OF|RELATED_TO]->(b:Entity) "
    f"WHERE b.id IN $ids RETURN {_LINK_ROW}"
)
LINKS_TOUCHING = (
    "UNWIND $ids AS id MATCH (a:Entity {id: id, gen: $gen})"
    "-[r:CONTACTS|MEMBER_OF|RELATED_TO]->(b) "
    f"RETURN {_LINK_ROW} UNION "
    "UNWIND $ids AS id MATCH (a)-[r:CONTACTS|MEMBER_OF|RELATED_TO]->"
    "(b:Entity {id: id, gen: $gen}) "
    f"RETURN {_LINK_ROW}"
)
# Per id of $ids in the generation, each relationship edge touching it (kind, ends) to a node
# of the generation, or one row of nulls: the ids and kinds only, never the props. A link
# carries its kind; TOOK_PART and CONCERNS are the edges of an interaction's columns.
RELATIONSHIP_TIES = (
    "UNWIND $ids AS id MATCH (n:Entity {id: id, gen: $gen}) "
    "OPTIONAL MATCH (n)-[r:CONTACTS|MEMBER_OF|RELATED_TO|TOOK_PART|CONCERNS]-(:Entity) "
    "RETURN n.id AS id, CASE type(r) WHEN 'TOOK_PART' THEN 'took_part' "
    "WHEN 'CONCERNS' THEN 'concerns' ELSE r.kind END AS kind, "
    "startNode(r).id AS source_id, endNode(r).id AS target_id"
)
# The nodes whose reference columns name one of $ids: the other ends of the edges those
# columns became (an interaction names its leaders through TOOK_PART, which points to it).
NAMING = (
    "UNWIND $ids AS id MATCH (n:Entity {id: id, gen: $gen})"
    "<-[:LOCATED_IN|PART_OF|IN_CHARGE_OF|CONCERNS]-(x) "
    "RETURN x.id AS id UNION "
    "UNWIND $ids AS id MATCH (n:Leader {id: id, gen: $gen})-[:TOOK_PART]->(x) "
    "RETURN x.id AS id"
)

# Plain columns for the coverage engine (dates as ISO text); it decides the statuses.
# Read in pages of PAGE_ROWS nodes (or relationships), each page one record whose ``rows``
# are lists: the driver decodes a record per row slowly, and a page bounds what the server
# gathers (one collect() of a whole column would hold all of it in the server's heap).
# Pages follow the (id, gen) unique index in id order (relationships: their key index):
# ``after`` is the last id of the previous page. The first page starts at "" inclusive.
PAGE_ROWS = 10_000


def _page(match: str, key: str, rows: str, first: bool) -> str:
    """One page: ``match`` binds ``n`` (a node or a relationship) in the order of its
    property ``key``; ``rows`` makes the page's rows from the list ``page`` of them."""
    after = ">=" if first else ">"
    return (
        f"{match} AND n.{key} {after} $after WITH n ORDER BY n.{key} LIMIT $limit "
        f"WITH collect(n) AS page RETURN size(page) AS size, page[-1].{key} AS last, "
        f"{rows} AS rows"
    )


def _pages(match: str, key: str, rows: str) -> tuple[str, str]:
    """(first page, next pages)."""
    return _page(match, key, rows, True), _page(match, key, rows, False)


def node_pages(label: str, columns: str, where: str = "") -> tuple[str, str]:
    """Pages of ``[columns]`` per node ``n`` of ``label``, in id order."""
    return _pages(
        f"MATCH (n:{label}) WHERE n.gen = $gen {where}", "id", f"[n IN page | [{columns}]]"
    )


def interaction_pages(unwind: str, columns: str) -> tuple[str, str]:
    """Pages of the rows ``unwind`` makes from each interaction ``n``, in id order."""
    return _pages(
        "MATCH (n:Interaction) WHERE n.gen = $gen",
        "id",
        f"COLLECT {{ UNWIND page AS n {unwind} RETURN [{columns}] }}",
    )


def dated_link_pages(rel: str) -> tuple[str, str]:
    """Pages of (source, target, since, until) of every link ``n`` of one type, in key
    order (a key names its link's ends, so it is unique within a generation)."""
    return _pages(
        f"MATCH (a:Entity)-[n:{rel}]->() WHERE a.gen = $gen",
        "key",
        "[n IN page | [startNode(n).id, endNode(n).id, toString(n.since), toString(n.until)]]",
    )


# Targets ordered by kind, then id: one label after another (their kinds sort the same).
TARGET_PAGES = [
    node_pages(
        LABELS[kind],
        "n.id, n.kind, CASE n.kind WHEN 'figure' THEN n.category ELSE n.kind_code END, "
        "n.area_id, n.name",
    )
    for kind in sorted(TARGET_KINDS)
]
LEADER_PAGES = node_pages("Leader", "n.id, n.name, n.post, n.in_office, n.quota_min, n.quota_max")
AREA_PAGES = node_pages("Area", "n.id, n.parent_id, n.name, n.kind_code")
JOINT_MEETING_UNIT_PAGES = node_pages("Unit", "n.id", "AND n.joint_meeting = true")
CONCERN_DATE_PAGES = interaction_pages(
    "UNWIND coalesce(n.target_ids, []) AS target", "target, toString(n.date)"
)
PARTICIPATION_PAGES = interaction_pages(
    "UNWIND coalesce(n.leader_ids, []) AS leader "
    "UNWIND CASE WHEN size(coalesce(n.target_ids, [])) = 0 THEN [null] "
    "ELSE n.target_ids END AS target",
    "leader, target, toString(n.date)",
)

# The yearly assessment's read: leaders' stored JSON whole (a few per target at most), each
# other kind's fields as native columns (see native_column), contacts with key and dates.
ASSESSMENT_LEADER_PAGES = node_pages("Leader", "n.id, n.props")
ASSESSMENT_CONTACT_PAGES = _pages(
    "MATCH (a:Entity)-[n:CONTACTS]->() WHERE a.gen = $gen",
    "key",
    "[n IN page | [n.key, startNode(n).id, endNode(n).id, toString(n.since), toString(n.until)]]",
)


def native_column(name: str, is_date: bool) -> str:
    """A row's field ``name`` of node ``n`` as stored natively (a row's own ``kind`` is
    ``kind_code``), a date as ISO text."""
    column = "n.kind_code" if name == "kind" else f"n.{name}"
    return f"toString({column})" if is_date else column
