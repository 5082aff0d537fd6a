"""The domain model: the schema (schema.yaml), the records, and the records-to-graph build."""
