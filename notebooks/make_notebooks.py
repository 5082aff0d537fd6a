"""Write the notebooks of this folder (without outputs): ``python notebooks/make_notebooks.py``.

The notebooks hold no analysis of their own: every number comes from the same
``Workspace`` methods the CLI and the API call (``from graph import open_workspace``); the
cells only pick tables and draw them. Edit the cells here, run this script, and commit the
notebooks as written (outputs stripped). ``tests/test_notebooks.py`` runs each of them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

HERE = Path(__file__).resolve().parent

SETUP = """\
import datetime as dt
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from concentric.graph import open_workspace, use_cjk_font
from concentric.loaders import read_dataset

# A fixed date, so that the answers below do not change from day to day.
AS_OF = dt.date(2026, 11, 27)

# The sample district, loaded into a fresh store in a temporary folder.
# To look at your own data instead: ws = open_workspace("path/to/concentric.db")
SAMPLE = Path.cwd().parent / "data" / "sample"
ws = open_workspace(Path(tempfile.mkdtemp()) / "sample.db")
loaded = read_dataset([SAMPLE])
assert not loaded.problems, loaded.problems
ws.store.load(loaded.dataset)

print("matplotlib font:", use_cjk_font())"""

SETUP_MD = """\
**准备 Setup.** 把示例辖区载入临时数据库，并为 matplotlib 设置中文字体。
Load the sample district into a temporary store and give matplotlib a CJK font.
`ws` is a `Workspace`: the same object the `concentric` command and the web API use."""


def md(text: str) -> NotebookNode:
    return nbformat.v4.new_markdown_cell(text)


def code(text: str) -> NotebookNode:
    return nbformat.v4.new_code_cell(text)


NOTEBOOKS: dict[str, list[NotebookNode]] = {
    "01_coverage_overview": [
        md(
            "# 覆盖情况总览 · Coverage overview\n\n"
            "全覆盖看三件事：五线谱各条线的得分、各类对象的覆盖状态、各乡镇街道哪些类别还是空白。\n"
            "Full coverage in three views: the five-line score, the status of each kind and "
            "category of target, and the area × category cells that are still empty."
        ),
        md(SETUP_MD),
        code(SETUP),
        md(
            "## 统战五线谱 · The five-line score\n\n"
            "中心线看领导配额达标和民族工作站；其余四条线看覆盖率（已覆盖/对象）和"
            "可及率（已覆盖+间接覆盖）。\n"
            "The centre line scores leaders meeting their quota and towns with an ethnic work "
            "station; the other four lines score coverage (covered / targets) and reach "
            "(covered + indirect)."
        ),
        code(
            "blind = ws.blind_spots(AS_OF)\n"
            'lines = blind.to_frame("lines").set_index("label")\n'
            'lines[["targets", "covered", "ratio", "reach"]]'
        ),
        code(
            "fig, ax = plt.subplots(figsize=(7, 3))\n"
            'ax.barh(lines.index, lines["reach"].fillna(0), color="#a5d8ff", '
            'label="可及率 reach")\n'
            'ax.barh(lines.index, lines["ratio"], height=0.5, color="#2f9e44", '
            'label="得分/覆盖率 score")\n'
            "ax.invert_yaxis()\n"
            "ax.set_xlim(0, 1)\n"
            'ax.set_title(f"统战五线谱 five-line score, {AS_OF}")\n'
            'ax.legend(loc="lower right")\n'
            "plt.show()"
        ),
        md(
            "## 覆盖状态 · Status totals\n\n"
            "已覆盖：有联系领导且窗口内有联系；久未联系：有联系领导但窗口内无活动；"
            "间接覆盖：无联系领导，但近期有联系或与已覆盖对象同属一个组织；未覆盖：都没有。\n"
            "Covered: assigned and met in the window; stale: assigned, not met; indirect: not "
            "assigned but met, or sharing a membership with a covered target; uncovered: none."
        ),
        code(
            "from concentric.graph.views.answers import STATUS_COLORS, STATUS_LABELS, STATUSES\n\n"
            "cov = ws.coverage(AS_OF)\n"
            "cov"
        ),
        md("## 按人士类别 · By figure category"),
        code(
            'by_category = cov.to_frame("by_category").set_index("label")\n'
            "ax = (\n"
            "    by_category[list(STATUSES)]\n"
            "    .rename(columns=STATUS_LABELS)\n"
            "    .plot.barh(stacked=True, figsize=(8, 5), "
            "color=[STATUS_COLORS[s] for s in STATUSES])\n"
            ")\n"
            "ax.invert_yaxis()\n"
            'ax.set_xlabel("人数 figures")\n'
            'ax.set_ylabel("")\n'
            'ax.set_title("各类人士覆盖状态 status by category")\n'
            "plt.show()"
        ),
        md(
            "## 按乡镇街道 · By town and subdistrict\n\n"
            "每个乡镇街道含其下属社区和村。Each town counts the communities and villages "
            "below it."
        ),
        code(
            "from concentric.graph.workspace import area_coverage\n\n"
            "areas = area_coverage(ws, AS_OF)\n"
            "ax = (\n"
            "    areas[list(STATUSES)]\n"
            "    .rename(columns=STATUS_LABELS)\n"
            "    .plot.barh(stacked=True, figsize=(8, 6), "
            "color=[STATUS_COLORS[s] for s in STATUSES])\n"
            ")\n"
            "ax.invert_yaxis()\n"
            'ax.set_xlabel("对象 targets")\n'
            'ax.set_ylabel("")\n'
            'ax.set_title("各乡镇街道覆盖状态 status by area")\n'
            "plt.show()"
        ),
        md(
            "## 区域 × 类别热力图 · Heat map: area × category\n\n"
            "颜色是该区域该类人士中已覆盖的比例；空白表示该区域没有这类人士，"
            "红色（0%）就是盲区。\n"
            "Colour is the share of the area's figures of that category that are covered; "
            "blank means the area has none; red (0 %) cells are blind spots."
        ),
        code(
            "from concentric.graph.workspace import area_category_matrix\n\n"
            "matrix = area_category_matrix(ws, AS_OF)\n"
            "fig, ax = plt.subplots(figsize=(10, 6))\n"
            'image = ax.imshow(matrix.to_numpy(dtype=float), cmap="RdYlGn", vmin=0, vmax=1, '
            'aspect="auto")\n'
            'ax.set_xticks(range(len(matrix.columns)), matrix.columns, rotation=40, ha="right")\n'
            "ax.set_yticks(range(len(matrix.index)), matrix.index)\n"
            'fig.colorbar(image, ax=ax, label="覆盖率 covered / figures")\n'
            'ax.set_title("乡镇街道 × 人士类别覆盖率 coverage by area and category")\n'
            "plt.show()"
        ),
    ],
    "02_leader_networks": [
        md(
            "# 联系领导与联系网络 · Leaders and their networks\n\n"
            "每位联系领导的联系对象是否在配额之内，某位领导的联系网络长什么样，"
            "哪些对象只有一位领导在联系（单点）。\n"
            "Whether each leader's load is within quota, what one leader's contact network "
            "looks like, and which targets hang on a single leader."
        ),
        md(SETUP_MD),
        code(SETUP),
        md(
            "## 联系负荷与配额 · Load against quota\n\n"
            "人士数低于下限为“不足”，联系对象总数高于上限为“超额”。\n"
            "A leader is *under* quota with fewer figures than `quota_min`, *over* with more "
            "targets than `quota_max`."
        ),
        code("leaders = ws.leaders(AS_OF)\nleaders"),
        code(
            "load = leaders.to_frame()\n"
            'names = load["id"] + " " + load["name"]\n'
            "rows = range(len(load))\n"
            "fig, ax = plt.subplots(figsize=(8, 8))\n"
            'ax.barh(rows, load["assigned"], color="#ced4da", label="联系对象 assigned")\n'
            'ax.barh(rows, load["figures"], height=0.5, color="#7048e8", '
            'label="其中人士 figures")\n'
            'ax.scatter(load["quota_max"], rows, marker="|", s=250, color="#e03131", '
            'label="上限 quota max")\n'
            'ax.scatter(load["quota_min"], rows, marker="|", s=250, color="#f08c00", '
            'label="下限 quota min")\n'
            "ax.set_yticks(rows, names)\n"
            "ax.invert_yaxis()\n"
            'ax.legend(loc="lower right")\n'
            'ax.set_title(f"联系负荷与配额 load vs quota, {AS_OF}")\n'
            "plt.show()"
        ),
        md(
            "## 一位领导的联系网络 · One leader's network\n\n"
            "尹秀荣（L07，统战部部长）：联系对象按覆盖状态着色，可拖动、缩放，悬停看详情。"
            "图是一个独立页面，离线也能打开。\n"
            "L07's contact network: targets coloured by status; drag, zoom, hover for details. "
            "It is a self-contained page, shown inline and readable offline."
        ),
        code('ws.show("L07", as_of=AS_OF)'),
        code('ws.todo("L07", AS_OF)'),
        md(
            "## 单点联系 · Single points\n\n"
            "只有一位联系领导的对象：这位领导一旦调离，对象就落入盲区。\n"
            "Targets with exactly one assigned leader: if that leader leaves, they are "
            "orphaned."
        ),
        code("single = ws.single_points(AS_OF)\nsingle"),
        code(
            'per_leader = single.to_frame().groupby("leader_name").size().sort_values()\n'
            'ax = per_leader.plot.barh(figsize=(7, 7), color="#7048e8")\n'
            'ax.set_xlabel("单点对象 targets with one leader")\n'
            'ax.set_ylabel("")\n'
            'ax.set_title("各领导的单点联系对象 single points per leader")\n'
            "plt.show()"
        ),
    ],
    "03_gaps_and_suggestions": [
        md(
            "# 盲区、交接与建议 · Gaps, handover and suggestions\n\n"
            "哪里是盲区，一位领导调离会留下什么，怎样分配联系领导最合适，"
            "最近一个季度情况如何变化。\n"
            "Where the blind spots are, what a leader's departure would leave behind, which "
            "assignments the recommender suggests, and what changed over the last quarter."
        ),
        md(SETUP_MD),
        code(SETUP),
        md(
            "## 盲区和死角 · Blind spots\n\n"
            "某区域有某类人士但一个都未覆盖，即为盲区。\n"
            "An (area, category) cell with figures and none of them covered."
        ),
        code("blind = ws.blind_spots(AS_OF)\nblind"),
        md(
            "没有民族工作站的乡镇街道，以及未纳入联席会议且未覆盖的驻区单位：\n"
            "Towns without an ethnic work station, and residing units neither in the joint "
            "meeting nor covered:"
        ),
        code('blind.to_frame("areas_without_station")'),
        code('blind.to_frame("units_outside_joint_meeting")'),
        md(
            "## 交接预案 · Handover scenario\n\n"
            "假如 L07 调离：哪些对象会失去全部联系领导，谁最适合接手。\n"
            "If L07 left: the targets that would have no leader, with ranked successors."
        ),
        code('handover = ws.departure(["L07"], AS_OF)\nhandover'),
        md(
            "## 建议分工 · Suggested assignments\n\n"
            "为未覆盖、久未联系的对象整体求最优分配（同片区、同条线、网络中更近者优先，"
            "且不超过领导配额）。\n"
            "A global min-cost assignment for uncovered and stale targets (same area, same "
            "line, closer in the network first, within each leader's quota)."
        ),
        code("suggestions = ws.recommend(AS_OF)\nsuggestions"),
        code(
            'per_leader = suggestions.to_frame().groupby("leader_name").size().sort_values()\n'
            'ax = per_leader.plot.barh(figsize=(7, 6), color="#1c7ed6")\n'
            'ax.set_xlabel("建议新增联系对象 suggested targets")\n'
            'ax.set_ylabel("")\n'
            'ax.set_title("每位领导的建议新增对象 suggestions per leader")\n'
            "plt.show()"
        ),
        md(
            "分不出去的对象（领导配额已满）：\n"
            "Targets left unassigned (the leaders' quotas are full):"
        ),
        code('suggestions.to_frame("unassigned").head(10)'),
        md(
            "## 最近一个季度的变化 · Change over the last quarter\n\n"
            "从 91 天前到今天，覆盖状态发生变化的对象。\n"
            "Targets whose status changed in the last 91 days."
        ),
        code("changes = ws.changes(AS_OF - dt.timedelta(days=91), AS_OF)\nchanges"),
        code(
            'by_transition = changes.to_frame("groups")["groups"].sort_values()\n'
            'ax = by_transition.plot.barh(figsize=(7, 3), color="#f08c00")\n'
            'ax.set_xlabel("对象 targets")\n'
            'ax.set_ylabel("")\n'
            "ax.set_title(f\"状态变化 status changes, {changes['from']} → {changes['to']}\")\n"
            "plt.show()"
        ),
    ],
    "04_network_analysis": [
        md(
            "# 关系网络分析 · Network analysis\n\n"
            "谁是连接不同群体的桥梁人物，网络分成哪些圈子（有没有哪位领导都不在的圈子），"
            "两个人之间通过谁联系得上。\n"
            "Who bridges groups, which circles the network falls into (and which have no "
            "leader inside), and how two people are connected."
        ),
        md(SETUP_MD),
        code(SETUP),
        md(
            "## 桥梁人物 · Brokers\n\n"
            "中介中心性：其他人士和组织之间的最短路径有多少经过它。\n"
            "Betweenness: the share of shortest paths between other figures and "
            "organizations that pass through this one."
        ),
        code("brokers = ws.brokers(top=15)\nbrokers"),
        code(
            'top = brokers.to_frame().set_index("name")["betweenness"].sort_values()\n'
            'ax = top.plot.barh(figsize=(8, 6), color="#ae3ec9")\n'
            'ax.set_xlabel("中介中心性 betweenness")\n'
            'ax.set_ylabel("")\n'
            'ax.set_title("桥梁人物 brokers")\n'
            "plt.show()"
        ),
        md(
            "排名第一的桥梁组织及其一步之内的关系：\n"
            "The top broker and everything one relationship step from it:"
        ),
        code('ws.show(brokers["items"][0]["id"], depth=1, as_of=AS_OF)'),
        md(
            "## 关系圈 · Communities\n\n"
            "Louvain 社区：圈内联系远多于圈外。没有领导在内的圈子，是没人“在里面”的圈子。\n"
            "Louvain communities: many more ties inside than between. A community with no "
            "leader in it is a circle nobody is inside of."
        ),
        code("communities = ws.communities()\ncommunities"),
        code(
            "circles = communities.to_frame()\n"
            'has_leader = circles["leaders"].str.len() > 0\n'
            "fig, ax = plt.subplots(figsize=(8, 3.5))\n"
            'colors = has_leader.map({True: "#7048e8", False: "#e03131"})\n'
            'ax.bar(circles["id"].astype(str), circles["size"], color=colors)\n'
            'ax.set_xlabel("关系圈 community")\n'
            'ax.set_ylabel("成员 members")\n'
            'ax.set_title("关系圈大小（红色 = 无联系领导）community sizes (red = no leader)")\n'
            "plt.show()"
        ),
        md(
            "## 关系路径 · Paths\n\n"
            "两人之间最短的真实关系链（联系、成员、其他关系、共同参加的活动）。\n"
            "The shortest chain of real relationships between two entities."
        ),
        code('ws.path("L01", "F0013")'),
        code('ws.path("F0001", "L07")'),
    ],
}


def build(name: str, cells: list[NotebookNode]) -> NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for index, cell in enumerate(cells):
        cell["id"] = f"{name[:2]}-{index:02d}"  # stable ids: regenerating gives the same file
    notebook.cells = cells
    nbformat.validate(notebook)
    return notebook


def main() -> int:
    for name, cells in NOTEBOOKS.items():
        path = HERE / f"{name}.ipynb"
        nbformat.write(build(name, cells), path)
        print(f"wrote {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
