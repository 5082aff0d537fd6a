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

SCHEMA_STATEMENTS = [
    "CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE",
    *(
        f"CREATE CONSTRAINT {kind}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE"
        for kind, label in LABELS.items()
    ),
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
    "OPTIONAL MATCH (m:ConcentricMeta {id: 'meta'}) RETURN m.version AS version, m.policy AS policy"
)
BUMP_VERSION = (
    "MERGE (m:ConcentricMeta {id: 'meta'}) SET m.version = coalesce(m.version, 0) + 1 "
    "RETURN m.version AS version"
)
SET_POLICY = "MERGE (m:ConcentricMeta {id: 'meta'}) SET m.policy = $policy"
COUNT_ROWS = (
    "RETURN COUNT { MATCH (n:Entity) } "
    "+ COUNT { MATCH ()-[r:CONTACTS|MEMBER_OF|RELATED_TO]->() } AS rows"
)
FORGET = (
    "MERGE (m:ConcentricMeta {id: 'meta'}) "
    "SET m.policy = null, m.version = coalesce(m.version, 0) + 1"
)
DELETE_BATCH = "MATCH (n:Entity) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted"


def upsert_nodes(kind: str) -> str:
    """Upsert rows of one node kind; rows whose JSON is unchanged are not written.

    Returns one row per outcome: 0 inserted, 1 updated, 2 unchanged.
    """
    labels = LABELS[kind] + (":Target" if kind in TARGET_KINDS else "")
    return f"""
    UNWIND $rows AS row
    OPTIONAL MATCH (old:Entity {{id: row.id}})
    WITH row, CASE WHEN old IS NULL THEN 0 WHEN old.props = row.props THEN 2 ELSE 1 END AS what
    CALL (row, what) {{
        WITH row WHERE what < 2
        MERGE (n:Entity {{id: row.id}})
        SET n = row.native, n:{labels}
        SET n.id = row.id, n.kind = $kind, n.props = row.props, n.file = row.file,
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
    """Create rows of one node kind in an emptied database (a replace): no lookups.

    MERGE after deleting the same ids in one transaction checks every deleted entry and
    gets slower with each row; CREATE does not look.
    """
    labels = LABELS[kind] + (":Target" if kind in TARGET_KINDS else "")
    return f"""
    UNWIND $rows AS row
    CREATE (n:Entity:{labels})
    SET n = row.native
    SET n.id = row.id, n.kind = $kind, n.props = row.props, n.file = row.file,
        n.line = row.line
    RETURN 0 AS what, count(*) AS n
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
    MATCH (n:{LABELS[kind]} {{id: row.id}}), (m:{other} {{id: row.ref}})
    MERGE (n)-[:{rel}]->(m)
    """


INTERACTION_EDGES = """
UNWIND $rows AS row
MATCH (i:Interaction {id: row.id})
CALL (i, row) {
    UNWIND row.leader_ids AS leader_id
    MATCH (l:Leader {id: leader_id})
    MERGE (l)-[:TOOK_PART]->(i)
}
CALL (i, row) {
    UNWIND row.target_ids AS target_id
    MATCH (t:Entity {id: target_id}) WHERE t:Target  // Entity.id is the indexed key
    MERGE (i)-[:CONCERNS]->(t)
}
"""


def upsert_links(kind: str) -> str:
    """Upsert link rows (contacts, memberships, relations) by their natural key."""
    rel = REL_TYPES[kind]
    return f"""
    UNWIND $rows AS row
    MATCH (a:Entity {{id: row.source}}), (b:Entity {{id: row.target}})
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
    """Create link rows in an emptied database (a replace)."""
    rel = REL_TYPES[kind]
    return f"""
    UNWIND $rows AS row
    MATCH (a:Entity {{id: row.source}}), (b:Entity {{id: row.target}})
    CREATE (a)-[r:{rel}]->(b)
    SET r = row.native
    SET r.key = row.key, r.kind = $kind, r.props = row.props, r.file = row.file,
        r.line = row.line
    RETURN 0 AS what, count(*) AS n
    """


EXISTING_NODES = "MATCH (n:Entity) RETURN n.id AS id, n.kind AS kind, n.parent_id AS parent_id"
EXISTING_NODES_AMONG = (
    "MATCH (n:Entity) WHERE n.id IN $ids "
    "RETURN n.id AS id, n.kind AS kind, n.parent_id AS parent_id"
)
NODES = (
    "MATCH (n:Entity) RETURN n.id AS id, n.kind AS kind, n.props AS props, n.file AS file, "
    "n.line AS line ORDER BY n.kind, n.id"
)
LINKS = """
MATCH (a)-[r:CONTACTS|MEMBER_OF|RELATED_TO]->(b)
RETURN r.key AS key, r.kind AS kind, a.id AS source_id, b.id AS target_id, r.props AS props,
       r.file AS file, r.line AS line
ORDER BY r.kind, r.key
"""

NODE_ROW = "n.id AS id, n.kind AS kind, n.props AS props, n.file AS file, n.line AS line"
NODES_AMONG = f"MATCH (n:Entity) WHERE n.id IN $ids RETURN {NODE_ROW}"
_LINK_ROW = (
    "r.key AS key, r.kind AS kind, a.id AS source_id, b.id AS target_id, r.props AS props, "
    "r.file AS file, r.line AS line"
)
LINKS_AMONG = (
    "MATCH (a:Entity)-[r:CONTACTS|MEMBER_OF|RELATED_TO]->(b:Entity) "
    f"WHERE a.id IN $ids AND b.id IN $ids RETURN {_LINK_ROW}"
)
LINKS_TOUCHING = (
    "MATCH (a:Entity)-[r:CONTACTS|MEMBER_OF|RELATED_TO]->(b) WHERE a.id IN $ids "
    f"RETURN {_LINK_ROW} UNION "
    "MATCH (a)-[r:CONTACTS|MEMBER_OF|RELATED_TO]->(b:Entity) WHERE b.id IN $ids "
    f"RETURN {_LINK_ROW}"
)
# The nodes whose reference columns name one of $ids: the other ends of the edges those
# columns became (an interaction names its leaders through TOOK_PART, which points to it).
NAMING = (
    "MATCH (n:Entity)<-[:LOCATED_IN|PART_OF|IN_CHARGE_OF|CONCERNS]-(x) WHERE n.id IN $ids "
    "RETURN x.id AS id UNION "
    "MATCH (n:Leader)-[:TOOK_PART]->(x) WHERE n.id IN $ids RETURN x.id AS id"
)

# Plain columns for the coverage engine (dates as ISO text); it decides the statuses.
TARGET_COLUMNS = (
    "MATCH (t:Target) RETURN t.id, t.kind, "
    "CASE t.kind WHEN 'figure' THEN t.category ELSE t.kind_code END, t.area_id, t.name "
    "ORDER BY t.kind, t.id"
)
LEADER_COLUMNS = (
    "MATCH (l:Leader) RETURN l.id, l.name, l.post, l.in_office, l.quota_min, l.quota_max "
    "ORDER BY l.id"
)
AREA_COLUMNS = "MATCH (a:Area) RETURN a.id, a.parent_id, a.name, a.kind_code"
JOINT_MEETING_UNITS = "MATCH (u:Unit) WHERE u.joint_meeting = true RETURN u.id"
CONCERN_DATES = (
    "MATCH (i:Interaction) UNWIND coalesce(i.target_ids, []) AS target "
    "RETURN target, toString(i.date)"
)
PARTICIPATIONS = (
    "MATCH (i:Interaction) UNWIND coalesce(i.leader_ids, []) AS leader "
    "UNWIND CASE WHEN size(coalesce(i.target_ids, [])) = 0 THEN [null] "
    "ELSE i.target_ids END AS target RETURN leader, target, toString(i.date)"
)


def dated_links(rel: str) -> str:
    """(source, target, since, until) of every link of one type."""
    return f"MATCH (a)-[r:{rel}]->(b) RETURN a.id, b.id, toString(r.since), toString(r.until)"
