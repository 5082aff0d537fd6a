"""Concentric's graph layer: schema, domain model, storage and the coverage analyses.

This package imports nothing from ``loaders`` or ``api``; they build on it.
"""

from graph.coverage import QueryError, coverage_summary, gap_list, target_coverage
from graph.schema import SCHEMA, Policy
from graph.store import Store, StoreError, open_store
from graph.workspace import Workspace, open_workspace

__all__ = [
    "SCHEMA",
    "Policy",
    "QueryError",
    "Store",
    "StoreError",
    "Workspace",
    "coverage_summary",
    "gap_list",
    "open_store",
    "open_workspace",
    "target_coverage",
]
