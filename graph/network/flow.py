"""The largest flow of least cost through a small acyclic network, with ties broken by a
fixed rule: OR-tools' compiled solver (``SimpleMinCostFlow``) on integer costs.

When several flows carry the most units at the least cost, the one returned has the least
sum of tie ranks over the units it sends: each arc's tie rank is a number in
``[0, tie_span)`` taken from a BLAKE2b hash of the arc's two end labels, so it depends on
the arcs alone — not on the order they were given in, the solver, or the machine. Two
different least-cost flows have the same sum of tie ranks only by a coincidence of odds at
most (arcs) / ``tie_span`` (the isolation lemma); with ``tie_span`` 2^20 and a town's
network that is below one in ten thousand.

The tie ranks are added to the costs scaled by a factor larger than any flow's sum of tie
ranks (``cost * scale + rank``), so the least scaled cost is always a least original cost.

>>> net = FlowNetwork()
>>> for tail, head, cap, cost in [("s", "a", 1, 0), ("s", "b", 1, 0), ("a", "x", 1, 3),
...                               ("a", "y", 1, 3), ("b", "x", 1, 3), ("x", "t", 1, 0),
...                               ("y", "t", 1, 0)]:
...     _ = net.add_arc(tail, head, cap, cost)
>>> flows = net.solve("s", "t")
>>> [arc[:2] for arc, units in zip(net.arcs, flows) if units and arc[0] in ("a", "b")]
[('a', 'y'), ('b', 'x')]
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable

import numpy as np
from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

__all__ = ["FlowNetwork", "tie_rank"]

TIE_SPAN = 1 << 20
# OR-tools' cost scaling multiplies costs by the number of nodes plus one: what fits.
_COST_ROOM = 1 << 62


def tie_rank(tail: Hashable, head: Hashable, span: int) -> int:
    """The arc's fixed tie rank in ``[0, span)``, from its two end labels."""
    digest = hashlib.blake2b(repr((tail, head)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % span


class FlowNetwork:
    """Arcs between hashable labels, each with an integer capacity and cost."""

    def __init__(self) -> None:
        self.arcs: list[tuple[Hashable, Hashable, int, int]] = []
        self._number: dict[Hashable, int] = {}

    def __contains__(self, node: Hashable) -> bool:
        return node in self._number

    def add_arc(self, tail: Hashable, head: Hashable, capacity: int, cost: int) -> int:
        """Add an arc; its position in :attr:`arcs` (and in :meth:`solve`'s answer)."""
        if not isinstance(cost, int) or not isinstance(capacity, int):
            raise TypeError(f"arc {tail!r} -> {head!r}: capacity and cost must be integers")
        for node in (tail, head):
            self._number.setdefault(node, len(self._number))
        self.arcs.append((tail, head, capacity, cost))
        return len(self.arcs) - 1

    def solve(self, source: Hashable, sink: Hashable) -> list[int]:
        """The flow on each arc (in :attr:`arcs` order) of the maximum flow from ``source``
        to ``sink`` of least cost, least sum of tie ranks among those (see the module).
        The network must have no cycle (each unit's path then has at most as many arcs as
        the longest path)."""
        if not self.arcs or source not in self._number or sink not in self._number:
            return [0] * len(self.arcs)
        units = sum(a[2] for a in self.arcs if a[0] == source)
        span, scale = self._tie_scale(units)
        number = self._number
        tails = np.array([number[a[0]] for a in self.arcs], dtype=np.int32)
        heads = np.array([number[a[1]] for a in self.arcs], dtype=np.int32)
        capacities = np.array([a[2] for a in self.arcs], dtype=np.int64)
        costs = np.array(
            [a[3] * scale + (tie_rank(a[0], a[1], span) if span > 1 else 0) for a in self.arcs],
            dtype=np.int64,
        )
        solver = SimpleMinCostFlow()
        solver.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
        # What the source may send at most; the solver sends as much of it as can arrive.
        solver.set_node_supply(number[source], units)
        solver.set_node_supply(number[sink], -units)
        status = solver.solve_max_flow_with_min_cost()
        if status != SimpleMinCostFlow.OPTIMAL:
            raise RuntimeError(f"min-cost flow not solved: {status}")
        found = solver.flows(np.arange(len(self.arcs), dtype=np.int32))
        return [int(f) for f in found]

    def _tie_scale(self, units: int) -> tuple[int, int]:
        """The tie span and the cost scale: the scale exceeds any flow's sum of tie ranks
        (units × arcs on the longest path × span), and the scaled costs stay within what
        the solver can take (the span shrinks for very large networks); ``units``: what
        the source can send at most."""
        steps = self._longest_path()
        top_cost = max(max(abs(a[3]) for a in self.arcs), 1)
        room = _COST_ROOM // (len(self._number) + 1)
        span = TIE_SPAN
        while span > 1 and (top_cost + 1) * (units * steps * span + 1) > room:
            span //= 2
        return span, units * steps * span + 1

    def _longest_path(self) -> int:
        """The most arcs on any path (the network is acyclic)."""
        outgoing: dict[Hashable, list[Hashable]] = {}
        indegree: dict[Hashable, int] = dict.fromkeys(self._number, 0)
        for tail, head, _, _ in self.arcs:
            outgoing.setdefault(tail, []).append(head)
            indegree[head] += 1
        depth = dict.fromkeys(self._number, 0)
        ready = [n for n, d in indegree.items() if d == 0]
        seen = 0
        while ready:
            node = ready.pop()
            seen += 1
            for head in outgoing.get(node, ()):
                depth[head] = max(depth[head], depth[node] + 1)
                indegree[head] -= 1
                if indegree[head] == 0:
                    ready.append(head)
        if seen != len(self._number):
            raise ValueError("the flow network has a cycle")
        return max(max(depth.values()), 1)
