"""THRIVE grading: one known call per grade, negation, flags winning over text, and reasons shown."""

import pytest

from peelian.dispatch import Call, Grade, grade_call
from peelian.dispatch.cues import find_cues
from peelian.dispatch.proxy import chicago_grade
from peelian.errors import PeelianError


def factor(grading, name):
    return next(f for f in grading.factors if f.factor == name)


def test_a_weapon_with_the_offender_there_is_immediate_and_says_why():
    graded = grade_call(Call("He has a knife and he is still here"))
    assert graded.grade is Grade.IMMEDIATE
    threat = factor(graded, "threat")
    assert threat.level == "high"
    assert 'text "knife"' in threat.triggers and 'text "still here"' in threat.triggers
    assert graded.reasons[0].startswith("threat high")
    names = ["threat", "harm", "risk", "investigation", "vulnerability", "engagement"]
    assert [f.factor for f in graded.factors] == names


@pytest.mark.parametrize(
    ("text", "grade"),
    [
        ("My husband is not breathing", Grade.IMMEDIATE),
        ("Someone is breaking in right now", Grade.IMMEDIATE),
        ("My neighbour punched me yesterday", Grade.PRIORITY),
        ("My elderly mother is confused and on her own", Grade.PRIORITY),
        ("A lad grabbed my phone and ran off towards the station", Grade.PRIORITY),
        ("Someone scratched my car overnight", Grade.SCHEDULED),
        ("My bike was stolen last week, I just want a crime number for insurance", Grade.RESOLVE),
    ],
)
def test_each_grade_from_the_words_of_a_call(text, grade):
    assert grade_call(Call(text)).grade is grade


def test_negated_cues_are_ruled_out_and_shown():
    graded = grade_call(Call("No weapon seen, nobody is hurt; my shed was broken into overnight"))
    assert graded.grade is Grade.SCHEDULED
    assert factor(graded, "threat").level == "low"
    assert 'text ruled out "weapon"' in factor(graded, "threat").triggers
    assert 'text ruled out "hurt"' in factor(graded, "harm").triggers
    assert [c.negated for c in find_cues("I didn't see a gun but he was armed")] == [True, False]


def test_the_handlers_flags_win_over_the_text():
    assert grade_call(Call("he has a gun and is still here", weapon=False)).grade is Grade.PRIORITY
    graded = grade_call(Call("shoplifter", in_progress=True, offender_present=True))
    assert graded.grade is Grade.IMMEDIATE
    assert factor(graded, "risk").triggers == ("flag in_progress=yes", "flag offender_present=yes")
    assert grade_call(Call("", caller_safe=False, violence=True)).grade is Grade.IMMEDIATE


def test_a_threatened_child_is_immediate_and_grading_is_deterministic():
    call = Call("my ex keeps threatening me and the kids")
    assert grade_call(call).grade is Grade.IMMEDIATE
    assert grade_call(call) == grade_call(call)
    assert grade_call(call).to_dict()["grade"] == "Immediate"


def test_grades_parse_from_labels_and_the_chicago_proxy_maps_types():
    assert Grade.parse("resolve without deployment") is Grade.RESOLVE and Grade.parse(1) is Grade.PRIORITY
    with pytest.raises(PeelianError, match="unknown grade"):
        Grade.parse("urgent")
    assert chicago_grade("BATTERY", "AGGRAVATED: HANDGUN") is Grade.IMMEDIATE
    assert chicago_grade("BATTERY", "DOMESTIC BATTERY SIMPLE") is Grade.PRIORITY
    assert chicago_grade("THEFT", "$500 AND UNDER") is Grade.SCHEDULED
    assert chicago_grade("DECEPTIVE PRACTICE", "CREDIT CARD FRAUD") is Grade.RESOLVE
