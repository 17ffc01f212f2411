"""What analysts get from a real course cycle: pseudonyms unless names are asked for, and no evaluation
answers from a group too small to stay anonymous."""

from __future__ import annotations

import io
import re
import zipfile

import pandas as pd
import pytest
from typer.testing import CliRunner

from ensak.analytics import progress as P
from ensak.analytics.collected import KEY, LEARNER, SAVED, TASK, VALUE
from ensak.cli import app

pytest.register_assert_rewrite("fixtures_reliability")
from fixtures_reliability import PEOPLE, TODAY  # noqa: E402

pytest_plugins = ["fixtures_reliability"]
pytestmark = pytest.mark.slow


def readable(path) -> str:
    data = path.read_bytes()
    if zipfile.is_zipfile(io.BytesIO(data)):  # the Excel workbook
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "".join(archive.read(name).decode("utf-8", errors="ignore") for name in archive.namelist())
    return data.decode("utf-8", errors="ignore")


def names(person: dict, text: str) -> list[str]:
    """The person's id, names and address where they stand as whole words in `text`."""
    words = [person["id"], person["first_name"], person["last_name"], person["email"]]
    return [word for word in words if re.search(rf"(?<![\w.@-]){re.escape(word)}(?![\w@-])", text)]


@pytest.fixture(scope="module")
def reports(graded_course, tmp_path_factory):
    runner = CliRunner()
    written = {}
    for label, extra in (("pseudonyms", []), ("names", ["--with-names"])):
        out = tmp_path_factory.mktemp(label)
        result = runner.invoke(app, ["report", "--out", str(out), "--today", TODAY.isoformat(),
                                     "-C", str(graded_course), *extra])
        assert result.exit_code == 0, result.output
        written[label] = "".join(readable(p) for p in out.iterdir())
    return written


def test_does_the_default_report_carry_pseudonyms_and_no_one_s_name(reports):
    assert "Deltagare 01" in reports["pseudonyms"]
    for person in PEOPLE:
        assert names(person, reports["pseudonyms"]) == []


def test_are_names_shown_only_when_asked_for(reports):
    for person in PEOPLE:
        assert {person["last_name"], person["email"]} <= set(names(person, reports["names"]))


def evaluation(respondents: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    people = pd.DataFrame({LEARNER: [f"p{n}" for n in range(respondents)], "first_name": "Anna",
                           "last_name": "Berg", "unit": "Filialen"})
    answers = pd.DataFrame([(f"p{n}", "11-avslutning", "utvardering-bra", f"Svar nummer {n}.", "2027-06-01")
                            for n in range(respondents)], columns=[LEARNER, TASK, KEY, VALUE, SAVED])
    return answers, people


@pytest.mark.parametrize("respondents, shown", [(3, 0), (4, 0), (5, 5)])
def test_is_the_evaluation_shown_without_names_and_never_for_fewer_than_five(respondents, shown):
    answers, people = evaluation(respondents)
    comments = P.evaluation_comments(answers, people)
    assert len(comments) == shown
    assert LEARNER not in comments.columns
