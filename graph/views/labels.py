"""How codes are shown, in one place: labels, colours and page sizes.

Labels and colours come from the schema (``enumerations`` and ``presentation`` in
``schema.yaml``), keyed by the same codes as the answers, so a status added to the schema
cannot go without a label or a colour: this module refuses to import. The web pages, the
reports, the notebooks and the network pictures read them from here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from concentric.graph.schema.schema import SCHEMA

__all__ = [
    "COUNT_HEADINGS",
    "COUNT_KEYS",
    "HTML_ROWS",
    "INACTIVE_DAYS",
    "LANGUAGES",
    "MAX_PAGE_SIZE",
    "PAGE_ROWS",
    "QUOTA_FILLS",
    "QUOTA_LABELS",
    "RATIO_SCALE",
    "STALE_SHARE_WARNING",
    "STATUSES",
    "STATUS_COLORS",
    "STATUS_FILLS",
    "STATUS_LABELS",
    "TIE_TEXT",
    "UI_TEXT",
    "activity_warnings",
    "enum_text",
    "hex_argb",
    "kind_text",
    "quota_reason",
    "tie_text",
    "ui_text",
]

#: Coverage statuses, best first (the schema's order).
STATUSES: tuple[str, ...] = tuple(SCHEMA.enumerations["coverage_status"])
STATUS_LABELS: dict[str, str] = dict(SCHEMA.enumerations["coverage_status"])
QUOTA_LABELS: dict[str, str] = dict(SCHEMA.enumerations["quota_status"])

#: The count columns of a coverage table (targets, then each status) and their headings.
COUNT_KEYS: tuple[str, ...] = ("targets", *STATUSES)
COUNT_HEADINGS: tuple[str, ...] = ("对象", *(STATUS_LABELS[s] for s in STATUSES))


def _colours(enum: str, role: str) -> dict[str, str]:
    """Colour ``role`` (ink or fill) of every code of ``enum``; every code must have one."""
    given: dict[str, dict[str, str]] = SCHEMA.raw["presentation"][enum]
    missing = [code for code in SCHEMA.enumerations[enum] if role not in given.get(code, {})]
    if missing:
        raise ValueError(f"schema.yaml: presentation.{enum}: no {role} colour for {missing}")
    return {code: given[code][role] for code in SCHEMA.enumerations[enum]}


#: Strong colours (text, network nodes, bars) and light backgrounds (table cells).
STATUS_COLORS = _colours("coverage_status", "ink")
STATUS_FILLS = _colours("coverage_status", "fill")
QUOTA_FILLS = _colours("quota_status", "fill")
#: Low, middle and high end of a 0–1 ratio's colour scale.
_low, _middle, _high = SCHEMA.raw["presentation"]["ratio_scale"]
RATIO_SCALE: tuple[str, str, str] = (_low, _middle, _high)

#: Rows per page of the web pages' long tables; downloads and the JSON API hold every row.
PAGE_ROWS = 500
#: The largest ``limit`` the JSON API accepts.
MAX_PAGE_SIZE = 5000
#: Rows of the HTML table a notebook shows (``to_frame()`` has every row).
HTML_ROWS = 30


def hex_argb(colour: str) -> str:
    """``#rrggbb`` as the ``RRGGBB`` that spreadsheets (openpyxl) take."""
    return colour.removeprefix("#").upper()


# -- page language ------------------------------------------------------------------------

#: The languages a page can be written in; the first is the default.
LANGUAGES: tuple[str, ...] = ("zh", "en")

#: Every fixed text of the web pages, Chinese and English, by key. Pages show one
#: language (chosen per request), never both side by side.
UI_TEXT: dict[str, tuple[str, str]] = {
    "app": ("同心圆", "Concentric"),
    "nav.dashboard": ("总览", "Dashboard"),
    "nav.gaps": ("缺口", "Gaps"),
    "nav.leaders": ("联系领导", "Leaders"),
    "nav.mine": ("我的联系", "My contacts"),
    "nav.handover": ("移交", "Handover"),
    "nav.upload": ("上传", "Upload"),
    "nav.blind_spots": ("盲区", "Blind spots"),
    "nav.single_points": ("单点", "Single points"),
    "nav.suggestions": ("建议", "Suggestions"),
    "nav.changes": ("变化", "Changes"),
    "nav.search": ("查找", "Search"),
    "nav.search_hint": ("名称/拼音/首字母", "name, pinyin or initials"),
    "nav.as_of": ("截至", "As of"),
    "nav.as_of_date": ("截至日期", "as-of date"),
    "nav.show": ("查看", "Show"),
    "nav.sign_out": ("退出", "Sign out"),
    "nav.other_language": ("EN", "中文"),
    "role.admin": ("管理员", "administrator"),
    "role.planner": ("规划员", "planner"),
    "role.analyst": ("分析员", "analyst"),
    "role.leader": ("联系领导", "leader"),
    "as_of": ("截至 {as_of}，联系周期 {window} 天", "as of {as_of}, window {window} days"),
    "as_of_only": ("截至 {as_of}", "as of {as_of}"),
    "dashboard.title": ("统战五线谱覆盖总览", "Five-line coverage overview"),
    "dashboard.lines": ("五线谱", "Five-line score"),
    "dashboard.areas": ("乡镇街道", "Towns and subdistricts"),
    "dashboard.district_network": ("全区网络图", "District network"),
    "targets": ("联系对象", "Targets"),
    "line": ("条线", "Line"),
    "count.targets": ("对象", "Targets"),
    "ratio": ("覆盖率", "Coverage"),
    "reach": ("可及率", "Reach"),
    "worst_areas": ("薄弱区域", "Weakest areas"),
    "area": ("区域", "Area"),
    "help.ratio": (
        "覆盖率 = 已覆盖 ÷ 对象：有在任领导联系、且在联系周期内联系过的对象所占比例",
        "coverage = covered ÷ targets: the share assigned to a leader in office and "
        "contacted within the window",
    ),
    "help.reach": (
        "可及率 = (已覆盖 + 间接覆盖) ÷ 对象：直接或间接够得着的对象所占比例",
        "reach = (covered + indirect) ÷ targets: the share reached directly or indirectly",
    ),
    "help.covered": (
        "有在任领导联系，且在联系周期内联系过",
        "assigned to a leader in office and contacted within the window",
    ),
    "help.stale": (
        "有联系领导，但联系周期内没有联系过",
        "assigned, but not contacted within the window",
    ),
    "help.indirect": (
        "没有联系领导，但近期联系过，或与已覆盖对象同属一个组织",
        "not assigned, but contacted recently or sharing an organization with a covered target",
    ),
    "help.uncovered": (
        "没有联系领导，近期也没有任何联系",
        "not assigned and not contacted recently",
    ),
    "center.measures": (
        "中心线不按对象计算。得分 {ratio}% 是两项的平均：联系领导达到定额 {ok}/{leaders} 人；"
        "乡镇街道设有民族工作站 {stations}/{towns} 个",
        "The center line has no targets. Its score of {ratio}% is the mean of two shares: "
        "leaders meeting their quota ({ok}/{leaders}) and towns with an ethnic work station "
        "({stations}/{towns})",
    ),
    "center.no_station": ("无工作站：", "no station: "),
    "gaps.title": ("缺口清单", "Gaps"),
    "gaps.status": ("状态", "Status"),
    "gaps.kind": ("类型", "Kind"),
    "gaps.category": ("类别", "Category"),
    "gaps.all": ("全部", "all"),
    "gaps.uncovered_stale": ("未覆盖和久未联系", "uncovered and stale"),
    "gaps.filter": ("筛选", "Filter"),
    "gaps.download_csv": ("下载 CSV", "Download CSV"),
    "gaps.download_xlsx": ("下载 XLSX", "Download XLSX"),
    "gaps.total": ("共 {total} 项", "{total} items"),
    "col.id": ("编号", "ID"),
    "col.name": ("名称", "Name"),
    "col.person": ("姓名", "Name"),
    "col.post": ("职务", "Post"),
    "col.kind": ("类型", "Kind"),
    "col.category": ("类别", "Category"),
    "col.status": ("状态", "Status"),
    "col.leaders": ("联系领导", "Leaders"),
    "col.last_contact": ("最近联系", "Last contact"),
    "col.due": ("到期", "Due"),
    "col.assigned": ("联系对象", "Assigned"),
    "col.figures": ("其中人士", "Figures"),
    "col.active": ("活跃", "Active"),
    "col.stale_share": ("久未联系占比", "Stale share"),
    "col.last_activity": ("最近活动", "Last activity"),
    "col.quota": ("定额", "Quota"),
    "col.tie": ("关系", "Tie"),
    "col.other": ("对象", "With"),
    "col.since": ("开始", "Since"),
    "col.until": ("结束", "Until"),
    "col.date": ("日期", "Date"),
    "col.select": ("选择", "Select"),
    "col.suggested": ("建议领导", "Suggested leader"),
    "col.reasons": ("理由", "Reasons"),
    "never": ("从未", "never"),
    "gaps.order": (
        "排序：最严重的在前——未覆盖在前，其次久未联系；同一状态中从未联系的在前，其余按最近联系"
        "由远到近。建议领导由全局匹配（不超过各领导的定额上限）给出。",
        "Worst first: uncovered, then stale; within a status never contacted first, then the "
        "oldest last contact. Suggested leaders come from one global matching within each "
        "leader's quota.",
    ),
    "gaps.accept": ("采纳所选建议…", "Accept the selected suggestions…"),
    "col.summary": ("内容", "Summary"),
    "col.source": ("来源", "Source"),
    "help.active": (
        "联系周期内见过面的联系对象数",
        "assigned targets met within the window",
    ),
    "help.stale_share": (
        "联系对象中久未联系（联系周期内没有联系过）的比例",
        "share of assigned targets not contacted within the window",
    ),
    "help.quota": (
        "不足：人士少于下限；超额：对象多于上限；否则正常",
        "under: fewer figures than the minimum; over: more targets than the maximum",
    ),
    "quota.under": ("不足：人士 {figures} < {quota_min}", "under: figures {figures} < {quota_min}"),
    "quota.over": ("超额：对象 {assigned} > {quota_max}", "over: targets {assigned} > {quota_max}"),
    "quota.ok": (
        "正常：人士 {figures} ≥ {quota_min}，对象 {assigned} ≤ {quota_max}",
        "ok: figures {figures} ≥ {quota_min}, targets {assigned} ≤ {quota_max}",
    ),
    "activity.stale_share": ("久未联系占比高", "many stale"),
    "activity.inactive": ("久无活动", "inactive"),
    "activity.never": ("从无活动记录", "no activity recorded"),
    "activity.last": ("最近一次联系 {date}", "last activity {date}"),
    "activity.rule": (
        "活动提醒：久未联系占比达到 {share}%，或超过 {days} 天没有联系活动",
        "activity warning: stale share of {share}% or more, or no activity for {days} days",
    ),
    "leaders.title": ("联系领导工作量", "Leader load"),
    "leader.not_in_office": ("不在任", "not in office"),
    "leader.targets": ("联系对象", "Targets"),
    "leader.targets_count": ("共 {n} 个，到期在前", "{n} in all, due first"),
    "leader.log": ("登记联系", "Log a contact"),
    "leader.no_targets": ("暂无联系对象", "no targets"),
    "leader.overdue": ("逾期", "overdue"),
    "leader.network": ("联系网络", "Contact network"),
    "entity.status": ("状态", "Status"),
    "entity.leaders": ("联系领导", "Leaders"),
    "entity.none": ("无", "none"),
    "entity.last_contact": ("最近联系", "Last contact"),
    "entity.properties": ("基本信息", "Details"),
    "entity.ties": ("关系", "Ties"),
    "entity.interactions": ("最近活动", "Recent interactions"),
    "entity.network": ("关系网络", "Network"),
    "source.line": ("第{line}行", "row {line}"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "page.of": (
        "第 {page}/{pages} 页，第 {first}–{last} 行",
        "page {page} of {pages}, rows {first}–{last}",
    ),
    "page.previous": ("上一页", "previous"),
    "page.next": ("下一页", "next"),
    "login.title": ("登录", "Sign in"),
    "login.token": ("访问令牌", "Access token"),
    "login.token_help": (
        "由管理员发放，或运行演示时打印在终端里",
        "issued by an administrator, or printed by the demo",
    ),
    "login.submit": ("登录", "Sign in"),
    "login.invalid": ("令牌无效或已过期", "invalid or expired token"),
    "login.session_only": (
        "登录只在本次浏览器会话中有效。",
        "The sign-in lasts for this browser session only.",
    ),
    "error.title": ("出错了", "Error"),
    "error.heading": ("出错了（{status}）", "Error ({status})"),
    "error.back": ("返回总览", "Back to the dashboard"),
    "error.400": ("请求有误", "Bad request"),
    "error.401": ("请先登录", "Please sign in"),
    "error.403": ("无权查看此页面", "You may not see this page"),
    "error.404": ("未找到", "Not found"),
    "error.405": ("不支持此操作", "Method not allowed"),
    "error.409": ("与现有记录冲突", "Conflict with the stored records"),
    "error.422": ("输入有误", "Invalid input"),
    "error.500": ("服务器出错，详情已记入日志", "The server failed; the log has the details"),
    "error.503": ("数据存储暂时不可用", "The store is unavailable"),
    "network.frame": ("网络图", "network"),
    # -- the pages' forms (api/page_actions.py, the templates' #actions, handover, upload) --
    "sep": ("、", ", "),
    "col.target": ("对象", "Target"),
    "act.assign": ("指派联系领导", "Assign a contact leader"),
    "act.candidate": ("推荐领导", "Recommended leader"),
    "act.capacity": ("尚可联系", "Room left"),
    "act.leader": ("联系领导", "Contact leader"),
    "act.choose": ("请选择", "Choose"),
    "act.recommended_first": ("推荐（最合适的在前）", "Recommended (best first)"),
    "act.other_leaders": ("其他在任领导", "Other leaders in office"),
    "act.leader_search": ("查找领导", "Find a leader"),
    "act.leader_search_hint": ("姓名、拼音或首字母", "Name, pinyin or initials"),
    "act.leader_search_submit": ("查找", "Find"),
    "act.leader_found": ("查找结果", "Found"),
    "act.leader_none": ("没有在任领导名为“{text}”", "No leader in office is named “{text}”"),
    "act.with_capacity": ("{name}（尚可联系 {capacity}）", "{name} (room for {capacity})"),
    "act.since": ("开始日期", "Start date"),
    "act.assign_submit": ("指派", "Assign"),
    "act.end": ("结束联系", "End the contact"),
    "act.until": ("结束日期（当天起不再联系）", "End date (no contact from that day)"),
    "act.log": ("登记联系", "Log a contact"),
    "act.date": ("日期", "Date"),
    "act.kind": ("类型", "Kind"),
    "act.leaders": ("领导（可多选）", "Leaders (one or more)"),
    "act.summary": ("内容", "Summary"),
    "act.log_submit": ("登记", "Log"),
    "form.refused": ("未保存，请修改后重新提交：", "Not saved; correct these and submit again:"),
    "form.problem": ("{field}：{message}", "{field}: {message}"),
    "form.required": ("必须填写", "required"),
    "form.bad_date": (
        "日期无效或超出允许范围：{value}（格式 YYYY-MM-DD）",
        "invalid or out-of-range date: {value} (format YYYY-MM-DD)",
    ),
    "form.invalid_date": (
        "日期无效：{value}（格式 YYYY-MM-DD）",
        "invalid date: {value} (format YYYY-MM-DD)",
    ),
    "form.bad_kind": ("不是允许的类型：{value}", "not an allowed kind: {value}"),
    "form.too_long": ("太长", "too long"),
    "form.invalid": ("填写有误（{detail}）", "invalid ({detail})"),
    "form.no_key": (
        "表单缺少提交编号：请重新打开页面后再提交",
        "The form has no submission key: open the page again and submit",
    ),
    "form.csrf": (
        "表单校验失败（CSRF）：请重新打开页面后再提交",
        "The form failed its check (CSRF): open the page again and submit",
    ),
    "form.planner_only": ("只有规划人员（planner）可以这样做", "Only a planner may do this"),
    "form.cannot_log": ("{role} 角色不能登记联系", "the {role} role may not log contacts"),
    "form.not_found": ("找不到：{what}", "not found: {what}"),
    "form.conflict": ("与已有数据冲突：{what}", "conflicts with the stored data: {what}"),
    "form.already_assigned": (
        "这位领导已经在联系这个对象",
        "this leader already contacts this target",
    ),
    "form.one_leader_each": ("每个对象须对应一位领导", "each target needs one leader"),
    "form.one_choice_each": ("每个对象须对应一项选择", "each target needs one choice"),
    "form.choose_leaving": ("请选择离任的领导", "choose the leaving leaders"),
    "form.at_least_one": ("至少选择一位", "choose at least one"),
    "form.choose_gap": (
        "请至少选择一行有建议领导的缺口",
        "select at least one gap with a suggested leader",
    ),
    "field.leader_id": ("联系领导", "contact leader"),
    "field.target_id": ("联系对象", "target"),
    "field.since": ("开始日期", "start date"),
    "field.until": ("结束日期", "end date"),
    "field.date": ("日期", "date"),
    "field.kind": ("类型", "kind"),
    "field.leader_ids": ("领导", "leaders"),
    "field.target_ids": ("对象", "targets"),
    "field.successor_ids": ("接任领导", "successors"),
    "field.summary": ("内容", "summary"),
    "field.role": ("分工", "role"),
    "field.files": ("文件", "files"),
    "done.assign-contact": ("已指派联系领导。", "Contact leader assigned."),
    "done.end-contact": ("已结束联系。", "Contact ended."),
    "done.log-interaction": ("已登记联系。", "Contact logged."),
    "done.accept-suggestions": (
        "已按建议指派 {count} 个对象。",
        "{count} targets assigned as suggested.",
    ),
    "done.handover": (
        "移交完成：结束联系 {ended} 条，新建联系 {opened} 条。",
        "Handover done: {ended} contacts ended, {opened} opened.",
    ),
    "done.saved": ("已保存。", "Saved."),
    "handover.title": ("工作移交", "Handover"),
    "handover.help": (
        "选择离任（或调岗）的领导和日期：列出之后无人联系的对象及推荐的接任领导。"
        "确认后，离任领导的联系在该日结束，新的联系从该日开始，一次全部保存。",
        "Choose the leaving (or moving) leaders and a date: the targets left without a leader "
        "are listed with recommended successors. On confirming, the leavers' contacts end on "
        "that date and the new ones start on it, all saved at once.",
    ),
    "handover.leaving": ("离任领导（可多选）", "Leaving leaders (one or more)"),
    "handover.show": ("查看需移交的对象", "Show the targets to hand over"),
    "handover.orphaned": (
        "{leavers} 离任后无人联系的对象：{n} 个",
        "Targets left without a leader when {leavers} leave: {n}",
    ),
    "handover.successor": ("接任领导", "Successor"),
    "handover.successor_of": ("{name} 的接任领导", "Successor for {name}"),
    "handover.recommended": ("推荐", "Recommended"),
    "handover.unassigned": ("暂不指派", "Leave unassigned"),
    "handover.submit": ("确认移交", "Confirm the handover"),
    "accept.title": ("确认采纳建议", "Confirm the suggestions"),
    "accept.intro": (
        "将为以下 {n} 个对象指派联系领导（一次全部保存，任何一条有误则都不保存）：",
        "A contact leader will be assigned to these {n} targets (saved all at once; if any "
        "one is wrong, none is saved):",
    ),
    "accept.submit": ("确认指派", "Confirm"),
    "accept.skipped": ("没有建议领导、未包含：{ids}", "Left out, no suggested leader: {ids}"),
    "accept.back": ("返回缺口清单", "Back to the gaps"),
    "upload.title": ("上传数据", "Upload data"),
    "upload.help": (
        "上传表格文件（XLSX、CSV、JSON）或它们的 ZIP 压缩包。校验规则与命令行导入（{command}）"
        "完全相同：只要有一处问题，就一行也不保存；按编号更新已有记录。",
        "Upload table files (XLSX, CSV, JSON) or a ZIP of them. They are checked exactly as "
        "the command line's import ({command}) checks them: one problem anywhere and no row "
        "is saved; stored records are updated by id.",
    ),
    "upload.files": ("文件", "Files"),
    "upload.submit": ("校验并上传", "Check and upload"),
    "upload.refused": ("发现 {n} 个问题，未保存任何数据", "{n} problems found; nothing was saved"),
    "col.file": ("文件", "File"),
    "col.line": ("行", "Row"),
    "col.column": ("列", "Column"),
    "col.problem": ("问题", "Problem"),
    "upload.done": ("已保存：{rows} 行，来自 {files}", "Saved: {rows} rows from {files}"),
    "upload.inserted": ("新增", "New"),
    "upload.updated": ("更新", "Updated"),
    "upload.unchanged": ("未变", "Unchanged"),
    # -- the analysis pages (api/page_analyses.py and their templates) --
    "an.of_total": ("共 {total} 项", "{total} items"),
    "an.none": ("无", "none"),
    "an.bad_status": (
        "status：无此状态 {value!r}，可选 {choices}",
        "status: no such status {value!r}; choose from {choices}",
    ),
    "an.bad_date": (
        "{field}：日期格式应为 YYYY-MM-DD，收到 {value!r}",
        "{field}: a date is written YYYY-MM-DD, got {value!r}",
    ),
    "an.reversed": (
        "from：开始日期 {start} 晚于结束日期 {end}",
        "from: the start date {start} is after the end date {end}",
    ),
    "blind.title": ("盲区分析", "Blind spots"),
    "blind.matrix": ("区域 × 类别覆盖", "Coverage by area and category"),
    "blind.matrix_help": (
        "每格：已覆盖 / 人士数；颜色按覆盖率（已覆盖 ÷ 人士），红为 0%，绿为 100%；"
        "空格表示该区域无此类人士。",
        "Each cell: covered / figures; coloured by coverage (covered ÷ figures), red for 0%, "
        "green for 100%; an empty cell means the area has no figures of that category.",
    ),
    "blind.cell_ratio": ("覆盖率 {percent}%", "coverage {percent}%"),
    "blind.no_station": ("没有民族工作站的乡镇街道", "Towns without an ethnic work station"),
    "blind.units_outside": ("未纳入联席会议的驻区单位", "Units outside the joint meeting"),
    "blind.unit": ("单位", "Unit"),
    "blind.lines_help": (
        "覆盖率 = 已覆盖 ÷ 对象；可及率 = （已覆盖 + 间接覆盖）÷ 对象。"
        "中心线的比例为领导联系数达标和乡镇街道有工作站的综合。",
        "Coverage = covered ÷ targets; reach = (covered + indirect) ÷ targets. The center "
        "line's share combines leaders meeting their quota and towns with a work station.",
    ),
    "blind.covered": ("已覆盖", "Covered"),
    "blind.center": (
        "领导达标 {ok}/{leaders} · 工作站 {stations}/{towns}",
        "leaders at quota {ok}/{leaders} · stations {stations}/{towns}",
    ),
    "single.title": ("单点联系", "Single points"),
    "single.help": (
        "只有一位联系领导的对象：这位领导调离后即无人联系。",
        "Targets with only one contact leader: nobody contacts them once that leader leaves.",
    ),
    "single.leader": ("唯一联系领导", "Only leader"),
    "suggest.title": ("联系建议", "Suggestions"),
    "suggest.help": (
        "为没有在联领导的对象，在领导联系上限之内，全区统一求出的分配（成本越低越合适）。",
        "One district-wide assignment for the targets without a leader in office, within "
        "each leader's maximum (the lower the cost, the better the fit).",
    ),
    "suggest.both": ("未覆盖+久未联系", "uncovered and stale"),
    "suggest.cost": ("成本", "Cost"),
    "changes.title": ("状态变化", "Changes"),
    "changes.from": ("从", "From"),
    "changes.to": ("到", "To"),
    "changes.compare": ("比较", "Compare"),
    "changes.total": ("共 {total} 个对象状态改变", "{total} targets changed status"),
    "changes.change": ("变化", "Change"),
    "changes.count": ("对象数", "Targets"),
    "changes.was": ("原状态", "Was"),
    "changes.now": ("现状态", "Now"),
    "search.title": ("查找", "Search"),
    "search.help": (
        "按名称、编号、拼音或拼音首字母查找（如 {name}、{pinyin}、{initials}）。",
        "Find by name, id, pinyin or pinyin initials (e.g. {name}, {pinyin}, {initials}).",
    ),
    "search.total": ("“{q}”：共 {total} 项", "“{q}”: {total} items"),
    "search.first": ("，显示前 {shown} 项", ", the first {shown} shown"),
    "area.parent": ("上级：", "Above: "),
    "area.targets": ("联系对象（含下级）", "Targets (with the areas below)"),
    "area.below": ("下级区域", "Areas below"),
    "area.gaps": ("缺口", "Gaps"),
    "area.gaps_total": ("未覆盖和久未联系，共 {total} 项", "uncovered and stale, {total} in all"),
    "area.filter_gaps": ("在缺口清单中筛选", "Filter in the gap list"),
    "area.suggestions": ("联系建议", "Suggestions"),
    "area.all_gaps": ("查看全部 {total} 项", "See all {total}"),
    "area.map": ("覆盖图", "Coverage map"),
    "area.full_screen": ("全屏打开", "Open full screen"),
    "area.map_title": ("{name} 覆盖图", "Coverage map of {name}"),
    # -- the network pages (graph/render.py, graph/templates/network.*) --
    "net.title.leader": ("{name} 的联系网络", "Contact network of {name}"),
    "net.title.ego": ("{name} 的关系网络（{depth} 步）", "Network of {name} ({depth} steps)"),
    "net.title.area": ("{name} 覆盖图", "Coverage map of {name}"),
    "net.title.district": ("{name} 全区覆盖图", "District coverage map of {name}"),
    "net.title.towns": ("{name} 各乡镇街道覆盖图", "{name}: coverage by town"),
    "net.district": ("全区", "the district"),
    "net.targets_mix": ("对象：{mix}", "targets: {mix}"),
    "net.aggregated": (
        "共 {original} 个节点，超过 {limit} 个，已按区域和类别汇总为 {drawn} 个；饼图为状态构成",
        "{original} nodes are more than {limit}: grouped by area and category into {drawn} "
        "(each pie shows the status mix)",
    ),
    "net.fixed_layout": (
        "节点较多，布局已固定；点“自动排布”可让节点自行散开",
        "Many nodes: the layout is fixed; press Auto layout to let them spread",
    ),
    "net.find_hint": ("查找名称", "find by name"),
    "net.find": ("查找", "Find"),
    "net.found": ("{n} 个匹配", "{n} found"),
    "net.fit": ("适应窗口", "Fit"),
    "net.physics": ("自动排布", "Auto layout"),
    "net.filters": ("筛选", "Filters"),
    "net.show_interactions": ("显示联系活动", "Show interactions"),
    "net.depth": ("步数", "Depth"),
    "net.legend": ("图例", "Legend"),
    "net.legend.status": ("覆盖状态", "Coverage status"),
    "net.legend.ratio": (
        "覆盖率 = 已覆盖 ÷ 对象（圆越大，对象越多）",
        "coverage = covered ÷ targets (the bigger the circle, the more targets)",
    ),
    "net.legend.ratio_item": ("覆盖率 {ratio}", "coverage {ratio}"),
    "net.legend.nodes": ("节点", "Nodes"),
    "net.legend.group": ("汇总（饼图为状态构成）", "group (pie: status mix)"),
    "net.legend.edges": ("连线", "Ties"),
    "net.noscript": ("此页需要浏览器启用脚本。", "This page needs scripts enabled."),
    "net.more": ("…等 {n} 个", "… {n} in all"),
    "net.area_label": ("{name}\n覆盖 {covered}/{total}", "{name}\ncovered {covered}/{total}"),
    "net.card.id": ("编号", "ID"),
    "net.card.why": ("原因", "Why"),
    "net.card.department": ("单位", "Department"),
    "net.card.area_in_charge": ("分管区域", "Area"),
    "net.card.in_office": ("在任", "In office"),
    "net.card.assigned": ("联系对象", "Assigned targets"),
    "net.card.mix": ("覆盖情况", "Status mix"),
    "net.card.area_kind": ("区域类型", "Area kind"),
    "net.card.parent": ("上级", "Parent"),
    "net.card.targets_below": ("对象（含下级）", "Targets incl. below"),
    "net.card.ratio_reach": ("覆盖率 / 可及率", "Coverage / reach"),
    "net.card.activity": ("活动类型", "Activity"),
    "net.card.group": ("汇总", "Group"),
    "net.card.count": ("数量", "Count"),
    "net.card.all": ("全部", "all"),
    "net.card.includes": ("包含", "Includes"),
    "net.card.includes_areas": ("含下级区域", "Includes areas"),
    "net.card.from": ("从", "From"),
    "net.card.to": ("到", "To"),
    "net.card.role": ("分工", "Role"),
    "net.card.relation": ("关系", "Relation"),
    "net.why.covered": (
        "有联系领导，且 {last} 有联系活动（{window} 天内）",
        "assigned, and contacted on {last} (within {window} days)",
    ),
    "net.why.stale": (
        "有联系领导，但 {window} 天内无联系活动（最近一次 {last}）",
        "assigned, but not contacted within {window} days (last {last})",
    ),
    "net.why.stale_never": (
        "有联系领导，但 {window} 天内无联系活动（从未联系）",
        "assigned, but not contacted within {window} days (never contacted)",
    ),
    "net.why.indirect_recent": (
        "无联系领导，但 {last} 有联系活动（{window} 天内）",
        "not assigned, but contacted on {last} (within {window} days)",
    ),
    "net.why.indirect_member": (
        "无联系领导；与已覆盖对象 {via} 有成员关系",
        "not assigned; shares a membership with the covered {via}",
    ),
    "net.why.uncovered": (
        "无联系领导，{window} 天内无联系活动，也不与已覆盖对象有成员关系",
        "not assigned, not contacted within {window} days, no membership with a covered target",
    ),
}

#: Ties as words, by edge kind and direction from the page's entity ("out": the entity is
#: the edge's source). Chinese and English.
TIE_TEXT: dict[tuple[str, str], tuple[str, str]] = {
    ("contacts", "out"): ("联系", "contacts"),
    ("contacts", "in"): ("联系领导", "contact leader"),
    ("member_of", "out"): ("所属组织", "member of"),
    ("member_of", "in"): ("成员", "member"),
    ("related_to", "out"): ("其他关系", "related to"),
    ("related_to", "in"): ("其他关系", "related to"),
    ("took_part", "out"): ("参与", "took part in"),
    ("took_part", "in"): ("参与领导", "taken part by"),
    ("concerns", "out"): ("涉及", "concerns"),
    ("concerns", "in"): ("涉及本对象的活动", "concerned by"),
    ("located_in", "out"): ("位于", "located in"),
    ("located_in", "in"): ("区内", "located here"),
    ("part_of", "out"): ("隶属", "part of"),
    ("part_of", "in"): ("下辖", "contains"),
    ("in_charge_of", "out"): ("分管", "in charge of"),
    ("in_charge_of", "in"): ("分管领导", "leader in charge"),
}
_missing_ties = {k for k in SCHEMA.raw["edge_kinds"]} - {k for k, _ in TIE_TEXT}
if _missing_ties:
    raise ValueError(f"graph/views/labels.py: TIE_TEXT has no words for edge kinds {_missing_ties}")


def ui_text(key: str, language: str = "zh", **values: object) -> str:
    """The page text ``key`` in ``language`` (``zh`` or ``en``), with ``values`` filled in."""
    chinese, english = UI_TEXT[key]
    text = english if language == "en" else chinese
    return text.format(**values) if values else text


def tie_text(kind: str, direction: str, language: str = "zh") -> str:
    """A tie in words: ``member_of`` seen from the organization is 成员."""
    chinese, english = TIE_TEXT[(kind, direction)]
    return english if language == "en" else chinese


def kind_text(kind: str, language: str = "zh") -> str:
    """A node kind as its label: 党外代表人士 for ``figure``."""
    if language == "en":
        return kind.replace("_", " ")
    return str(SCHEMA.node_kinds[kind]["label"])


def enum_text(enumeration: str, code: str | None, language: str = "zh") -> str:
    """An enumeration value as its label: Chinese from the schema, or the code in words."""
    if code is None or code == "":
        return ""
    if language == "en":
        return str(code).replace("_", " ")
    labels: dict[str, str] = SCHEMA.enumerations[enumeration]
    return labels.get(code, str(code))


# -- leader activity ----------------------------------------------------------------------

#: A leader whose stale share is at least this needs attention, whatever its quota says.
STALE_SHARE_WARNING = 0.5
#: ... as does one with no interaction for more than this many days (about half a window).
INACTIVE_DAYS = 180


def activity_warnings(item: dict[str, Any], as_of: dt.date) -> list[str]:
    """The activity warnings of one leader-load row (``leaders`` answer item), as
    ``UI_TEXT`` keys: ``activity.stale_share`` when at least ``STALE_SHARE_WARNING`` of its
    assigned targets are stale; ``activity.never`` when it has targets but no interaction
    at all; ``activity.inactive`` when its last interaction is more than ``INACTIVE_DAYS``
    before ``as_of``. Empty when none applies. The quota status counts targets; this
    says whether they are being met.

    >>> activity_warnings({"assigned": 9, "stale_share": 0.78,
    ...                    "last_interaction": "2025-09-03"}, dt.date(2026, 6, 30))
    ['activity.stale_share', 'activity.inactive']
    >>> activity_warnings({"assigned": 0, "stale_share": 0.0, "last_interaction": None},
    ...                   dt.date(2026, 6, 30))
    []
    """
    warnings = []
    if item["assigned"] and item["stale_share"] >= STALE_SHARE_WARNING:
        warnings.append("activity.stale_share")
    last = item.get("last_interaction")
    if item["assigned"] and last is None:
        warnings.append("activity.never")
    elif last is not None and (as_of - dt.date.fromisoformat(str(last))).days > INACTIVE_DAYS:
        warnings.append("activity.inactive")
    return warnings


def quota_reason(item: dict[str, Any], language: str = "zh") -> str:
    """Why a leader-load row has its quota status, in words: 不足：人士 2 < 3."""
    return ui_text(
        f"quota.{item['quota_status']}",
        language,
        figures=item["figures"],
        assigned=item["assigned"],
        quota_min=item["quota_min"],
        quota_max=item["quota_max"],
    )
