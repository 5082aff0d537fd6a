"""The notebooks in ``notebooks/`` run top to bottom on the sample district, each in under a
minute, without errors and without a glyph missing from the plots' font; they are committed
without outputs, exactly as ``notebooks/make_notebooks.py`` writes them.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import time
from pathlib import Path
from types import ModuleType

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
#: Each notebook must finish within this many seconds on the sample district.
BUDGET = 60.0
MISSING_GLYPH = re.compile(r"Glyph \d+.*missing from font")


def test_the_four_notebooks_are_there() -> None:
    assert [p.name for p in PATHS] == [
        "01_coverage_overview.ipynb",
        "02_leader_networks.ipynb",
        "03_gaps_and_suggestions.ipynb",
        "04_network_analysis.ipynb",
    ]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_notebooks", NOTEBOOKS / "make_notebooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_notebooks", module)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_committed_without_outputs_and_as_generated(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.id
    generator = _generator()
    built = generator.build(path.stem, generator.NOTEBOOKS[path.stem])
    assert nbformat.writes(built).rstrip("\n") == path.read_text(encoding="utf-8").rstrip("\n"), (
        "regenerate with python notebooks/make_notebooks.py"
    )
    # Narrated in Chinese and English.
    text = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert re.search(r"[\u4e00-\u9fff]", text) and re.search(r"\b(the|and)\b", text)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_notebook_runs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=int(BUDGET * 2),
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    started = time.perf_counter()
    client.execute()  # raises CellExecutionError on the first failing cell
    elapsed = time.perf_counter() - started
    print(f"{path.name}: {elapsed:.1f} s")
    errors, stderr, images = [], [], 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                errors.append(f"{output.ename}: {output.evalue}")
            elif output.output_type == "stream" and output.name == "stderr":
                stderr.append(output.text)
            images += "image/png" in output.get("data", {})
    assert not errors, errors
    assert not [t for t in stderr if MISSING_GLYPH.search(t)], stderr
    assert images >= 2, "every notebook draws at least two plots"
    assert elapsed < BUDGET, f"{path.name} took {elapsed:.1f} s (budget {BUDGET:.0f} s)"
