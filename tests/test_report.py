"""The progress report: an HTML page and an Excel workbook, opened and read back as their readers would."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from ensak.analytics.report import (
    VIEW_EVALUATION,
    VIEW_FUNNEL,
    VIEW_FUNNEL_ROLE,
    VIEW_FUNNEL_UNIT,
    VIEW_LEARNERS,
    VIEW_NUDGES,
    VIEW_SELF_ASSESSMENT,
    VIEW_SPREAD,
    VIEW_TASKS,
    VIEW_TIMELINE,
    write_report,
)
from ensak.cli import app

# The fixtures module is also loaded as a plugin (pytest_plugins below): let pytest rewrite its asserts.
pytest.register_assert_rewrite("fixtures_analytics")
from fixtures_analytics import ROSTER, TODAY  # noqa: E402

pytest_plugins = ["fixtures_analytics"]

SHEETS = [VIEW_TASKS, VIEW_LEARNERS, VIEW_SPREAD, VIEW_TIMELINE, VIEW_NUDGES, VIEW_FUNNEL, VIEW_FUNNEL_UNIT,
          VIEW_FUNNEL_ROLE, VIEW_SELF_ASSESSMENT, VIEW_EVALUATION]
# Pseudonyms follow the sorted learner ids: anna 01, bo 02, cilla 03, dan 04, eva 05, fia 06, gustav 07, …
NUDGED = {"Deltagare 07", "Deltagare 09", "Deltagare 05", "Deltagare 04", "Deltagare 10"}


@pytest.fixture(scope="module")
def report(analytics_course, tmp_path_factory) -> dict:
    return write_report(analytics_course.root, tmp_path_factory.mktemp("rapport"), today=TODAY,
                        gradebook=analytics_course.db_url)


@pytest.fixture(scope="module")
def html(report) -> str:
    return report["html"].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def workbook(report) -> dict[str, pd.DataFrame]:
    return pd.read_excel(report["xlsx"], sheet_name=None)


def personal_data() -> list[str]:
    people = [name for _, first, last, _, _ in ROSTER for name in (first, last)]
    return people + [f"{learner}@bibliotek.example" for learner, *_ in ROSTER]


def test_does_the_report_write_an_html_page_and_a_workbook(report):
    assert set(report) == {"html", "xlsx"}
    assert report["html"].suffix == ".html" and report["html"].stat().st_size > 0
    assert report["xlsx"].suffix == ".xlsx" and report["xlsx"].stat().st_size > 0
    assert TODAY.isoformat() in report["html"].name


def test_is_the_page_swedish_self_contained_and_in_reading_order(html):
    assert '<html lang="sv">' in html
    assert "Läget den 15 mars 2027 · 11 deltagare" in html
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    assert headings[:5] == ["Läget just nu", "Per uppgift", "Påminnelser", "Per deltagare", "Spridning över tid"]
    assert html.count("<svg") == 5, "completion, spread, timeline, funnel and self-assessment, inline"
    assert not re.search(r'<(img|script|link)[^>]+(src|href)="(http|file)', html), "nothing fetched from outside"


def test_does_every_chart_say_its_numbers_in_words_not_only_in_colour(html):
    assert "10 av 11 (91 %)" in html        # completion bars carry count and share
    assert "Långsammaste: 0" in html         # spread lines are labelled at their ends
    assert "Snabbaste och median: 5" in html
    assert "efter 3,7 (+1,8)" in html        # self-assessment values written out
    assert html.count("<pattern") >= 2       # hatching tells bars apart without colour
    assert html.count("<figcaption>") == 5


def test_does_the_page_show_the_spread_and_whom_to_nudge_and_why(html):
    assert re.search(r"<dt>Spridning \(snabbaste − långsammaste\)</dt><dd>5 uppgifter</dd>", html)
    assert re.search(r"<dt>Kvartilavstånd \(den mittersta hälften\)</dt><dd>2,5 uppgifter</dd>", html)
    assert "Ingen inlämning på 21 dagar (senast 22 februari)." in html
    assert "Att [namn] och jag kan blogga nu." in html
    assert "En svarsfil var skadad" in html


def test_are_learners_pseudonymous_by_default(html, workbook):
    for text in personal_data():
        assert not re.search(rf"\b{re.escape(text)}\b", html), text
    for name, sheet in workbook.items():
        cells = sheet.to_string()
        for text in personal_data():
            assert not re.search(rf"\b{re.escape(text)}\b", cells), (name, text)
    assert "Deltagare 07" in html


def test_does_the_workbook_have_one_sheet_per_view_with_the_same_numbers(workbook):
    assert list(workbook) == SHEETS
    tasks = workbook[VIEW_TASKS]
    assert tasks["Inlämnade"].tolist() == [10, 9, 8, 7, 6]
    assert tasks["Andel"].tolist() == pytest.approx([10 / 11, 9 / 11, 8 / 11, 7 / 11, 6 / 11])
    assert set(workbook[VIEW_NUDGES]["Deltagare"]) == NUDGED
    assert workbook[VIEW_NUDGES]["Varför"].str.len().min() > 20
    spread = workbook[VIEW_SPREAD].iloc[-1]
    assert (spread["Median (uppgifter)"], spread["Spridning (snabbaste − långsammaste)"], spread["Kvartilavstånd"]) \
        == (5, 5, 2.5)
    assert workbook[VIEW_FUNNEL]["Antal deltagare"].tolist() == [11, 10, 9, 8, 7, 6, 6]
    assert len(workbook[VIEW_EVALUATION]) == 16
    assert workbook[VIEW_LEARNERS]["Klar med kursen"].value_counts().to_dict() == {"ja": 6, "nej": 5}


def test_are_names_shown_when_asked_for(analytics_course, tmp_path):
    paths = write_report(analytics_course.root, tmp_path, with_names=True, today=TODAY,
                         gradebook=analytics_course.db_url)
    nudges = pd.read_excel(paths["xlsx"], sheet_name=VIEW_NUDGES)
    assert set(nudges["Deltagare"]) == {"gustav", "ivar", "eva", "dan", "jon"}
    assert "gustav@bibliotek.example" in set(nudges["E-post"])
    assert "Gustav" in paths["html"].read_text(encoding="utf-8")


def test_can_a_report_be_written_before_anyone_has_submitted(analytics_course, tmp_path):
    paths = write_report(analytics_course.root, tmp_path, today=dt.date(2027, 1, 10),
                         gradebook=analytics_course.db_url)
    tasks = pd.read_excel(paths["xlsx"], sheet_name=VIEW_TASKS)
    assert tasks["Inlämnade"].tolist() == [0] * 5
    html = paths["html"].read_text(encoding="utf-8")
    assert "visas först när minst 5 personer har svarat" in html, "the evaluation was not written yet"


def test_does_ensak_report_write_both_files_from_the_command_line(analytics_course, tmp_path):
    result = CliRunner().invoke(app, ["report", "-C", str(analytics_course.root), "--out", str(tmp_path),
                                      "--today", TODAY.isoformat()],
                                env={"ENSAK_DB_URL": analytics_course.db_url})
    assert result.exit_code == 0, result.output
    assert "Rapporten:" in result.output and "Arbetsboken:" in result.output
    written = sorted(p.suffix for p in tmp_path.iterdir())
    assert written == [".html", ".xlsx"]
