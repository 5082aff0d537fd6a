"""Storage: the interface every backend meets, SQLite (embedded), Neo4j and its Cypher text."""
