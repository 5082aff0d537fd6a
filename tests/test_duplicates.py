"""The duplicate finder (graph/engine/duplicates.py) on hand-built pairs.

Every expected score is worked out by hand from the weights in graph/schema/duplicates.yaml:
score = 1 / (1 + e^-(prior + the evidence's weights)), prior -3.
"""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from concentric.graph.engine.duplicates import (
    Candidate,
    Entity,
    canonical_ids,
    entity_of,
    find_duplicates,
    normalise_name,
)
from concentric.graph.schema.model import NodeRecord
from concentric.loaders import read_dataset


def logistic(total: float) -> float:
    return round(1 / (1 + math.exp(-total)), 3)


def only(entities: list[Entity], min_score: float | None = None) -> Candidate:
    found = find_duplicates(entities, min_score=min_score).candidates
    assert len(found) == 1, found
    return found[0]


# -- one test per normalisation rule ----------------------------------------------------------


def test_full_width_letters_are_the_same_name() -> None:
    pair = only(
        [
            Entity("O1", "organization", "ＡＢＣ科技协会"),
            Entity("O2", "organization", "ABC科技协会"),
        ]
    )
    assert (pair.left, pair.right, pair.kind) == ("O1", "O2", "organization")
    assert pair.score == logistic(-3 + 4.5)  # same once normalised, nothing else known
    assert pair.reasons[0].startswith("规范化后名称相同") and "全角/半角" in pair.reasons[0]


def test_spaces_are_removed() -> None:
    pair = only([Entity("F1", "figure", "张 伟"), Entity("F2", "figure", "张伟")])
    assert pair.score == logistic(-3 + 4.5)
    assert pair.reasons == ("规范化后名称相同（空格）",)


def test_full_width_space_and_separator() -> None:
    pair = only([Entity("F1", "figure", "阿不都·热合曼"), Entity("F2", "figure", "阿不都　热合曼")])
    assert pair.score == logistic(-3 + 4.5)
    assert "分隔符" in pair.reasons[0] and "空格" in pair.reasons[0]


def test_bracketed_qualifier_is_set_aside() -> None:
    assert normalise_name("兰州理工大学（本部）").core == "兰州理工大学"
    pair = only(
        [
            Entity("U1", "unit", "兰州理工大学", type="university", area_id="A1"),
            Entity("U2", "unit", "兰州理工大学（本部）", type="university", area_id="A1"),
        ]
    )
    # qualified name 3.5, same area 1, same kind 0.5
    assert pair.score == logistic(-3 + 3.5 + 1 + 0.5)
    assert pair.reasons == ("去掉本部后名称相同", "所在区域相同", "类型相同")


def test_branch_suffix_is_set_aside() -> None:
    assert normalise_name("兰州电力分公司") == normalise_name("兰州电力分公司")
    assert normalise_name("兰州电力分公司").core == "兰州电力"
    pair = only([Entity("U1", "unit", "兰州电力分公司"), Entity("U2", "unit", "兰州电力")])
    assert pair.score == logistic(-3 + 3.5)
    assert pair.reasons == ("去掉分公司后名称相同",)


def test_homophone_one_character_variant() -> None:
    pair = only(
        [
            Entity("F1", "figure", "张伟", area_id="A1", birth_year=1970),
            Entity("F2", "figure", "张玮", area_id="A1", birth_year=1970),
        ]
    )
    # homophone 2.5, birth year 1, area 1
    assert pair.score == logistic(-3 + 2.5 + 1 + 1)
    assert pair.reasons == ("读音相同（zhang wei），字不同", "出生年份相同（1970）", "所在区域相同")


def test_one_character_typo_in_a_long_unit_name() -> None:
    pair = only(
        [
            Entity("U1", "unit", "兰州理工大学", type="university", area_id="A1"),
            Entity("U2", "unit", "兰州理土大学", type="university", area_id="A1"),
        ]
    )
    # one edit 2, same area 1, same kind 0.5
    assert pair.score == logistic(-3 + 2 + 1 + 0.5)
    assert pair.reasons[0] == "名称仅一字之差（兰州理工大学 / 兰州理土大学）"


def test_same_phone_finds_people_whose_names_differ_by_one_character() -> None:
    people = [
        Entity("F1", "figure", "王小明", phone="13900001111"),
        Entity("F2", "figure", "王大明", phone="13900001111"),
    ]
    pair = only(people)
    assert pair.score == logistic(-3 + 1 + 3)
    assert pair.reasons[1] == "电话相同"
    # Without the phone the names alone (one edit, weight 1) stay under the default 0.5.
    apart = [Entity("F1", "figure", "王小明"), Entity("F2", "figure", "王大明")]
    assert find_duplicates(apart).candidates == []


def test_shared_organization_raises_the_score() -> None:
    people = [Entity("F1", "figure", "刘洋"), Entity("F2", "figure", "刘阳")]
    alone = only(people, min_score=0)
    together = find_duplicates(people, [("F1", "O1"), ("F2", "O1"), ("F2", "O2")]).candidates
    assert alone.score == logistic(-3 + 2.5)
    assert together[0].score == logistic(-3 + 2.5 + 1.5)
    assert together[0].reasons[-1] == "同属 1 个组织或单位"


def test_common_name_counts_for_less() -> None:
    people = [Entity(f"F{i:02d}", "figure", "李静", area_id="A1") for i in range(10)]
    found = find_duplicates(people).candidates
    assert len(found) == 45  # every pair of the ten
    # identical name 5, less ln(10 / 2) for ten records sharing it, same area 1
    assert {c.score for c in found} == {logistic(-3 + 5 - math.log(5) + 1)}
    assert "同名记录共 10 条，同名不足为凭" in found[0].reasons


# -- near misses that must not match ----------------------------------------------------------


def test_same_common_name_in_other_areas_and_birth_years_is_not_proposed() -> None:
    people = [
        Entity("F1", "figure", "张伟", area_id="A1", birth_year=1970, gender="m"),
        Entity("F2", "figure", "张伟", area_id="A5", birth_year=1985, gender="m"),
    ]
    assert find_duplicates(people).candidates == []
    scored = only(people, min_score=0)
    # identical 5, different birth year -4, same gender 0.3, different area -1.5
    assert scored.score == logistic(-3 + 5 - 4 + 0.3 - 1.5)
    assert "出生年份不同（1970 / 1985）" in scored.reasons
    assert "所在区域不同" in scored.reasons


def test_same_name_with_other_phone_and_area_is_not_proposed() -> None:
    people = [
        Entity("F1", "figure", "雷学豪", area_id="A1", phone="13900001111", gender="m"),
        Entity("F2", "figure", "雷学豪", area_id="A2", phone="13800002222", gender="m"),
    ]
    assert find_duplicates(people).candidates == []
    # identical 5, phone -1.5, gender 0.3, area -1.5
    assert only(people, min_score=0).score == logistic(-3 + 5 - 1.5 + 0.3 - 1.5)


def test_different_gender_is_not_proposed() -> None:
    people = [
        Entity("F1", "figure", "李娜", gender="m"),
        Entity("F2", "figure", "李娜", gender="f"),
    ]
    assert find_duplicates(people).candidates == []


def test_lanzhou_university_is_not_lanzhou_university_of_technology() -> None:
    units = [Entity("U1", "unit", "兰州大学"), Entity("U2", "unit", "兰州理工大学")]
    assert find_duplicates(units, min_score=0).candidates == []


def test_numbered_schools_are_different() -> None:
    units = [Entity("U1", "unit", "兰州市第一中学"), Entity("U2", "unit", "兰州市第二中学")]
    assert find_duplicates(units, min_score=0).candidates == []


def test_democratic_parties_and_religions_are_told_apart() -> None:
    # One character apart, same area and kind, but 民革 and 民盟 are two parties.
    orgs = [
        Entity("O1", "organization", "民革七里河区委员会", type="party_branch", area_id="A1"),
        Entity("O2", "organization", "民盟七里河区委员会", type="party_branch", area_id="A1"),
        Entity("O3", "organization", "七里河区佛教协会", type="religious_group", area_id="A1"),
        Entity("O4", "organization", "七里河区道教协会", type="religious_group", area_id="A1"),
    ]
    assert find_duplicates(orgs, min_score=0).candidates == []


def test_a_figure_and_a_unit_of_one_name_are_not_a_pair() -> None:
    mixed = [Entity("F1", "figure", "李明"), Entity("U1", "unit", "李明")]
    assert find_duplicates(mixed, min_score=0).candidates == []


def test_judged_pairs_are_skipped() -> None:
    people = [Entity("F1", "figure", "张 伟"), Entity("F2", "figure", "张伟")]
    assert find_duplicates(people, skip={("F1", "F2")}).candidates == []


# -- blocking ---------------------------------------------------------------------------------


def test_blocking_compares_few_pairs() -> None:
    # 200 units whose names share no character with each other, and one planted duplicate.
    units = [
        Entity(f"U{i:03d}", "unit", "".join(chr(0x4E00 + 4 * i + j) for j in range(4)))
        for i in range(200)
    ]
    units.append(Entity("U999", "unit", units[17].name + "（本部）"))
    result = find_duplicates(units)
    assert [(c.left, c.right) for c in result.candidates] == [("U017", "U999")]
    assert result.all_pairs == 201 * 200 // 2
    assert result.pairs_compared < 50


@pytest.mark.parametrize("areas", [70])
def test_a_big_block_is_compared_within_each_area(areas: int) -> None:
    # 70 people named 王芳, each in an area of their own, and one more in A00: over the block
    # limit (60), so only the two in A00 are compared.
    people = [Entity(f"F{i:02d}", "figure", "王芳", area_id=f"A{i:02d}") for i in range(areas)]
    people.append(Entity("F99", "figure", "王芳", area_id="A00"))
    result = find_duplicates(people, min_score=0)
    assert result.pairs_compared == 1
    assert [(c.left, c.right) for c in result.candidates] == [("F00", "F99")]


# -- planted duplicates in the sample district ------------------------------------------------

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
# Characters a typo never replaces: those the finder treats as telling names apart are the
# rule under test elsewhere; here a planted typo must be a plain one.
_KEEP = set("0123456789〇零一二三四五六七八九十百东西南北上下前后左右中")


def _planted_name(kind: str, name: str, turn: int) -> str:
    """A copy's name as another register would spell it, by one of four habits."""
    if kind == "figure":
        # A half-width or full-width space after the surname.
        return name[0] + (" ", "　")[turn % 2] + name[1:]
    habit = turn % 3
    if habit == 0:
        return name + "（本部）"
    if habit == 1:
        return " " + name + " "
    spot = next((i for i in range(2, len(name) - 1) if name[i] not in _KEEP), None)
    if len(name) < 5 or spot is None:
        return name + "(本部)"
    return name[:spot] + "甲" + name[spot + 1 :]


def test_planted_duplicates_are_found_with_few_false_ones() -> None:
    loaded = read_dataset([SAMPLE])
    assert not loaded.problems
    records = [n for n in loaded.dataset.nodes if n.kind in ("figure", "organization", "unit")]
    chosen = random.Random(16).sample(records, 60)
    copies = [
        NodeRecord(
            f"DUP-{r.id}",
            r.kind,
            {**r.props, "name": _planted_name(r.kind, r.props["name"], turn)},
        )
        for turn, r in enumerate(chosen)
    ]
    truth = {tuple(sorted((r.id, f"DUP-{r.id}"))) for r in chosen}
    found = find_duplicates([entity_of(r) for r in [*records, *copies]]).candidates
    pairs = {(c.left, c.right) for c in found}
    assert truth <= pairs  # recall 1
    assert len(pairs & truth) / len(pairs) >= 0.9  # precision


# -- what merged counting will read -----------------------------------------------------------


@given(st.lists(st.tuples(st.sampled_from("ABCDEFG"), st.sampled_from("ABCDEFG")), max_size=12))
def test_canonical_ids_join_chains_of_same_pairs(pairs: list[tuple[str, str]]) -> None:
    # Brute force: grow each id's group by following the pairs until nothing is added.
    ids = {node for pair in pairs for node in pair}
    expected = {}
    for node in ids:
        group = {node}
        grown = True
        while grown:
            grown = False
            for a, b in pairs:
                if (a in group) != (b in group):
                    group |= {a, b}
                    grown = True
        expected[node] = min(group)
    assert canonical_ids(pairs) == expected
