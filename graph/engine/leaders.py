"""Leaders' load against their quotas and single points of failure (the answers' shape;
:mod:`graph.engine.index_analyses` counts them); departures are in :mod:`graph.network.recommend`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx
import numpy as np
import numpy.typing as npt

from concentric.graph.engine.coverage import QueryError, UnknownId
from concentric.graph.schema.schema import Policy

__all__ = [
    "QUOTA_STATUSES",
    "leader_load_answer",
    "leader_load_rows",
    "leaders_in_office",
    "quota_status_codes",
    "single_points_answer",
]


def leaders_in_office(graph: nx.MultiDiGraph) -> list[str]:
    """Ids of the leaders in office, sorted."""
    return sorted(
        n for n, d in graph.nodes(data=True) if d["kind"] == "leader" and d.get("in_office", True)
    )


def iso_date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


#: Quota statuses, worst first: the order of the leader table.
QUOTA_STATUSES = ("under", "over", "ok")


def quota_status_codes(
    figures: npt.NDArray[np.int64],
    assigned: npt.NDArray[np.int64],
    quota_min: npt.NDArray[np.int64],
    quota_max: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64]:
    """Per leader, its index in :data:`QUOTA_STATUSES`: under while it has fewer figures than
    its minimum, else over while it has more targets than its maximum, else ok.

    >>> codes = quota_status_codes(np.array([1, 3, 3]), np.array([1, 9, 4]),
    ...                            np.array([2, 2, 2]), np.array([5, 5, 5]))
    >>> [QUOTA_STATUSES[c] for c in codes]
    ['under', 'over', 'ok']
    """
    return np.where(figures < quota_min, 0, np.where(assigned > quota_max, 1, 2))


def leader_load_rows(
    leaders: list[str],
    nodes: list[dict[str, Any]],
    policy: Policy,
    counts: Mapping[str, npt.NDArray[np.int64]],
    last_interaction: list[str | None],
) -> list[dict[str, Any]]:
    """The rows of :func:`graph.engine.index_analyses.leader_load`, worst first: quota status,
    then the larger share of stale targets, then id. ``nodes`` (name, post, quotas),
    ``counts`` (assigned, figures, active, stale) and ``last_interaction`` are per leader.

    >>> from concentric.graph.schema.schema import SCHEMA
    >>> counts = {k: np.array(v) for k, v in
    ...           dict(assigned=[3, 0], figures=[3, 0], active=[1, 0], stale=[2, 0]).items()}
    >>> rows = leader_load_rows(["L1", "L2"], [{"name": "张三", "quota_max": 1}, {}],
    ...                         SCHEMA.default_policy, counts, [None, "2026-01-05"])
    >>> [(r["id"], r["quota_status"], r["stale_share"]) for r in rows]
    [('L2', 'under', 0.0), ('L1', 'over', 0.6667)]
    """

    def quota(key: str, default: int) -> npt.NDArray[np.int64]:
        given = [node.get(key) for node in nodes]
        return np.array([default if q is None else q for q in given], dtype=np.int64)

    quota_min, quota_max = (
        quota("quota_min", policy.quota_min),
        quota("quota_max", policy.quota_max),
    )
    assigned, stale = counts["assigned"], counts["stale"]
    status = quota_status_codes(counts["figures"], assigned, quota_min, quota_max)
    # Python's round, not numpy's: numpy rounds a scaled binary value, which can differ.
    share = [
        round(s / a, 4) if a else 0.0
        for s, a in zip(stale.tolist(), assigned.tolist(), strict=True)
    ]
    # ``leaders`` come sorted by id, so the position breaks the last tie.
    order = np.lexsort((np.arange(len(leaders)), -np.array(share, dtype=np.float64), status))
    columns = [counts[k].tolist() for k in ("assigned", "figures", "active", "stale")]
    qmin, qmax, codes = quota_min.tolist(), quota_max.tolist(), status.tolist()
    return [
        {
            "id": leaders[i],
            "name": nodes[i].get("name"),
            "post": nodes[i].get("post"),
            "assigned": columns[0][i],
            "figures": columns[1][i],
            "active": columns[2][i],
            "stale": columns[3][i],
            "stale_share": share[i],
            "last_interaction": last_interaction[i],
            "quota_min": qmin[i],
            "quota_max": qmax[i],
            "quota_status": QUOTA_STATUSES[codes[i]],
        }
        for i in order.tolist()
    ]


def leader_load_answer(
    as_of: dt.date, window_days: int, items: list[dict[str, Any]]
) -> dict[str, Any]:
    """The :func:`graph.engine.index_analyses.leader_load` answer around its rows (worst first)."""
    return {
        "as_of": as_of.isoformat(),
        "window_days": window_days,
        "total": len(items),
        "items": items,
    }


def single_points_answer(
    as_of: dt.date, window_days: int, items: list[dict[str, Any]]
) -> dict[str, Any]:
    """The :func:`.index_analyses.single_points` answer around its rows, grouped by leader."""
    items.sort(key=lambda i: (i["leader_id"], i["id"]))
    by_leader: dict[str, list[str]] = defaultdict(list)
    for record in items:
        by_leader[record["leader_id"]].append(record["id"])
    return {
        "as_of": as_of.isoformat(),
        "window_days": window_days,
        "total": len(items),
        "items": items,
        "by_leader": dict(by_leader),
    }


def check_leaders(nodes: Mapping[str, Mapping[str, Any]], leader_ids: Iterable[str]) -> list[str]:
    """The ids, checked to be leaders among ``nodes`` (a graph's ``nodes``, or records by
    id); raise :class:`QueryError` naming any that is not."""
    ids = list(dict.fromkeys(leader_ids))
    if not ids:
        raise QueryError("name at least one leader id")
    for leader in ids:
        if leader not in nodes:
            raise UnknownId(f"unknown leader id {leader!r}")
        if nodes[leader]["kind"] != "leader":
            raise QueryError(f"{leader!r} is a {nodes[leader]['kind']}, not a leader")
    return ids
