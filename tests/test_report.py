"""The progress report: an HTML page and an Excel workbook, opened and read back as their readers would."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from ensak.analytics.report import (
    VIEW_ACCESS,
    VIEW_EVALUATION,
    VIEW_EVIDENCE,
    VIEW_FUNNEL,
    VIEW_FUNNEL_ROLE,
    VIEW_FUNNEL_UNIT,
    VIEW_LEARNERS,
    VIEW_LEAVERS,
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
from fixtures_coordinator import empty_gradebook  # noqa: E402, F401

pytest_plugins = ["fixtures_analytics"]

SHEETS = [VIEW_TASKS, VIEW_LEARNERS, VIEW_SPREAD, VIEW_TIMELINE, VIEW_NUDGES, VIEW_FUNNEL, VIEW_FUNNEL_UNIT,
          VIEW_FUNNEL_ROLE, VIEW_SELF_ASSESSMENT, VIEW_EVALUATION, VIEW_LEAVERS, VIEW_EVIDENCE, VIEW_ACCESS]
# Pseudonyms follow the sorted learner ids: anna 01, bo 02, cilla 03, dan 04, eva 05, fia 06, gustav 07, …
NUDGED = {"Deltagare 07", "Deltagare 09", "Deltagare 05", "Deltagare 04"}


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
    assert "Ingen inlämning på de 49 dagar som gått sedan uppgift 1 släpptes (senast 18 januari)." in html
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
    assert set(nudges["Deltagare"]) == {"gustav", "ivar", "eva", "dan"}
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


# ---- issue 13: leavers, small groups, the named report, counts and numbers people read ----

def test_are_tasks_numbered_as_learners_see_them(workbook, html):
    assert workbook[VIEW_TASKS]["Nr"].tolist() == [0, 1, 2, 3, 4]
    assert "0. Välkommen" in html and "1. Blogga" in html


def test_does_a_mean_score_say_out_of_what(html, workbook):
    assert "<td class=\"num\">4 av 4</td>" in html
    assert workbook[VIEW_TASKS]["Maxpoäng"].tolist() == [4, 4, 4, 4, 4]


def test_are_small_units_and_roles_hidden_in_the_pseudonymised_report(workbook):
    # Units: Filial Norr has 4, so Stadsbiblioteket (7) would give it away; roles: chef 2, assistent 2.
    assert workbook[VIEW_FUNNEL_UNIT].empty and workbook[VIEW_FUNNEL_ROLE].empty
    learners = workbook[VIEW_LEARNERS].set_index("Deltagare")
    assert learners.loc["Deltagare 02", "Roll"] == "(färre än 5)"  # bo, the Stadsbiblioteket manager
    assert learners.loc["Deltagare 02", "Enhet"] == "Stadsbiblioteket"
    assert "chef" not in set(learners["Roll"])


def test_does_the_named_report_get_files_of_its_own_with_a_banner(analytics_course, tmp_path, report):
    named = write_report(analytics_course.root, report["html"].parent, with_names=True, today=TODAY,
                         gradebook=analytics_course.db_url)
    assert named["html"] != report["html"] and named["xlsx"] != report["xlsx"]
    assert "MED-NAMN" in named["html"].name
    pseudonymised = report["html"].read_text(encoding="utf-8")
    assert "Gustav" not in pseudonymised, "the pseudonymised report is never overwritten by the named one"
    page = named["html"].read_text(encoding="utf-8")
    assert 'class="banner"' in page and "innehåller deltagarnas namn och e-postadresser" in page
    sheets = pd.read_excel(named["xlsx"], sheet_name=None)
    assert list(sheets)[0] == "Innehåller namn"
    assert pd.read_excel(named["xlsx"], sheet_name=VIEW_FUNNEL_ROLE)["Grupp"].nunique() == 3  # names: all shown


def test_does_ensak_report_with_names_say_so(analytics_course, tmp_path):
    result = CliRunner().invoke(app, ["report", "-C", str(analytics_course.root), "--out", str(tmp_path),
                                      "--today", TODAY.isoformat(), "--with-names"],
                                env={"ENSAK_DB_URL": analytics_course.db_url})
    assert result.exit_code == 0, result.output
    assert "innehåller namn och e-postadresser" in result.output
    assert sorted(p.name.split("-")[1] for p in tmp_path.iterdir()) == ["MED", "MED"]


def small_report(tmp_path, empty_gradebook, roster: list[dict], submissions: dict, today=dt.date(2027, 1, 20)):
    import shutil

    from ensak.course.roster import write_roster
    from ensak.nbgrader.release import record_release
    from fixtures_coordinator import hand_in, make_course

    root = make_course(tmp_path / "kurs")
    shutil.copy2(empty_gradebook, root / "gradebook" / "gradebook.db")
    if roster:
        write_roster(root, pd.DataFrame(roster), today=dt.date(2027, 1, 1))
    record_release(root, "00-start", dt.date(2027, 1, 11))
    if submissions:
        hand_in(root, submissions)
    paths = write_report(root, tmp_path / "rapport", today=today)
    return root, paths, paths["html"].read_text(encoding="utf-8")


PERSON = {"first_name": "Anna", "last_name": "Berg", "email": "anna@bibliotek.example", "unit": "", "role": ""}


def test_does_the_report_say_1_uppgift_and_keep_to_whole_tasks(tmp_path, empty_gradebook):
    _, _, html = small_report(tmp_path, empty_gradebook, [{"id": "anna", **PERSON}],
                              {"anna": [("00-start", dt.datetime(2027, 1, 12, 10, tzinfo=dt.timezone.utc))]})
    assert "<dt>Medianen har lämnat in</dt><dd>1 uppgift</dd>" in html
    assert "1 deltagare" in html


def test_does_an_empty_course_chart_start_at_zero_with_whole_tasks(tmp_path, empty_gradebook):
    from ensak.analytics import progress as P
    from ensak.analytics.report import spread_chart

    _, _, html = small_report(tmp_path, empty_gradebook, [{"id": "anna", **PERSON}], {})
    assert "−0.04" not in html and "−0,04" not in html
    grid = pd.DataFrame({"learner": ["anna"], "submitted": [False], "timestamp": [pd.NaT],
                         "release": [pd.Timestamp("2027-01-11")]})
    figure = spread_chart(P.spread_over_time(grid, [dt.date(2027, 1, 11), dt.date(2027, 1, 18)]))
    ticks = figure.axes[0].get_yticks()
    assert min(ticks) >= 0 and all(float(t).is_integer() for t in ticks), ticks


def test_does_a_report_without_learners_say_to_import_the_roster(tmp_path, empty_gradebook):
    root, _, html = small_report(tmp_path, empty_gradebook, [], {})
    assert "ensak roster import FIL" in html
    result = CliRunner().invoke(app, ["report", "-C", str(root), "--out", str(tmp_path / "cli")])
    assert result.exit_code == 0 and "ensak roster import FIL" in result.output


def test_are_leavers_apart_and_out_of_every_count(tmp_path, empty_gradebook):
    from ensak.course.roster import write_roster

    people = [{"id": "anna", **PERSON}, {"id": "per", **{**PERSON, "first_name": "Per", "email": "per@b.example"}}]
    root, _, _ = small_report(tmp_path, empty_gradebook, people,
                              {"per": [("00-start", dt.datetime(2027, 1, 12, 10, tzinfo=dt.timezone.utc))]})
    write_roster(root, pd.DataFrame(people[:1]), today=dt.date(2027, 1, 15))  # Per leaves on 15 January
    paths = write_report(root, tmp_path / "efter", today=dt.date(2027, 2, 10))
    sheets = pd.read_excel(paths["xlsx"], sheet_name=None)
    assert sheets[VIEW_LEARNERS]["Deltagare"].tolist() == ["Deltagare 01"]
    assert sheets[VIEW_TASKS]["Inlämnade"].tolist()[0] == 0
    assert sheets[VIEW_TASKS]["Antal deltagare"].tolist()[0] == 1
    assert sheets[VIEW_LEAVERS]["Deltagare"].tolist() == ["Deltagare 02"]
    assert sheets[VIEW_LEAVERS]["Klara uppgifter"].tolist() == [1]
    assert "Deltagare 02" not in set(sheets[VIEW_NUDGES].get("Deltagare", []))
    html = paths["html"].read_text(encoding="utf-8")
    assert "1 deltagare · 1 avslutade" in html and '<h2>Avslutade</h2>' in html
    assert "per@b.example" not in html and not re.search(r"\bPer\b(?! (uppgift|deltagare|enhet|roll))", html)
