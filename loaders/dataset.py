"""Files → a validated :class:`graph.model.Dataset`, with every problem found.

Validation runs in full before anything is written: each cell against its column, then ids
(unique across the dataset), references (to a known id of the right kind, in the files or
already in the store), area ancestry (no cycles) and the policy file. The caller writes the
dataset only when :attr:`ReadResult.problems` is empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from graph.model import Dataset, ExistingNode, LinkRecord, NodeRecord, Problem, link_key
from graph.schema import SCHEMA, Column, Table
from loaders.cells import CellError, convert_cell, is_empty
from loaders.tables import TABLE_SUFFIXES, NotATable, RawTable, read_table

__all__ = ["ExistingNode", "ReadResult", "find_table_files", "read_dataset", "read_records"]

POLICY_FILE = "policy.yaml"

ProgressCallback = Callable[[int], None]


@dataclass
class ReadResult:
    dataset: Dataset
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def find_table_files(paths: Iterable[Path]) -> tuple[list[tuple[Path, Table]], list[Problem]]:
    """The table files named by the given files and folders, with problems for the rest.

    A folder contributes every file whose stem names a table (English or Chinese name);
    other files in it are left alone. A file named explicitly must be a table.
    """
    found: list[tuple[Path, Table]] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            for child in sorted(path.iterdir()):
                if child.name.startswith(("~$", ".")) or child.suffix.lower() not in TABLE_SUFFIXES:
                    continue
                table = SCHEMA.table_for_name(child.stem)
                if table is not None:
                    found.append((child, table))
        elif path.is_file():
            if path.name == POLICY_FILE:
                continue
            table = SCHEMA.table_for_name(path.stem)
            if table is None or path.suffix.lower() not in TABLE_SUFFIXES:
                names = ", ".join(SCHEMA.tables)
                problems.append(
                    Problem(
                        str(path),
                        1,
                        "-",
                        f"not a known table file (tables: {names}; suffixes .csv, .xlsx, .json)",
                    )
                )
            else:
                found.append((path, table))
        else:
            problems.append(Problem(str(path), 0, "-", "no such file or folder"))
    return found, problems


@dataclass
class _Row:
    table: Table
    file: str
    line: int
    values: dict[str, Any]
    headers: dict[str, str]  # column name -> header as written, for messages


def read_dataset(
    paths: Iterable[str | Path],
    existing: Mapping[str, ExistingNode] | None = None,
    progress: ProgressCallback | None = None,
) -> ReadResult:
    """Read and validate dataset folders or files.

    ``existing`` maps ids already stored to their kind (and parent, for areas): references
    may point at them, and an id may be reloaded only as the same kind. Pass ``None`` when
    the dataset replaces the store's contents.
    """
    path_list = [Path(p) for p in paths]
    files, problems = find_table_files(path_list)
    result = ReadResult(Dataset(), problems, files=[f for f, _ in files])
    existing = existing or {}
    if not files and not problems:
        result.problems.append(
            Problem(", ".join(map(str, path_list)), 0, "-", "no table files found")
        )
    rows: list[_Row] = []
    for path, table in files:
        try:
            raw = read_table(path)
        except NotATable as exc:
            result.problems.append(Problem(str(path), exc.line, "-", str(exc)))
            continue
        rows.extend(_typed_rows(raw, table, result.problems))
        if progress:
            progress(len(raw.rows))
    result.dataset.policy = _read_policy(path_list, result.problems)
    _check_graph(rows, existing, result.problems)
    if not result.problems:
        result.dataset = _records(rows, result.dataset.policy)
        _warn_duplicate_links(result.dataset, rows, result.warnings)
    result.problems.sort(key=lambda p: (p.file, p.line))
    return result


def read_records(
    table_name: str,
    records: list[dict[str, Any]],
    existing: Mapping[str, ExistingNode],
    source: str = "api",
) -> ReadResult:
    """Validate rows given as dicts (e.g. an API request) exactly as a file's rows would be.

    ``source`` names them in problems (``api:1: leader_id: unknown id 'L9'``) and in the
    stored provenance; the line is the record's position, from 1.
    """
    table = SCHEMA.tables.get(table_name)
    if table is None:
        raise KeyError(f"unknown table {table_name!r}")
    headers: dict[str, None] = {}
    for record in records:
        headers.update(dict.fromkeys(str(k) for k in record))
    rows_in = [(i, dict(r)) for i, r in enumerate(records, 1)]
    raw = RawTable(source, list(headers), rows_in, has_header=False)
    result = ReadResult(Dataset())
    rows = _typed_rows(raw, table, result.problems)
    _check_graph(rows, existing, result.problems)
    if not result.problems:
        result.dataset = _records(rows, None)
    return result


def _typed_rows(raw: RawTable, table: Table, problems: list[Problem]) -> list[_Row]:
    """Convert each cell to its column's type; report bad cells and bad headers."""
    file = raw.path
    columns: dict[str, Column] = {}  # header as written -> column
    seen: dict[str, str] = {}
    for header in raw.headers:
        if not header:
            continue
        column = table.column_for_header(header)
        if column is None:
            continue  # unknown columns are kept as extra properties
        if column.name in seen:
            problems.append(
                Problem(file, 1, header, f"names the same column as {seen[column.name]!r}")
            )
            continue
        seen[column.name] = header
        columns[header] = column
    for column in table.required_columns if raw.has_header else ():
        if column.name not in seen:
            problems.append(
                Problem(
                    file,
                    1,
                    column.name,
                    "required column is missing "
                    f"(header {' or '.join((column.name, *column.aliases))})",
                )
            )
    headers = {c.name: h for h, c in columns.items()}
    typed: list[_Row] = []
    for line, cells in raw.rows:
        values: dict[str, Any] = {}
        for header, value in cells.items():
            column = columns.get(header)
            if column is None:
                if header not in seen.values() and not is_empty(value):
                    values.setdefault("extra", {})[header] = _plain_extra(value)
                continue
            if is_empty(value):
                continue
            try:
                values[column.name] = convert_cell(column, value)
            except CellError as exc:
                problems.append(Problem(file, line, header, str(exc)))
                values[column.name] = _INVALID
        for column in table.columns.values():
            if column.name in values:
                continue
            if column.required and (column.name in headers or not raw.has_header):
                header = headers.get(column.name, column.name)
                problems.append(Problem(file, line, header, "required value is missing"))
                values[column.name] = _INVALID
            elif column.default is not None:
                values[column.name] = convert_cell(column, column.default)
        typed.append(_Row(table, file, line, values, headers))
    return typed


# Marks a cell that failed conversion, so later checks skip it instead of piling on.
_INVALID: Any = object()


def _plain_extra(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _check_graph(
    rows: list[_Row], existing: Mapping[str, ExistingNode], problems: list[Problem]
) -> None:
    """Ids unique, references resolve to the right kind, no area is its own ancestor."""
    where: dict[str, tuple[str, _Row]] = {}  # id -> (kind, row) for ids in these files
    for row in rows:
        kind = row.table.node_kind
        node_id = row.values.get("id")
        if kind is None or not isinstance(node_id, str):
            continue
        header = row.headers.get("id", "id")
        if node_id in where:
            other_kind, other = where[node_id]
            problems.append(
                Problem(
                    row.file,
                    row.line,
                    header,
                    f"duplicate id {node_id!r} (also the {other_kind} at "
                    f"{other.file}:{other.line})",
                )
            )
            continue
        where[node_id] = (kind, row)
        stored = existing.get(node_id)
        if stored is not None and stored.kind != kind:
            problems.append(
                Problem(
                    row.file,
                    row.line,
                    header,
                    f"id {node_id!r} is already a {stored.kind} in the store; "
                    f"ids are unique across the dataset",
                )
            )

    def kind_of(ref: str) -> str | None:
        if ref in where:
            return where[ref][0]
        stored = existing.get(ref)
        return stored.kind if stored else None

    for row in rows:
        for column in row.table.columns.values():
            if column.base_type not in ("ref", "refs"):
                continue
            value = row.values.get(column.name)
            if value is None or value is _INVALID:
                continue
            header = row.headers.get(column.name, column.name)
            for ref in value if isinstance(value, list) else [value]:
                kind = kind_of(ref)
                expected = " or ".join(column.ref_kinds)
                if kind is None:
                    problems.append(
                        Problem(
                            row.file,
                            row.line,
                            header,
                            f"unknown id {ref!r} (expected a {expected})",
                        )
                    )
                elif kind not in column.ref_kinds:
                    problems.append(
                        Problem(
                            row.file,
                            row.line,
                            header,
                            f"{ref!r} is a {kind}, but this column needs a {expected}",
                        )
                    )
    _check_ancestry(rows, existing, problems)
    _check_intervals(rows, problems)


def _check_ancestry(
    rows: list[_Row], existing: Mapping[str, ExistingNode], problems: list[Problem]
) -> None:
    """Report every area (and organization) that is its own ancestor."""
    for kind in ("area", "organization"):
        parents = {i: n.parent_id for i, n in existing.items() if n.kind == kind}
        rows_of: dict[str, _Row] = {}
        for row in rows:
            if row.table.node_kind == kind and isinstance(row.values.get("id"), str):
                parent = row.values.get("parent_id")
                parents[row.values["id"]] = parent if isinstance(parent, str) else None
                rows_of[row.values["id"]] = row
        for node_id, row in rows_of.items():
            chain = [node_id]
            current = parents.get(node_id)
            while current is not None and current not in chain:
                chain.append(current)
                current = parents.get(current)
            if current == node_id:
                path = " → ".join([*chain, node_id])
                header = row.headers.get("parent_id", "parent_id")
                problems.append(
                    Problem(
                        row.file,
                        row.line,
                        header,
                        f"{kind} {node_id!r} is its own ancestor ({path})",
                    )
                )


def _check_intervals(rows: list[_Row], problems: list[Problem]) -> None:
    for row in rows:
        since, until = row.values.get("since"), row.values.get("until")
        if isinstance(since, dt.date) and isinstance(until, dt.date) and until < since:
            header = row.headers.get("until", "until")
            problems.append(
                Problem(row.file, row.line, header, f"ends ({until}) before it starts ({since})")
            )


def _records(rows: list[_Row], policy: dict[str, Any] | None) -> Dataset:
    dataset = Dataset(policy=policy)
    for row in rows:
        table = row.table
        props = dict(row.values)
        if table.node_kind is not None:
            node_id = props.pop("id")
            dataset.nodes.append(NodeRecord(node_id, table.node_kind, props, row.file, row.line))
        else:
            assert table.link_kind and table.source and table.target
            key = link_key(table.link_kind, [props.get(k) for k in table.key])
            dataset.links.append(
                LinkRecord(
                    table.link_kind,
                    props[table.source],
                    props[table.target],
                    key,
                    props,
                    row.file,
                    row.line,
                )
            )
    return dataset


def _warn_duplicate_links(dataset: Dataset, rows: list[_Row], warnings: list[Problem]) -> None:
    """Two rows with the same natural key are one link; the later row wins. Say so."""
    seen: dict[str, LinkRecord] = {}
    kept: dict[str, LinkRecord] = {}
    for link in dataset.links:
        if link.key in seen:
            first = seen[link.key]
            warnings.append(
                Problem(
                    link.source,
                    link.line,
                    "-",
                    f"same {link.kind} as {first.source}:{first.line}; the later row is kept",
                )
            )
        else:
            seen[link.key] = link
        kept[link.key] = link
    dataset.links = list(kept.values())


def _read_policy(paths: list[Path], problems: list[Problem]) -> dict[str, Any] | None:
    """The overrides in a ``policy.yaml`` beside the tables (or named directly), if any."""
    candidates = [p / POLICY_FILE if p.is_dir() else p for p in paths]
    policy_files = [p for p in candidates if p.name == POLICY_FILE and p.is_file()]
    if not policy_files:
        return None
    merged: dict[str, Any] = {}
    for path in policy_files:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 1
            problems.append(Problem(str(path), line, "-", f"not valid YAML ({exc})"))
            continue
        found = SCHEMA.policy_problems(raw)
        lines = _key_lines(path)
        for message in found:
            key = message.split()[0] if message.split()[0] in lines else "-"
            problems.append(Problem(str(path), lines.get(key, 1), key, message))
        if not found and raw:
            merged.update(raw)
    return merged or None


def _key_lines(path: Path) -> dict[str, int]:
    """Line of each top-level key in a YAML file, for messages."""
    node = yaml.compose(path.read_text(encoding="utf-8"))
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 1 for k, _ in node.value}
