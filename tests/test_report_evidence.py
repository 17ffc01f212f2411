"""The report shows what was done for real (evidence per task; per learner only with names) and which
platforms each unit's network blocks, from the access check in task 0."""

from __future__ import annotations

import pandas as pd
import pytest

from ensak.analytics import progress as P
from ensak.analytics.gradebook import LEARNER, SUBMITTED, TASK, TASK_NUMBER, TITLE, UNIT
from ensak.analytics.report import load_views, render_html
from ensak.course.plan import load_course


def test_are_hand_ins_without_evidence_counted_apart():
    progress = pd.DataFrame({LEARNER: ["a", "b", "c", "a"], TASK: ["t1", "t1", "t1", "t0"],
                             TASK_NUMBER: [1, 1, 1, 0], TITLE: ["Blogg"] * 3 + ["Start"],
                             SUBMITTED: [True, True, False, True]})
    evidence = pd.DataFrame({LEARNER: ["a", "b", "c"], TASK: ["t1"] * 3, "evidence": ["https://x.se", "kort", ""],
                             "evidence_ok": [True, False, False]})
    table = P.evidence_by_task(progress, evidence, ["t1"])
    assert table.to_dict("records") == [{TASK_NUMBER: 1, TITLE: "Blogg", P.SUBMISSIONS: 2, P.WITH_EVIDENCE: 1,
                                         P.WITHOUT_EVIDENCE: 1}]


def test_are_blocks_counted_per_unit_of_those_who_tested():
    access = pd.DataFrame({LEARNER: ["a", "b", "c"], "blocked": [["Facebook", "Instagram"], ["Facebook"], []]})
    people = pd.DataFrame({LEARNER: ["a", "b", "c"], UNIT: ["Åby", "Åby", "Stadsbiblioteket"]})
    table = P.access_blocks_by_unit(access, people)
    assert table.to_dict("records") == [
        {UNIT: "Åby", P.PLATFORM: "Facebook", P.BLOCKED_FOR: 2, P.TESTED: 2},
        {UNIT: "Åby", P.PLATFORM: "Instagram", P.BLOCKED_FOR: 1, P.TESTED: 2},
    ]
    assert P.access_blocks_by_unit(access.iloc[2:], people).empty


@pytest.mark.slow
def test_does_the_demo_report_show_evidence_and_the_branchs_blocks(demo_run):
    course_dir = demo_run["course_dir"]
    today = load_course(course_dir).closes
    views = load_views(course_dir, today=today)
    assert views.evidence[P.SUBMISSIONS].sum() > 0
    assert (views.evidence[P.WITH_EVIDENCE] <= views.evidence[P.SUBMISSIONS]).all()
    blocked = set(views.access_blocks[views.access_blocks[UNIT] == "Filialen i Åby"][P.PLATFORM])
    assert blocked == {"Facebook", "Instagram"}, "the demo's branch library network blocks these two"
    assert "Stadsbiblioteket" not in set(views.access_blocks[UNIT])
    html = render_html(views)
    assert "Blockerade tjänster per enhet" in html and "Inlämningar med och utan bevis" in html
    assert views.evidence_detail.empty and "Bevis per deltagare" not in html, "no links to accounts without names"
    named = load_views(course_dir, today=today, with_names=True)
    assert not named.evidence_detail.empty and "Bevis per deltagare" in render_html(named)
    assert named.evidence_detail["evidence"].str.startswith("https://").any()
