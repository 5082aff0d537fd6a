"""The analysis commands: leaders, single-points, departure, blind-spots, recommend,
changes, network, path, brokers, communities. Each prints a readable table, or with
``--json`` the same JSON the API answers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.table import Table

from concentric.api.cli_common import (
    DEFAULT_STORE,
    GRAPH_MAX_ROWS,
    AreaOpt,
    AsOfOpt,
    JsonOpt,
    LineOpt,
    LongTable,
    StoreOpt,
    WindowOpt,
    _progress,
    app,
    graph_max_rows_option,
    named,
    out,
    parse_date_option,
    print_json,
    resolve_id,
    resolve_ids,
    table,
    workspace_for,
)
from concentric.graph import SCHEMA
from concentric.graph.engine.changes import check_period
from concentric.graph.workspace import Workspace


def _table(title: str, headings: list[str], rows: list[list[Any]]) -> Table | LongTable:
    return table(title, headings, [["" if v is None else str(v) for v in row] for row in rows])


def _status(code: str | None) -> str:
    return SCHEMA.enum_label("coverage_status", code) if code else ""


def _kind(code: str) -> str:
    return str(SCHEMA.node_kinds.get(code, {}).get("label", code))


@app.command()
def leaders(
    as_of: AsOfOpt = None,
    window_days: WindowOpt = None,
    as_json: JsonOpt = False,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """Leader load against quotas (under / ok / over), worst first."""
    with workspace_for(store) as ws:
        answer = ws.leaders(as_of, window_days)
    if as_json:
        print_json(answer)
        return
    quota = {"under": "不足 under", "over": "超额 over", "ok": "正常 ok"}
    out.print(
        _table(
            f"联系领导 leader load as of {answer['as_of']} (window {answer['window_days']} days)",
            [
                "编号",
                "姓名",
                "职务",
                "联系对象",
                "人士",
                "活跃",
                "久未联系",
                "最近活动",
                "下限",
                "上限",
                "状态",
            ],
            [
                [
                    i["id"],
                    i["name"],
                    i["post"],
                    i["assigned"],
                    i["figures"],
                    i["active"],
                    f"{i['stale_share']:.0%}",
                    i["last_interaction"] or "—",
                    i["quota_min"],
                    i["quota_max"],
                    quota[i["quota_status"]],
                ]
                for i in answer["items"]
            ],
        )
    )


@app.command("single-points")
def single_points_command(
    as_of: AsOfOpt = None,
    window_days: WindowOpt = None,
    as_json: JsonOpt = False,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """Targets with exactly one assigned leader, grouped by that leader."""
    with workspace_for(store) as ws:
        answer = ws.single_points(as_of, window_days)
    if as_json:
        print_json(answer)
        return
    out.print(
        _table(
            f"单点联系 single points as of {answer['as_of']}: {answer['total']}",
            ["领导", "对象编号", "名称", "类型", "状态"],
            [
                [
                    named(i["leader_name"], i["leader_id"]),
                    i["id"],
                    i["name"],
                    _kind(i["kind"]),
                    _status(i["status"]),
                ]
                for i in answer["items"]
            ],
        )
    )


@app.command()
def departure(
    leader_ids: Annotated[
        list[str],
        typer.Argument(metavar="LEADER…", help="The departing leaders: ids, names or pinyin."),
    ],
    as_of: AsOfOpt = None,
    window_days: WindowOpt = None,
    as_json: JsonOpt = False,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """Handover report: targets left with no leader if these leaders left, with successors."""
    with workspace_for(store) as ws:
        answer = ws.departure(resolve_ids(ws, leader_ids, "leader"), as_of, window_days)
        leader_names = ws.names("leader")
    if as_json:
        print_json(answer)
        return
    rows = []
    for item in answer["items"]:
        best = item["successors"][0] if item["successors"] else None
        rows.append(
            [
                item["id"],
                item["name"],
                _status(item["status"]),
                "、".join(named(s["leader_name"], s["leader_id"]) for s in item["successors"])
                or "—",
                "；".join(best["reasons"]) if best else "",
            ]
        )
    leaving = "、".join(named(leader_names.get(i), i) for i in answer["leaders"])
    out.print(
        _table(
            f"离任交接 departure of {leaving}: {answer['total']} targets left without a leader",
            ["对象编号", "名称", "状态", "建议接任 successors", "首选理由 reasons"],
            rows,
        )
    )


@app.command("blind-spots")
def blind_spots_command(
    as_of: AsOfOpt = None,
    window_days: WindowOpt = None,
    as_json: JsonOpt = False,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """Area × category cells with no covered figure, towns without an ethnic work station,
    units outside the joint-meeting system, and the five-line score."""
    with workspace_for(store) as ws:
        answer = ws.blind_spots(as_of, window_days)
    if as_json:
        print_json(answer)
        return
    out.print(
        _table(
            f"五线谱 five-line score as of {answer['as_of']}",
            ["条线", "对象", "已覆盖", "覆盖率", "可及率", "薄弱区域 worst areas"],
            [
                [
                    line["label"],
                    line["targets"],
                    line["covered"],
                    f"{line['ratio']:.0%}" if line["ratio"] is not None else "–",
                    f"{line['reach']:.0%}" if line["reach"] is not None else "–",
                    "、".join(a["area_name"] or a["area_id"] for a in line["worst_areas"]),
                ]
                for line in answer["lines"]
            ],
        )
    )
    out.print(
        _table(
            f"盲区 blind spots: {answer['total']} area × category cells with no covered figure",
            ["区域", "类别", "人士", "已覆盖"],
            [
                [
                    f"{c['area_name']} ({c['area_id']})",
                    SCHEMA.enum_label("figure_category", c["category"]),
                    c["figures"],
                    c["covered"],
                ]
                for c in answer["items"]
            ],
        )
    )
    out.print(
        "未设民族工作站的乡镇街道 towns without an ethnic work station: "
        + ("、".join(answer["areas_without_station"]) or "none")
    )
    out.print(
        "未纳入联席会议且未覆盖的驻区单位 units outside the joint meeting, not covered: "
        + (
            "、".join(f"{u['name']} ({u['id']})" for u in answer["units_outside_joint_meeting"])
            or "none"
        )
    )


@app.command()
def recommend(
    status: Annotated[
        str, typer.Option(metavar="S,…", help="Targets to place: uncovered, stale or both.")
    ] = "uncovered,stale",
    line: LineOpt = None,
    area: AreaOpt = None,
    as_of: AsOfOpt = None,
    window_days: WindowOpt = None,
    graph_max_rows: Annotated[
        int,
        graph_max_rows_option(
            "Above this many stored rows and without --area, place the targets town by "
            "town (each leader's room counted over the whole data); 0 for no limit."
        ),
    ] = GRAPH_MAX_ROWS,
    as_json: JsonOpt = False,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """Suggest a leader for every target without an active owner (min-cost flow, no leader
    over capacity), each with its reasons; on a big store, town by town."""
    statuses = [s.strip() for s in status.split(",") if s.strip()]
    with workspace_for(store) as ws:
        area_id = resolve_id(ws, area, "area") if area is not None else None
        if area_id is None and graph_max_rows and ws.store.row_count() > graph_max_rows:
            ws.graph_max_rows = graph_max_rows
            answer = town_by_town(ws, as_of, window_days, statuses, line)
        else:
            answer = dict(ws.recommend(as_of, window_days, statuses, area_id=area_id, line=line))
    if as_json:
        print_json(answer)
        return
    out.print(
        _table(
            f"建议分工 suggestions as of {answer['as_of']}: {answer['total']} placed, "
            f"{len(answer['unassigned'])} unassigned, total cost {answer['total_cost']}",
            ["对象编号", "名称", "状态", "建议领导", "代价", "理由 reasons"],
            [
                [
                    i["target_id"],
                    i["target_name"],
                    _status(i["status"]),
                    named(i["leader_name"], i["leader_id"]),
                    i["cost"],
                    "；".join(i["reasons"]),
                ]
                for i in answer["items"]
            ],
        )
    )
    if answer["unassigned"]:
        out.print(
            _table(
                "无法分配 unassigned",
                ["对象编号", "名称", "原因"],
                [[u["target_id"], u["target_name"], u["reason"]] for u in answer["unassigned"]],
            )
        )


def town_by_town(
    ws: Workspace,
    as_of: dt.date | None,
    window_days: int | None,
    statuses: list[str],
    line: str | None,
) -> dict[str, Any]:
    """The union of the recommendations of each of the workspace's recommendation areas
    (items and unassigned in target id order), with a progress bar over the targets."""
    towns = ws.recommendation_areas()
    scope = ws.gaps(as_of, window_days, statuses=statuses, line=line)["total"]
    answers = []
    with _progress(scope, "建议分工 town by town") as advance:
        for town in towns:
            answer = ws.recommend(as_of, window_days, statuses, area_id=town, line=line)
            answers.append(answer)
            advance(len(answer["items"]) + len(answer["unassigned"]))
    day, window = ws.when(as_of, window_days)
    items = sorted((i for a in answers for i in a["items"]), key=lambda i: i["target_id"])
    unassigned = sorted((u for a in answers for u in a["unassigned"]), key=lambda u: u["target_id"])
    return {
        "as_of": day.isoformat(),
        "window_days": window,
        "areas": towns,
        "total": len(items),
        "total_cost": sum(i["cost"] for i in items),
        "capacity": answers[0]["capacity"] if answers else {},
        "items": items,
        "unassigned": unassigned,
    }


@app.command()
def changes(
    start: Annotated[
        dt.date,
        typer.Option("--from", parser=parse_date_option, metavar="DATE", help="Start date."),
    ],
    end: Annotated[
        dt.date | None,
        typer.Option(
            "--to", parser=parse_date_option, metavar="DATE", help="End date (default today)."
        ),
    ] = None,
    window_days: WindowOpt = None,
    as_json: JsonOpt = False,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """Targets whose status changed between two dates, grouped by transition."""
    with workspace_for(store) as ws:
        check_period(start, end or dt.date.today())
        answer = ws.changes(start, end, window_days)
    if as_json:
        print_json(answer)
        return
    out.print("  ".join(f"{k}: {v}" for k, v in answer["groups"].items()) or "no changes")
    out.print(
        _table(
            f"状态变化 changes {answer['from']} → {answer['to']}: {answer['total']}",
            ["对象编号", "名称", "类型", "原状态", "现状态", "最近联系"],
            [
                [
                    i["id"],
                    i["name"],
                    _kind(i["kind"]),
                    _status(i["from"]),
                    _status(i["to"]),
                    i["last_contact"] or "—",
                ]
                for i in answer["items"]
            ],
        )
    )


@app.command()
def network(
    node_id: Annotated[
        str, typer.Argument(metavar="ENTITY", help="Any entity: its id, name or pinyin.")
    ],
    depth: Annotated[int, typer.Option(min=0, max=4, help="Steps out from the entity.")] = 1,
    as_json: JsonOpt = False,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """The ego network of an entity: its contacts, organizations, relations, interactions."""
    with workspace_for(store) as ws:
        node_id = resolve_id(ws, node_id)
        answer = ws.network(node_id, depth)
    if as_json:
        print_json(answer)
        return
    center: dict[str, Any] = next((n for n in answer["nodes"] if n["id"] == node_id), {})
    out.print(
        _table(
            f"关系网络 network of {named(center.get('name'), node_id)}, depth {depth}: "
            f"{len(answer['nodes'])} nodes, {len(answer['edges'])} edges",
            ["距离", "编号", "名称", "类型"],
            [
                [n["distance"], n["id"], n.get("name") or n.get("date") or "", _kind(n["kind"])]
                for n in sorted(answer["nodes"], key=lambda n: (n["distance"], n["id"]))
            ],
        )
    )


@app.command()
def path(
    source: Annotated[
        str, typer.Argument(metavar="A", help="Entity to start from: id, name or pinyin.")
    ],
    target: Annotated[
        str, typer.Argument(metavar="B", help="Entity to reach: id, name or pinyin.")
    ],
    as_json: JsonOpt = False,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """The shortest chain of real relationships from A to B ("who can introduce whom")."""
    with workspace_for(store) as ws:
        source, target = resolve_id(ws, source), resolve_id(ws, target)
        answer = ws.path(source, target)
    if as_json:
        print_json(answer)
        return
    if not answer["found"]:
        out.print(f"no chain of relationships links {source} and {target}")
        return
    names = {n["id"]: n.get("name") or n.get("date") or n["id"] for n in answer["nodes"]}
    parts = [f"{names[source]} ({source})"]
    for step in answer["steps"]:
        arrow = f"-{step['kind']}->" if step["forward"] else f"<-{step['kind']}-"
        parts.append(f"{arrow} {names[step['to']]} ({step['to']})")
    out.print(" ".join(parts))


AreaScopeOpt = Annotated[
    str | None,
    typer.Option("--area", help="Only this area and the areas below it: id, name or pinyin."),
]
SampleOpt = Annotated[
    int | None, typer.Option(min=1, help="Only this many targets, drawn at random (--seed).")
]
SeedOpt = Annotated[int, typer.Option(min=0, help="The random seed of --sample.")]


@app.command("brokers")
def brokers_command(
    top: Annotated[int, typer.Option(min=1, help="How many to list.")] = 20,
    area: AreaScopeOpt = None,
    sample: SampleOpt = None,
    seed: SeedOpt = 7,
    as_json: JsonOpt = False,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """Figures and organizations that bridge groups (betweenness centrality)."""
    with workspace_for(store) as ws:
        area_id = resolve_id(ws, area, "area") if area is not None else None
        answer = ws.brokers(top, area_id=area_id, sample=sample, seed=seed)
    if as_json:
        print_json(answer)
        return
    out.print(f"{answer['explanation']} ({answer['method']['scope']})")
    out.print(
        _table(
            "中间人 brokers",
            ["编号", "名称", "类型", "中介度", "关系数"],
            [
                [i["id"], i["name"], _kind(i["kind"]), f"{i['betweenness']:.4f}", i["degree"]]
                for i in answer["items"]
            ],
        )
    )


@app.command("communities")
def communities_command(
    area: AreaScopeOpt = None,
    sample: SampleOpt = None,
    seed: SeedOpt = 7,
    as_json: JsonOpt = False,
    store: StoreOpt = DEFAULT_STORE,
) -> None:
    """Densely tied groups (Louvain), with the leaders inside each."""
    with workspace_for(store) as ws:
        area_id = resolve_id(ws, area, "area") if area is not None else None
        answer = ws.communities(area_id=area_id, sample=sample, seed=seed)
        leader_names = ws.names("leader")
        area_names = ws.names("area")
    if as_json:
        print_json(answer)
        return
    out.print(answer["explanation"])
    out.print(
        _table(
            "圈子 communities",
            ["#", "规模", "构成", "主要类别", "主要区域", "领导"],
            [
                [
                    c["id"],
                    c["size"],
                    "、".join(f"{_kind(k)} {v}" for k, v in c["kinds"].items()),
                    SCHEMA.enum_label("figure_category", c["top_category"]),
                    named(area_names.get(c["top_area"]), c["top_area"]) if c["top_area"] else "",
                    "、".join(named(leader_names.get(i), i) for i in c["leaders"]) or "—",
                ]
                for c in answer["items"]
            ],
        )
    )
