"""Files → a validated :class:`graph.schema.model.Dataset`, with every problem found.

Validation runs in full before anything is written: each cell against its column, then ids
(unique across the dataset), references (to a known id of the right kind, in the files or
already in the store), area ancestry (no cycles) and the policy file. The caller writes the
dataset only when :attr:`ReadResult.problems` is empty.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from concentric.graph.schema.model import Dataset, ExistingNode, Problem, RecordBlock
from concentric.graph.schema.schema import SCHEMA, Column, Table
from concentric.graph.store.protocol import paused_gc
from concentric.loaders.cells import CellError, convert_cell, is_empty
from concentric.loaders.messages import kind_label, problem
from concentric.loaders.tables import (
    TABLE_SUFFIXES,
    NotATable,
    RawTable,
    read_table,
    table_from_records,
)

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
                labels = "、".join(t.label for t in SCHEMA.tables.values())
                problems.append(
                    problem(str(path), 1, "-", "not_table_file", names=names, labels=labels)
                )
            else:
                found.append((path, table))
        else:
            problems.append(problem(str(path), 0, "-", "no_such_path"))
    return found, problems


@dataclass
class _Block:
    """One table's rows after conversion, column by column.

    ``values[name][j]`` is the typed value of column ``name`` in row ``j`` (None when
    empty, :data:`_INVALID` when it failed); ``extra[j]`` holds the row's unknown columns.
    """

    table: Table
    file: str
    lines: list[int]
    values: dict[str, list[Any]]
    headers: dict[str, str]  # column name -> header as written, for messages
    extra: list[dict[str, Any] | None] | None = None

    def header(self, name: str) -> str:
        return self.headers.get(name, name)


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
    with paused_gc():
        return _read_dataset([Path(p) for p in paths], existing, progress)


def _read_dataset(
    path_list: list[Path],
    existing: Mapping[str, ExistingNode] | None,
    progress: ProgressCallback | None,
) -> ReadResult:
    files, problems = find_table_files(path_list)
    result = ReadResult(Dataset(), problems, files=[f for f, _ in files])
    existing = existing or {}
    if not files and not problems:
        result.problems.append(problem(", ".join(map(str, path_list)), 0, "-", "no_tables"))
    blocks: list[_Block] = []
    for block, found in _converted_files(files, progress):
        result.problems.extend(found)
        if block is not None:
            blocks.append(block)
    result.dataset.policy = _read_policy(path_list, result.problems)
    _check_graph(blocks, existing, result.problems)
    if not result.problems:
        result.dataset = _records(blocks, result.dataset.policy)
        _warn_duplicate_links(result.dataset, result.warnings)
    result.problems.sort(key=lambda p: (p.file, p.line))
    return result


# Files at least this big are read and converted in a second process, every other one,
# while this process does the rest: a province-sized load has several such files.
PARALLEL_BYTES = 8 * 2**20
_PR_SET_PDEATHSIG = 1  # from <sys/prctl.h>


def _converted(path: Path, table: Table) -> tuple[_Block | None, list[Problem], int]:
    """One file read and converted: (block or None, its problems, its row count)."""
    problems: list[Problem] = []
    try:
        raw = read_table(path)
    except NotATable as exc:
        return None, [Problem(str(path), exc.line, "-", str(exc), exc.message_zh)], 0
    with paused_gc():
        return _typed_block(raw, table, problems), problems, len(raw)


def _converted_files(
    files: list[tuple[Path, Table]], progress: ProgressCallback | None
) -> list[tuple[_Block | None, list[Problem]]]:
    """:func:`_converted` of each file, in file order; big files shared with a worker.

    ``progress`` hears of each file as it is done. The worker is forked, so only when this
    process runs no other thread (a fork copies one thread, and a lock another thread held
    would stay held); otherwise every file is converted here.
    """
    big = [i for i, (path, _) in enumerate(files) if path.stat().st_size >= PARALLEL_BYTES]
    offload = set(big[1::2])
    if not offload or threading.active_count() > 1 or "fork" not in get_all_start_methods():
        offload = set()
    done: dict[int, tuple[_Block | None, list[Problem]]] = {}

    def finished(i: int, converted: tuple[_Block | None, list[Problem], int]) -> None:
        done[i] = converted[:2]
        if progress:
            progress(converted[2])

    with ExitStack() as stack:
        futures = {}
        if offload:
            worker = stack.enter_context(
                ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=get_context("fork"),
                    initializer=_die_with_parent,
                    initargs=(os.getpid(),),
                )
            )
            futures = {i: worker.submit(_converted, *files[i]) for i in sorted(offload)}
        for i, (path, table) in enumerate(files):
            if i not in offload:
                finished(i, _converted(path, table))
        for i, future in futures.items():
            finished(i, future.result())
    return [done[i] for i in range(len(files))]


def _die_with_parent(parent_pid: int) -> None:
    """Make this worker end when the process that started it does.

    A forked worker holds both ends of its pipes, so a parent killed with SIGKILL never
    sends it EOF: it would wait on a pipe for ever. On Linux the kernel kills it
    (PR_SET_PDEATHSIG); elsewhere a thread watches for the parent to change. A parent that
    died before this ran is caught by the check of the parent's pid that follows.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    else:
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    if os.getppid() != parent_pid:
        os._exit(1)


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    os._exit(1)


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
    plain = [{str(k): v for k, v in record.items()} for record in records]
    raw = table_from_records(source, list(range(1, len(records) + 1)), plain)
    result = ReadResult(Dataset())
    blocks = [_typed_block(raw, table, result.problems)]
    _check_graph(blocks, existing, result.problems)
    if not result.problems:
        result.dataset = _records(blocks, None)
    return result


def _typed_block(raw: RawTable, table: Table, problems: list[Problem]) -> _Block:
    """Convert each column to its schema type; report bad cells and bad headers."""
    file = raw.path
    lines = raw.lines
    columns: dict[int, Column] = {}  # position in raw -> column
    seen: dict[str, str] = {}
    for position, header in enumerate(raw.headers):
        column = table.column_for_header(header)
        if column is None:
            continue  # unknown columns are kept as extra properties
        if column.name in seen:
            problems.append(problem(file, 1, header, "same_column", other=seen[column.name]))
            continue
        seen[column.name] = header
        columns[position] = column
    for column in table.required_columns if raw.has_header else ():
        if column.name not in seen:
            problems.append(
                problem(
                    file,
                    1,
                    column.name,
                    "column_missing",
                    headers=" or ".join((column.name, *column.aliases)),
                    headers_zh="或".join(column.aliases or (column.name,)),
                )
            )
    block = _Block(table, file, lines, {}, dict(seen))
    extra_positions: list[int] = []
    for position, header in enumerate(raw.headers):
        column = columns.get(position)
        if column is None:
            if header not in seen.values():
                extra_positions.append(position)
            continue
        block.values[column.name] = _convert_column(
            column, raw.columns[position], lines, file, header, problems, raw.text_only
        )
    count = len(lines)
    for column in table.columns.values():
        # A required cell left empty is a problem only where the column exists at all: a
        # missing required header was reported once above, not once per row.
        required = column.required and (column.name in seen or not raw.has_header)
        default = convert_cell(column, column.default) if column.default is not None else None
        if not required and default is None:
            continue
        values = block.values.setdefault(column.name, [None] * count)
        header = block.header(column.name)
        for j, value in enumerate(values):
            if value is not None:
                continue
            if required:
                problems.append(problem(file, lines[j], header, "value_missing"))
                values[j] = _INVALID
            else:
                values[j] = default
    if extra_positions:
        block.extra = _extra_cells(raw, extra_positions)
    return block


def _convert_column(
    column: Column,
    cells: Sequence[Any],
    lines: list[int],
    file: str,
    header: str,
    problems: list[Problem],
    text_only: bool = False,
) -> list[Any]:
    """Typed values of one column; each distinct cell is converted once.

    Most columns repeat a few values (categories, dates, yes/no), so converting the
    distinct ones and looking the rest up is what makes a 10^6-row load fast. Keys carry
    the cell's type: ``1``, ``1.0`` and ``True`` are equal in Python but not as cells.
    """
    if text_only:  # a CSV column: every cell is a str
        if column.base_type in ("str", "ref"):
            return _text_column(column.base_type == "ref", cells)
        if column.base_type not in ("list", "refs", "enums"):
            return _convert_text_column(column, cells, lines, file, header, problems)
    cache: dict[tuple[type, Any], Any] = {}
    out: list[Any] = []
    append = out.append
    failed = False
    for cell in cells:
        key = (cell.__class__, cell)
        try:
            typed, hashable = cache.get(key, _MISSING), True
        except TypeError:  # a list or object cell from JSON: not hashable, convert it as is
            typed, hashable = _MISSING, False
        if typed is _MISSING:
            typed = _converted_cell(column, cell)
            failed = failed or typed.__class__ is _Failed
            if hashable:
                cache[key] = typed
        elif typed.__class__ is list:
            typed = list(typed)  # rows must not share one mutable list
        append(typed)
    return _reported(out, lines, file, header, problems) if failed else out


def _convert_text_column(
    column: Column,
    cells: Sequence[str],
    lines: list[int],
    file: str,
    header: str,
    problems: list[Problem],
) -> list[Any]:
    """:func:`_convert_column` for cells that are all text: the distinct ones, then a lookup."""
    typed = {cell: _converted_cell(column, cell) for cell in set(cells)}
    out = list(map(typed.__getitem__, cells))
    if any(v.__class__ is _Failed for v in typed.values()):
        return _reported(out, lines, file, header, problems)
    return out


class _Failed(NamedTuple):
    message: str
    message_zh: str


def _converted_cell(column: Column, cell: Any) -> Any:
    """The cell's typed value (None when empty), or :class:`_Failed` with the complaint."""
    try:
        return None if is_empty(cell) else convert_cell(column, cell)
    except CellError as exc:
        return _Failed(str(exc), exc.message_zh)


def _reported(
    values: list[Any], lines: list[int], file: str, header: str, problems: list[Problem]
) -> list[Any]:
    """``values`` with each failed cell reported at its line and marked :data:`_INVALID`."""
    for j, value in enumerate(values):
        if value.__class__ is _Failed:
            problems.append(Problem(file, lines[j], header, value.message, value.message_zh))
            values[j] = _INVALID
    return values


def _text_column(shared: bool, cells: Sequence[str]) -> list[str | None]:
    """Stripped text cells (from a CSV). With ``shared``, equal cells become one object.

    A reference column repeats a few thousand ids a million times; one object per id makes
    the later checks and lookups touch far less memory. Names and ids of their own rows are
    mostly distinct, so a cache would only cost: it is dropped once half the cells are new.
    """
    if not shared:
        return [cell.strip() or None for cell in cells]
    cache: dict[str, str | None] = {}
    out: list[str | None] = []
    append = out.append
    for j, cell in enumerate(cells):
        text = cache.get(cell, _MISSING)
        if text is _MISSING:
            text = cache[cell] = cell.strip() or None
            if len(cache) > 4096 and len(cache) * 2 > j:
                append(text)
                out.extend(c.strip() or None for c in cells[j + 1 :])
                break
        append(text)
    return out


def _extra_cells(raw: RawTable, positions: list[int]) -> list[dict[str, Any] | None]:
    """Per row, the non-empty cells of columns the schema does not know."""
    extra: list[dict[str, Any] | None] = [None] * len(raw)
    for position in positions:
        header = raw.headers[position]
        for j, cell in enumerate(raw.columns[position]):
            if not is_empty(cell):
                row_extra = extra[j]
                if row_extra is None:
                    row_extra = extra[j] = {}
                row_extra.setdefault(header, _plain_extra(cell))
    return extra


# Marks a cell that failed conversion, so later checks skip it instead of piling on.
class _Invalid:
    """The mark's type: pickled by name, so a worker process's mark is this process's."""

    def __repr__(self) -> str:
        return "<invalid cell>"

    def __reduce__(self) -> str:
        return "_INVALID"


_INVALID: Any = _Invalid()
_MISSING: Any = object()


def _plain_extra(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _check_graph(
    blocks: list[_Block], existing: Mapping[str, ExistingNode], problems: list[Problem]
) -> None:
    """Ids unique, references resolve to the right kind, no area is its own ancestor."""
    stored = {node_id: node.kind for node_id, node in existing.items()}
    # Each file's ids (id -> row). Checks below are set operations on these dicts, done in
    # C: a 10^6-target load has 1.8 million ids and 3.5 million references.
    defined: list[tuple[_Block, dict[str, int]]] = []
    for block in blocks:
        kind = block.table.node_kind
        ids = block.values.get("id")
        if kind is None or ids is None:
            continue
        index = {node_id: j for j, node_id in enumerate(ids) if node_id.__class__ is str}
        once = len(index) == len(ids) - ids.count(None) - ids.count(_INVALID)
        # The common cases, checked a set at a time: each id once and new, or a reload of
        # stored ids as the same kind. Anything else is looked at row by row for messages.
        if not (
            once
            and all(index.keys().isdisjoint(rows) for _, rows in defined)
            and (not stored or all(stored.get(i, kind) == kind for i in index))
        ):
            index = _check_ids(block, kind, defined, stored, problems)
        defined.append((block, index))
    for block in blocks:
        for column in block.table.columns.values():
            if column.base_type in ("ref", "refs") and column.name in block.values:
                _check_refs(block, column, defined, stored, problems)
    _check_ancestry(blocks, existing, problems)
    _check_intervals(blocks, problems)


def _check_ids(
    block: _Block,
    kind: str,
    defined: list[tuple[_Block, dict[str, int]]],
    stored: dict[str, str],
    problems: list[Problem],
) -> dict[str, int]:
    """Row by row: duplicate ids, and ids stored before as another kind."""
    header = block.header("id")
    index: dict[str, int] = {}
    for j, node_id in enumerate(block.values["id"]):
        if node_id.__class__ is not str:
            continue
        first = next(
            ((b, rows[node_id]) for b, rows in [*defined, (block, index)] if node_id in rows),
            None,
        )
        if first is not None:
            other, k = first
            problems.append(
                problem(
                    block.file,
                    block.lines[j],
                    header,
                    "duplicate_id",
                    value=node_id,
                    other_kind=other.table.node_kind,
                    other_kind_zh=kind_label(other.table.node_kind or ""),
                    other_file=other.file,
                    other_name=Path(other.file).name,
                    other_line=other.lines[k],
                )
            )
            continue
        index[node_id] = j
        was = stored.get(node_id)
        if was is not None and was != kind:
            problems.append(
                problem(
                    block.file,
                    block.lines[j],
                    header,
                    "id_other_kind",
                    value=node_id,
                    was=was,
                    was_zh=kind_label(was),
                )
            )
    return index


def _check_refs(
    block: _Block,
    column: Column,
    defined: list[tuple[_Block, dict[str, int]]],
    stored: dict[str, str],
    problems: list[Problem],
) -> None:
    allowed = frozenset(column.ref_kinds)
    values = block.values[column.name]
    if column.base_type == "ref":
        distinct = set(values)
    else:
        distinct = {r for v in values if v.__class__ is list for r in v}
    distinct.discard(None)
    distinct.discard(_INVALID)
    # Each distinct id once: a big load repeats a few thousand area and leader ids a
    # million times. set.difference(dict) runs in C, testing each id against the dict.
    for holder, index in defined:
        if holder.table.node_kind in allowed:
            distinct = distinct.difference(index)
    if stored:
        distinct = {r for r in distinct if stored.get(r) not in allowed}
    if not distinct:
        return

    def kind_of(ref: str) -> str | None:
        holder = next((b for b, index in defined if ref in index), None)
        return holder.table.node_kind if holder is not None else stored.get(ref)

    kinds = " or ".join(column.ref_kinds)
    expected = ("an " if kinds[0] in "aeiou" else "a ") + kinds
    expected_zh = "或".join(kind_label(k) for k in column.ref_kinds)
    header = block.header(column.name)
    for j, value in enumerate(values):
        if value is None or value is _INVALID:
            continue
        for ref in value if isinstance(value, list) else (value,):
            found = kind_of(ref)
            if found in allowed:
                continue
            where = (block.file, block.lines[j], header)
            if found is None:
                problems.append(
                    problem(
                        *where, "unknown_id", value=ref, expected=expected, expected_zh=expected_zh
                    )
                )
            else:
                problems.append(
                    problem(
                        *where,
                        "wrong_kind",
                        value=ref,
                        found=found,
                        found_zh=kind_label(found),
                        expected=expected,
                        expected_zh=expected_zh,
                    )
                )


def _check_ancestry(
    blocks: list[_Block], existing: Mapping[str, ExistingNode], problems: list[Problem]
) -> None:
    """Report every area (and organization) that is its own ancestor."""
    for kind in ("area", "organization"):
        parents = {i: n.parent_id for i, n in existing.items() if n.kind == kind}
        rows_of: dict[str, tuple[_Block, int]] = {}
        for block in blocks:
            ids = block.values.get("id")
            if block.table.node_kind != kind or ids is None:
                continue
            parent_ids = block.values.get("parent_id") or [None] * len(ids)
            for j, (node_id, parent) in enumerate(zip(ids, parent_ids, strict=True)):
                if isinstance(node_id, str):
                    parents[node_id] = parent if isinstance(parent, str) else None
                    rows_of[node_id] = (block, j)
        for node_id, (block, j) in rows_of.items():
            chain = [node_id]
            seen = {node_id}
            current = parents.get(node_id)
            while current is not None and current not in seen:
                chain.append(current)
                seen.add(current)
                current = parents.get(current)
            if current == node_id:
                path = " → ".join([*chain, node_id])
                problems.append(
                    problem(
                        block.file,
                        block.lines[j],
                        block.header("parent_id"),
                        "own_ancestor",
                        kind=kind,
                        kind_zh=kind_label(kind),
                        value=node_id,
                        path=path,
                    )
                )


def _check_intervals(blocks: list[_Block], problems: list[Problem]) -> None:
    for block in blocks:
        starts, ends = block.values.get("since"), block.values.get("until")
        if starts is None or ends is None:
            continue
        header = block.header("until")
        date = dt.date
        for j in [
            j
            for j, until in enumerate(ends)
            if until.__class__ is date and starts[j].__class__ is date and until < starts[j]
        ]:
            problems.append(
                problem(
                    block.file,
                    block.lines[j],
                    header,
                    "ends_before_start",
                    until=ends[j],
                    since=starts[j],
                )
            )


def _records(blocks: list[_Block], policy: dict[str, Any] | None) -> Dataset:
    records: list[RecordBlock] = []
    for block in blocks:
        table = block.table
        link = None
        if table.link_kind is not None:
            assert table.source and table.target
            link = (table.source, table.target, table.key)
        records.append(
            RecordBlock(
                table.node_kind or table.link_kind or table.name,
                block.file,
                block.lines,
                block.values,
                extra=block.extra,
                link=link,
            )
        )
    return Dataset(policy=policy, blocks=records)


def _warn_duplicate_links(dataset: Dataset, warnings: list[Problem]) -> None:
    """Two rows with the same natural key are one link; the later row wins. Say so."""
    blocks = [b for b in dataset.blocks if b.is_link]
    # Keys include the kind, so only blocks of one kind can share one: check a set at a time.
    seen: dict[str, set[str]] = {}
    clean = True
    for block in blocks:
        keys = set(block.keys())
        earlier = seen.setdefault(block.kind, set())
        clean = clean and len(keys) == len(block.keys()) and earlier.isdisjoint(keys)
        earlier |= keys
    if clean:
        return
    first: dict[str, tuple[RecordBlock, int]] = {}
    latest: dict[str, tuple[RecordBlock, int]] = {}  # only keys seen more than once
    for block in blocks:
        for j, key in enumerate(block.keys()):
            where = first.setdefault(key, (block, j))
            if where == (block, j):
                continue
            earlier_block, k = latest.get(key, where)
            earlier_block.dropped.add(k)
            latest[key] = (block, j)
            first_block, i = where
            warnings.append(
                problem(
                    block.source,
                    block.lines[j],
                    "-",
                    "same_link",
                    kind=block.kind,
                    kind_zh=kind_label(block.kind),
                    first_file=first_block.source,
                    first_name=Path(first_block.source).name,
                    first_line=first_block.lines[i],
                )
            )


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
            problems.append(problem(str(path), line, "-", "policy_yaml", error=exc, at=line))
            continue
        found = SCHEMA.policy_problems(raw)
        lines = _key_lines(path)
        for message in found:
            first = message.split()[0].split(".")[0].rstrip(":")  # assessment.criteria... too
            key = first if first in lines else "-"
            problems.append(
                problem(str(path), lines.get(key, 1), key, "policy_setting", detail=message)
            )
        if not found and raw:
            merged.update(raw)
    return merged or None


def _key_lines(path: Path) -> dict[str, int]:
    """Line of each top-level key in a YAML file, for messages."""
    node = yaml.compose(path.read_text(encoding="utf-8"))
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 1 for k, _ in node.value}
