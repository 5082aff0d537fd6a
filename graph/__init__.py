"""Concentric's graph layer: schema, domain model, storage and the coverage analyses.

This package imports nothing from ``loaders`` or ``api``; they build on it.

In Python (a notebook, a script), start from :func:`open_workspace` (also ``connect``)::

    from concentric.graph import open_workspace
    ws = open_workspace("concentric.db")      # or a bolt:// URI
    ws.coverage().to_frame("by_area")         # every analysis answers an Answer (a dict)
    ws.gaps()                                 # shown as a table in Jupyter
    ws.show("L01")                            # a leader's network, drawn inline
"""

from concentric.graph.engine.coverage import QueryError
from concentric.graph.schema.schema import SCHEMA, Policy
from concentric.graph.store.factory import open_store
from concentric.graph.store.protocol import Store, StoreError
from concentric.graph.views.answers import Answer, CJKFontError, NetworkView, use_cjk_font
from concentric.graph.workspace import Workspace, open_workspace

#: The same as :func:`open_workspace`.
connect = open_workspace

__all__ = [
    "SCHEMA",
    "Answer",
    "CJKFontError",
    "NetworkView",
    "Policy",
    "QueryError",
    "Store",
    "StoreError",
    "Workspace",
    "connect",
    "open_store",
    "open_workspace",
    "use_cjk_font",
]
