"""Concentric: coverage of a united-front office's contact-friendship system.

The code lives in three top-level folders, installed under this one import name so that
they cannot collide with other distributions' ``graph``, ``loaders`` or ``api``:

- ``concentric.graph``: schema, store, engine, network algorithms, views, the workspace;
- ``concentric.loaders``: the office's files read into validated records;
- ``concentric.api``: the FastAPI service, its pages and the ``concentric`` command.

>>> from concentric.graph import open_workspace
"""
