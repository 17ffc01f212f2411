"""The `ensak` command as a coordinator meets it when something is wrong (issue 13, point 11): a Swedish
message that says what to do, exit code 1, no traceback (unless --debug) and nothing written.

A corpus of broken course.toml and message template files, made here, each run through the commands that
read them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ensak.cli import app
from ensak.course.roster import write_roster
from fixtures_coordinator import (  # noqa: F401
    HUB_URL,
    MAIL_TOML,
    course_toml,
    empty_gradebook,
    make_course,
)

LEARNERS = pd.DataFrame([{"id": "anna", "first_name": "Anna", "last_name": "Berg", "email": "anna@bibliotek.example"}])


@pytest.fixture
def course(tmp_path, empty_gradebook) -> Path:
    root = make_course(tmp_path / "kurs", extra=MAIL_TOML, url=HUB_URL)
    shutil.copy2(empty_gradebook, root / "gradebook" / "gradebook.db")
    write_roster(root, LEARNERS)
    return root


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def run(root: Path, *args: str, env: dict | None = None, input: str | None = None):
    return CliRunner().invoke(app, [*args, "-C", str(root)], env={"ENSAK_SMTP_HOST": "", **(env or {})}, input=input)


GOOD = course_toml(url=HUB_URL) + MAIL_TOML


def line_of(text: str, line: str) -> int:
    return text.splitlines().index(line) + 1


MISSPELT = GOOD.replace('title = "Bloggar"', 'title = "Bloggar"\nrelase = 2027-02-01')
UNPADDED = GOOD.replace("start = 2027-01-11", "start = 2027-1-11")
WORDS_LINE = 'days_inactive = "tre veckor"'
IN_WORDS = GOOD + f"\n[nudge]\n{WORDS_LINE}\n"
BROKEN_COURSE_FILES = {
    "misspelt key": (MISSPELT, f"okänd nyckel 'relase' på rad {line_of(MISSPELT, 'relase = 2027-02-01')} "
                               "(uppgift 1, '01-blogg') – menade du 'release'?"),
    "date without zeros": (UNPADDED, f"rad {line_of(UNPADDED, 'start = 2027-1-11')} (start = 2027-1-11). "
                                     "Datum skrivs ÅÅÅÅ-MM-DD med två siffror för månad och dag, till exempel "
                                     "start = 2027-01-11."),
    "days in words": (IN_WORDS, f"[nudge] days_inactive på rad {line_of(IN_WORDS, WORDS_LINE)} ska vara ett helt tal"),
    "text without quotes": (GOOD.replace('title = "Bloggar"', "title = Bloggar"),
                            'Text skrivs inom citattecken, till exempel title = "Bloggar"'),
}
COMMANDS = [["report"], ["schedule", "--ics", "plan.ics"], ["release", "--due"], ["sync"], ["message", "thanks", "--send"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("case", list(BROKEN_COURSE_FILES))
def test_does_a_broken_course_file_stop_every_command_in_swedish_before_writing(course, case, command):
    text, message = BROKEN_COURSE_FILES[case]
    (course / "course.toml").write_text(text, encoding="utf-8")
    before = snapshot(course)
    result = run(course, *command)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output and "Error" not in result.output
    assert snapshot(course) == before, "nothing may be written"


@pytest.mark.parametrize("encoding, bom", [("utf-8", b"\xef\xbb\xbf"), ("cp1252", b"")])
def test_is_a_course_file_from_notepad_read(course, encoding, bom):
    (course / "course.toml").write_bytes(bom + GOOD.replace("En sak i taget", "Sök & dela i Växjö").encode(encoding))
    result = run(course, "schedule")
    assert result.exit_code == 0, result.output
    assert "Sök & dela i Växjö" in result.output


def test_does_a_wrong_sender_stop_sending_with_the_line(course):
    wrong = 'from = "kurs(at)vaxjo.se"'
    text = GOOD.replace('from = "kurs@bibliotek.example"', wrong)
    (course / "course.toml").write_text(text, encoding="utf-8")
    before = snapshot(course)
    result = run(course, "message", "thanks", "--send", "--force")
    assert result.exit_code == 1
    assert f"[mail] from på rad {line_of(text, wrong)}" in result.output and "Skriv @ i stället för (at)." in result.output
    assert snapshot(course) == before


BROKEN_TEMPLATES = {
    "no subject line": ("Hej {{ learner.first_name }}!\n\nTack!\n", "ska börja med en rad 'Ämne: ...'"),
    "syntax error": ("Ämne: Tack\n\n{% if %}\n", "messages/thanks.txt.j2 har ett fel på rad 3"),
    "misspelt name": ("Ämne: Tack {{ lerner.first_name }}\n\nText\n", "'lerner' is undefined"),
}


@pytest.mark.parametrize("case", list(BROKEN_TEMPLATES))
def test_does_a_broken_template_stop_sending_in_swedish_before_writing(course, case):
    text, message = BROKEN_TEMPLATES[case]
    (course / "messages").mkdir()
    (course / "messages" / "thanks.txt.j2").write_text(text, encoding="utf-8")
    before = snapshot(course)
    result = run(course, "message", "thanks", "--send", "--force", "--outbox")
    assert result.exit_code == 1
    assert message in result.output and "Mallen" in result.output
    assert "Traceback" not in result.output
    assert snapshot(course) == before and not (course / "outbox").exists()


def test_does_a_template_saved_with_a_bom_send(course):
    (course / "messages").mkdir()
    (course / "messages" / "thanks.txt.j2").write_bytes("\ufeffÄmne: Tack!\n\nVi ses.\n".encode("utf-8"))
    result = run(course, "message", "thanks", "--send", "--force")
    assert result.exit_code == 0, result.output
    assert "Skickade 1 meddelande " in result.output


def test_does_debug_show_the_traceback_instead(course):
    (course / "course.toml").write_text(BROKEN_COURSE_FILES["misspelt key"][0], encoding="utf-8")
    result = CliRunner().invoke(app, ["--debug", "report", "-C", str(course)])
    assert result.exit_code == 1 and type(result.exception).__name__ == "CoursePlanError"


def test_is_an_unexpected_failure_one_swedish_sentence(course, monkeypatch):
    import ensak.analytics.report as report

    def broken(*args, **kwargs):
        raise KeyError("learner")

    monkeypatch.setattr(report, "report_command", broken)
    result = run(course, "report")
    assert result.exit_code == 1
    assert "Något oväntat gick fel (KeyError: 'learner')" in result.output and "--debug" in result.output
    assert "Traceback" not in result.output


def test_does_generate_without_source_say_what_to_do(course):
    result = run(course, "generate")
    assert result.exit_code == 1
    assert "Mappen source/ saknas" in result.output and "Kör kommandot i kursens mapp" in result.output


@pytest.mark.parametrize("answer, proceeds", [("j", True), ("ja", True), ("y", True), ("yes", True),
                                              ("n", False), ("nej", False), ("", False)])
def test_does_the_confirmation_understand_swedish_and_english(course, answer, proceeds):
    result = run(course, "forget", "finns_inte", input=f"{answer}\n")
    assert "[j/n]" in result.output and result.exit_code == 1
    if proceeds:
        assert "Inget har tagits bort." not in result.output  # it went on, to forget's own refusal
    else:
        assert "Inget har tagits bort." in result.output


@pytest.mark.slow
def test_does_sync_on_a_fresh_course_say_there_is_nothing_to_do(tmp_path):
    from ensak.course.instance import create_instance

    root = create_instance(tmp_path / "kurs")
    (root / "gradebook" / "gradebook.db").unlink(missing_ok=True)
    result = run(root, "sync")
    assert result.exit_code == 0, result.output
    assert "Inget nytt att samla in" in result.output
