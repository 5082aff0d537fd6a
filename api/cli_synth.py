"""``concentric synth``: write a synthetic dataset of any size (benchmarks, demos, load tests).

Importing this module registers the command on ``api.cli.app``. The generation itself is
:func:`loaders.synth.generate`; this module only parses options, draws the progress bar and
reports what was written.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from concentric.api.cli_common import EXIT_BAD_INPUT, _progress, app, out, parse_date_option, say
from concentric.graph.schema.schema import SCHEMA
from concentric.loaders.tables import TABLE_SUFFIXES
from concentric.synth import (
    DEFAULT_END,
    EARLIEST_END,
    MIN_TARGETS,
    CsvWriter,
    Sizes,
    generate,
)


class SynthFormat(StrEnum):
    csv = "csv"


@app.command()
def synth(
    out_dir: Annotated[
        Path, typer.Argument(metavar="OUT", help="Folder to write the tables into (created).")
    ],
    targets: Annotated[
        int,
        typer.Option(
            "--targets",
            min=MIN_TARGETS,
            metavar="N",
            help="Targets (figures + organizations + units) in the dataset.",
        ),
    ],
    seed: Annotated[
        int, typer.Option("--seed", metavar="S", help="Random seed (same seed, same bytes).")
    ] = 0,
    fmt: Annotated[
        SynthFormat, typer.Option("--format", help="Table format (UTF-8 CSV, English headers).")
    ] = SynthFormat.csv,
    end: Annotated[
        dt.date | None,
        typer.Option(
            "--end",
            parser=parse_date_option,
            metavar="DATE",
            help=f"Last day of the two years of interactions (default {DEFAULT_END}).",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite the tables of a folder that is not empty.")
    ] = False,
) -> None:
    """Write a valid synthetic dataset of N targets with a real district's proportions.

    About 78 % figures (all twelve categories), 17 % organizations (every kind), 5 % units;
    leaders ≈ N/40; 60 % of targets assigned to 1–2 leaders; two years of interactions.
    Load it with `concentric load OUT`.
    """
    end = end or DEFAULT_END
    if end < EARLIEST_END:
        say(f"concentric: error: --end {end} is too early (the earliest is {EARLIEST_END})")
        raise typer.Exit(EXIT_BAD_INPUT)
    if out_dir.exists() and not out_dir.is_dir():
        say(f"concentric: error: {out_dir} is a file, not a folder")
        raise typer.Exit(EXIT_BAD_INPUT)
    if out_dir.is_dir() and any(out_dir.iterdir()):
        if not force:
            say(f"concentric: error: {out_dir} is not empty (use --force to overwrite its tables)")
            raise typer.Exit(EXIT_BAD_INPUT)
        # Another format of the same table would load twice: remove every table file.
        for table in SCHEMA.tables:
            for suffix in TABLE_SUFFIXES:
                (out_dir / f"{table}{suffix}").unlink(missing_ok=True)
    sizes = Sizes.for_targets(targets)
    try:
        writer = CsvWriter(out_dir)
    except OSError as exc:
        say(f"concentric: error: cannot write to {out_dir} ({exc.strerror})")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    started = time.perf_counter()
    try:
        with _progress(sizes.expected_rows(), "writing") as advance:
            counts = generate(random.Random(seed), writer, targets, end=end, progress=advance)
    except ValueError as exc:
        say(f"concentric: error: {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    seconds = time.perf_counter() - started
    rows = sum(counts.values())
    out.print(
        f"Wrote {rows} rows in {len(counts)} {fmt.value.upper()} tables to {out_dir} "
        f"in {seconds:.1f} s: {targets} targets ({counts['figures']} figures, "
        f"{counts['organizations']} organizations, {counts['units']} units), "
        f"{counts['leaders']} leaders, {counts['contacts']} contacts, "
        f"{counts['interactions']} interactions (seed {seed}).",
        soft_wrap=True,
    )
