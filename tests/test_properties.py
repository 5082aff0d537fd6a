"""Random small datasets through the real CLI, compared with the oracle item by item,
plus invariants that hold whatever the data (spec section 3).

Dates cluster around the boundaries that matter (T, T - W, one day either side) so the
interesting comparisons (<=, <, >=) are hit often.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import oracle
from conftest import AS_OF, Concentric, Run, gap_items
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import CATEGORIES, ORG_KINDS, STATUSES, UNIT_KINDS, Dataset, write_dataset

WINDOWS = (365, 90, 0)
FORMAT_NAMES = ("csv", "csv_bom", "csv_zh_gbk", "json", "xlsx")

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    # The `cli` fixture is stateless; each example makes its own temporary store.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def offsets(window: int) -> st.SearchStrategy[int]:
    edges = [0, 1, -1, 2, -window, -window - 1, -window + 1]
    return st.one_of(st.sampled_from(edges), st.integers(-2 * window - 30, 60))


@st.composite
def dates(draw: st.DrawFn, window: int) -> dt.date:
    return AS_OF + dt.timedelta(days=draw(offsets(window)))


@st.composite
def spans(draw: st.DrawFn, window: int) -> tuple[dt.date | None, dt.date | None]:
    """(since, until), either may be empty; when both are set, until comes after since."""
    since = draw(st.none() | dates(window))
    until = draw(st.none() | dates(window))
    if since is not None and until is not None and until <= since:
        until = since + dt.timedelta(days=draw(st.integers(1, 400)))
    return since, until


@st.composite
def datasets(draw: st.DrawFn, window: int = 365) -> Dataset:
    ds = Dataset()
    n_areas = draw(st.integers(1, 4))
    for i in range(n_areas):
        if i == 0:
            ds.area("A0", "district")
        else:
            parent = draw(st.integers(0, i - 1))
            depth = len(oracle.area_chain(ds, f"A{parent}"))
            kind = draw(
                st.sampled_from(["town", "subdistrict"] if depth == 1 else ["community", "village"])
            )
            ds.area(f"A{i}", kind, f"A{parent}")
    area_ids = [a["id"] for a in ds["areas"]]
    maybe_area = st.none() | st.sampled_from(area_ids)

    leaders = [f"L{i}" for i in range(draw(st.integers(1, 3)))]
    for lid in leaders:
        ds.leader(lid, in_office=draw(st.sampled_from([True, True, False, None])))

    figures = [f"F{i}" for i in range(draw(st.integers(0, 5)))]
    orgs = [f"O{i}" for i in range(draw(st.integers(0, 3)))]
    units = [f"U{i}" for i in range(draw(st.integers(0, 3)))]
    for fid in figures:
        ds.figure(fid, draw(st.sampled_from(CATEGORIES)), draw(maybe_area))
    for oid in orgs:
        ds.org(oid, draw(st.sampled_from(ORG_KINDS)), draw(maybe_area))
    for uid in units:
        ds.unit(uid, draw(st.sampled_from(UNIT_KINDS)), draw(maybe_area))
    targets = figures + orgs + units
    if not targets:
        return ds

    # Edges are keyed by (source, target, since): keep keys unique within one dataset.
    keys: set[tuple[Any, ...]] = set()
    if figures and orgs + units:
        for _ in range(draw(st.integers(0, 5))):
            f, o = draw(st.sampled_from(figures)), draw(st.sampled_from(orgs + units))
            since, until = draw(spans(window))
            if ("m", f, o, since) not in keys:
                keys.add(("m", f, o, since))
                ds.member(f, o, since, until)
    for _ in range(draw(st.integers(0, 7))):
        leader, target = draw(st.sampled_from(leaders)), draw(st.sampled_from(targets))
        since, until = draw(spans(window))
        if ("c", leader, target, since) not in keys:
            keys.add(("c", leader, target, since))
            ds.contact(
                leader, target, since, until, role=draw(st.sampled_from(["primary", "backup"]))
            )
    for i in range(draw(st.integers(0, 7))):
        ds.interaction(
            f"I{i}",
            draw(dates(window)),
            draw(st.lists(st.sampled_from(leaders), min_size=1, max_size=2, unique=True)),
            draw(st.lists(st.sampled_from(targets), min_size=1, max_size=3, unique=True)),
        )
    return ds


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Dataset, int, str]:
    window = draw(st.sampled_from(WINDOWS))
    return draw(datasets(window)), window, draw(st.sampled_from(FORMAT_NAMES))


def load_fresh(cli: Run, ds: Dataset, fmt: str, tmp: str) -> Concentric:
    c = Concentric(cli, Path(tmp) / "c.db")
    # Empty tables are left out: an empty JSON list is tested on its own in
    # test_loader_formats, and here it would hide every other finding.
    c.load(write_dataset(ds, Path(tmp) / "ds", fmt, skip_empty=fmt == "json"))
    return c


@SETTINGS
@given(scenario=scenarios())
def test_cli_matches_oracle(cli: Run, scenario: tuple[Dataset, int, str]) -> None:
    ds, window, fmt = scenario
    with tempfile.TemporaryDirectory() as tmp:
        c = load_fresh(cli, ds, fmt, tmp)
        assert c.coverage(AS_OF, window) == oracle.coverage(ds, AS_OF, window)
        got = gap_items(c.gaps(window_days=window))
        want = oracle.gaps(ds, AS_OF, window, statuses=STATUSES)["items"]
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):  # item by item, for a readable diff
            assert g == w


def assert_partition(counts: dict[str, int]) -> None:
    assert counts["targets"] == sum(counts[s] for s in STATUSES), counts


def check_invariants(
    ds: Dataset, window: int, summary: dict[str, Any], items: list[dict[str, Any]]
) -> None:
    # The four statuses partition the targets, everywhere counts appear.
    for group in ("by_kind", "by_category", "by_line", "by_area"):
        for counts in summary[group].values():
            assert_partition(counts)
    assert_partition(summary["totals"])
    ids = [i["id"] for i in items]
    assert len(ids) == len(set(ids)) == summary["totals"]["targets"]
    n_targets = len(ds["figures"]) + len(ds["organizations"]) + len(ds["units"])
    assert summary["totals"]["targets"] == n_targets

    # by_kind sums to the totals, field by field; figures split exactly into categories.
    for field in ("targets", *STATUSES):
        assert sum(k[field] for k in summary["by_kind"].values()) == summary["totals"][field]
        by_cat = sum(k[field] for k in summary["by_category"].values())
        assert by_cat == summary["by_kind"]["figure"][field]
        # Every target sits on exactly one of the four target lines; `center` has none.
        assert sum(v[field] for v in summary["by_line"].values()) == summary["totals"][field]
    assert summary["by_line"]["center"]["targets"] == 0

    # Assigned <=> covered or stale; covered and indirect never lack a reason.
    in_office = {r["id"] for r in ds["leaders"] if r["in_office"] is not False}
    start = (AS_OF - dt.timedelta(days=window)).isoformat()
    for item in items:
        assigned = item["assigned_leaders"]
        assert assigned == sorted(set(assigned)) and set(assigned) <= in_office
        assert bool(assigned) == (item["status"] in ("covered", "stale")), item
        if item["status"] == "covered":
            assert item["last_contact"] is not None and item["last_contact"] >= start
        if item["status"] == "stale":
            assert item["last_contact"] is None or item["last_contact"] < start
        if item["last_contact"] is not None:
            assert item["last_contact"] <= AS_OF.isoformat()

    # A root area holds every target placed anywhere under it.
    roots = [a["id"] for a in ds["areas"] if a["parent_id"] is None]
    placed = sum(1 for i in items if i["area_id"] is not None)
    assert sum(summary["by_area"][r]["targets"] for r in roots) == placed


@SETTINGS
@given(scenario=scenarios())
def test_invariants(cli: Run, scenario: tuple[Dataset, int, str]) -> None:
    ds, window, fmt = scenario
    with tempfile.TemporaryDirectory() as tmp:
        c = load_fresh(cli, ds, fmt, tmp)
        check_invariants(
            ds, window, c.coverage(AS_OF, window), gap_items(c.gaps(window_days=window))
        )


@settings(max_examples=300, deadline=None)
@given(scenario=scenarios())
def test_oracle_invariants(scenario: tuple[Dataset, int, str]) -> None:
    # The same invariants on the oracle alone: a cheap self-check of the reference.
    ds, window, _ = scenario
    items = oracle.gaps(ds, AS_OF, window, statuses=STATUSES)["items"]
    check_invariants(ds, window, oracle.coverage(ds, AS_OF, window), items)


@SETTINGS
@given(scenario=scenarios(), later=st.integers(1, 400))
def test_time_alone_never_makes_stale_covered(
    cli: Run, scenario: tuple[Dataset, int, str], later: int
) -> None:
    ds, window, fmt = scenario
    # "No new data": nothing dated after T, so moving T forward only ages what is there.
    ds.tables["interactions"] = [i for i in ds["interactions"] if i["date"] <= AS_OF]
    t2 = AS_OF + dt.timedelta(days=later)
    with tempfile.TemporaryDirectory() as tmp:
        c = load_fresh(cli, ds, fmt, tmp)
        before = {i["id"]: i["status"] for i in c.gaps(window_days=window)["items"]}
        after = {i["id"]: i["status"] for i in c.gaps(as_of=t2, window_days=window)["items"]}
    for tid, status in before.items():
        if status == "stale":
            assert after[tid] != "covered", (tid, AS_OF, t2)
    assert after == {t: s.status for t, s in oracle.evaluate(ds, t2, window).items()}
