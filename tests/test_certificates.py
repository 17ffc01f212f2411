"""`ensak intyg`: a Swedish PDF certificate for everyone who finished (every task handed in, with its
evidence), read back with a PDF text extractor; none for those who did not finish."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from ensak.analytics.collected import EVIDENCE_OK, evidence_status, read_collected_answers, tasks_requiring_evidence
from ensak.analytics.gradebook import FIRST_NAME, LAST_NAME, LEARNER, SUBMITTED, TASK, load_progress
from ensak.course.plan import load_course
from ensak.outreach.certificates import finished_learners

pytestmark = pytest.mark.slow
ENSAK = Path(sys.executable).with_name("ensak")


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_does_every_finished_learner_get_a_certificate_and_nobody_else(demo_run, tmp_path):
    course_dir = demo_run["course_dir"]
    course = load_course(course_dir)
    out = tmp_path / "intyg"
    done = subprocess.run([str(ENSAK), "intyg", "--out", str(out), "--today", str(course.closes), "-C", str(course_dir)],
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    # Who finished, worked out here from the raw data: every task handed in, every evidence enough.
    progress = load_progress(course_dir)
    required = tasks_requiring_evidence(course_dir, course.task_ids)
    assert required, "the course's tasks ask for evidence of their real action"
    evidence = evidence_status(read_collected_answers(course_dir).answers, required)
    handed_in = progress[progress[SUBMITTED].astype(bool)].groupby(LEARNER)[TASK].nunique()
    all_in = set(handed_in[handed_in == len(course.tasks)].index)
    with_evidence = {learner for learner, group in evidence.groupby(LEARNER)
                     if set(group.loc[group[EVIDENCE_OK], TASK]) >= set(required)}
    expected = all_in & with_evidence
    people = progress.drop_duplicates(LEARNER).set_index(LEARNER)
    files = sorted(out.glob("kursintyg-*.pdf"))
    assert {f.stem.removeprefix("kursintyg-") for f in files} == expected
    assert 0 < len(files) < demo_run["learners"], "the demo cohort has colleagues who finished and some who did not"
    for path in files:
        learner = path.stem.removeprefix("kursintyg-")
        text = pdf_text(path)
        assert f"{people.loc[learner, FIRST_NAME]} {people.loc[learner, LAST_NAME]}" in text
        assert "Kursintyg" in text and course.title in text
        for task in course.tasks:
            assert task.title in text.replace("\n", " "), task.title
        hours = sum(t.minutes for t in course.tasks) / 60
        assert f"ungefär {int(hours)}" in text
    assert f"{len(files)} kursintyg" in done.stdout


def test_is_a_learner_without_evidence_not_finished():
    progress = pd.DataFrame({LEARNER: ["a", "a", "b", "b"], FIRST_NAME: ["A", "A", "B", "B"],
                             LAST_NAME: ["Ek", "Ek", "Ås", "Ås"], TASK: ["t0", "t1", "t0", "t1"],
                             SUBMITTED: [True, True, True, True]})
    evidence = pd.DataFrame({LEARNER: ["a", "b"], TASK: ["t1", "t1"], "evidence": ["https://x.se/1", "kort"],
                             EVIDENCE_OK: [True, False]})
    done = finished_learners(progress, evidence, {"t1": "bevis"}, ["t0", "t1"])
    assert list(done[LEARNER]) == ["a"]
