"""The `ensak` command as a coordinator meets it when something is wrong (issue 13, point 11): a Swedish
message that says what to do, exit code 1, no traceback (unless --debug) and nothing written.

A corpus of broken course.toml and message template files, made here, each run through the commands that
read them on the shipped course (tests/shipped_course.py: the `ensak` executable by its full path, the
repository's own nbgrader_config.py). What needs a stand-in (an unexpected failure) uses typer's runner.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from ensak.cli import app
from shipped_course import PEOPLE, Coordinator, changes, shipped_course, snapshot, staff_csv

pytestmark = pytest.mark.slow  # each run starts the ensak executable

SHIPPED_URL = 'url = "https://jupyter.bibliotek.example"'
MAIL = '\n[mail]\nfrom = "kurs@vaxjo.example"\nfrom_name = "Karin Åström, kurssamordnare"\n'


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """The shipped course with a roster, the login address and a sender, as after the first week."""
    root = tmp_path_factory.mktemp("cli")
    course = shipped_course(root / "kurs")
    coordinator = Coordinator(course, root / "hem")
    text = (course / "course.toml").read_text(encoding="utf-8")
    text = text.replace('organisation = "Biblioteket"', f'organisation = "Biblioteket"\n{SHIPPED_URL}') + MAIL
    (course / "course.toml").write_text(text, encoding="utf-8")
    imported = coordinator.run("roster", "import", str(staff_csv(root / "personal.csv", PEOPLE)))
    assert imported.code == 0, imported.text
    return coordinator, text


@pytest.fixture
def coordinator(shipped):
    """The module's course, its course.toml and messages/ as the fixture left them after each test."""
    coordinator, text = shipped
    yield coordinator
    (coordinator.course / "course.toml").write_text(text, encoding="utf-8")
    for template in (coordinator.course / "messages").glob("*"):
        template.unlink()


def line_of(text: str, start: str) -> int:
    """The number of the first line of `text` that begins with `start`."""
    return next(n for n, line in enumerate(text.splitlines(), start=1) if line.startswith(start))


def broken(text: str) -> dict[str, tuple[str, str]]:
    """{case: (course.toml, what the message must say)} for the mistakes coordinators make."""
    misspelt = text.replace('title = "Lärplattformen"', 'title = "Lärplattformen"\nrelase = 2027-02-01')
    unpadded = text.replace("start = 2027-01-11", "start = 2027-1-11")
    in_words = 'days_inactive = "tre veckor"'
    words = text.replace("days_inactive = 21", in_words)
    return {
        "misspelt key": (misspelt, f"okänd nyckel 'relase' på rad {line_of(misspelt, 'relase = 2027-02-01')} "
                                   "(uppgift 1, '01-larplattformen') – menade du 'release'?"),
        "date without zeros": (unpadded, f"rad {line_of(unpadded, 'start = 2027-1-11')} (start = 2027-1-11          # "
                                         "the kickoff is released on this date). Datum "
                                         "skrivs ÅÅÅÅ-MM-DD med två siffror för månad och dag, till exempel "
                                         "start = 2027-01-11."),
        "days in words": (words, f"[nudge] days_inactive på rad {line_of(words, in_words)} ska vara ett helt tal"),
        "text without quotes": (text.replace('title = "Lärplattformen"', "title = Lärplattformen"),
                                'Text skrivs inom citattecken, till exempel title = "Lärplattformen"'),
    }


def refused_before_writing(coordinator: Coordinator, *args: str, message: str) -> None:
    before = snapshot(coordinator.course)
    result = coordinator.run(*args)
    assert result.code == 1, result.text
    assert message in result.text
    assert "Traceback" not in result.text and "Error" not in result.text
    assert changes(before, snapshot(coordinator.course)) == [], "nothing may be written"


@pytest.mark.parametrize("case", ["misspelt key", "date without zeros", "days in words", "text without quotes"])
def test_does_a_broken_course_file_stop_ensak_in_swedish_before_writing(coordinator, shipped, case):
    text, message = broken(shipped[1])[case]
    (coordinator.course / "course.toml").write_text(text, encoding="utf-8")
    commands = [["report"], ["schedule", "--ics", "plan.ics"]]
    if case == "misspelt key":  # every command reads the plan first
        commands += [["release", "--due"], ["sync"], ["message", "thanks", "--send"]]
    for command in commands:
        refused_before_writing(coordinator, *command, message=message)


@pytest.mark.parametrize("encoding, bom", [("utf-8", b"\xef\xbb\xbf"), ("cp1252", b"")])
def test_is_a_course_file_from_notepad_read(coordinator, shipped, encoding, bom):
    text = shipped[1].replace('title = "En sak i taget"', 'title = "Sök & dela i Växjö"')
    (coordinator.course / "course.toml").write_bytes(bom + text.encode(encoding))
    result = coordinator.run("schedule")
    assert result.code == 0, result.text
    assert "Sök & dela i Växjö" in result.out


def test_does_a_wrong_sender_stop_sending_with_the_line(coordinator, shipped):
    wrong = 'from = "kurs(at)vaxjo.se"'
    text = shipped[1].replace('from = "kurs@vaxjo.example"', wrong)
    (coordinator.course / "course.toml").write_text(text, encoding="utf-8")
    refused_before_writing(coordinator, "message", "thanks", "--send", "--force",
                           message=f"[mail] from på rad {line_of(text, wrong)} i course.toml ska vara en e-postadress")


BROKEN_TEMPLATES = {
    "no subject line": ("Hej {{ learner.first_name }}!\n\nTack!\n", "ska börja med en rad 'Ämne: ...'"),
    "syntax error": ("Ämne: Tack\n\n{% if %}\n", "messages/thanks.txt.j2 har ett fel på rad 3"),
    "misspelt name": ("Ämne: Tack {{ lerner.first_name }}\n\nText\n", "'lerner' is undefined"),
}


@pytest.mark.parametrize("case", list(BROKEN_TEMPLATES))
def test_does_a_broken_template_stop_sending_in_swedish_before_writing(coordinator, case):
    text, message = BROKEN_TEMPLATES[case]
    (coordinator.course / "messages").mkdir(exist_ok=True)
    (coordinator.course / "messages" / "thanks.txt.j2").write_text(text, encoding="utf-8")
    refused_before_writing(coordinator, "message", "thanks", "--send", "--force", "--outbox", message=message)


def test_does_a_template_saved_with_a_bom_preview(coordinator):
    (coordinator.course / "messages").mkdir(exist_ok=True)
    (coordinator.course / "messages" / "thanks.txt.j2").write_bytes("\ufeffÄmne: Tack!\n\nVi ses.\n".encode())
    result = coordinator.run("message", "thanks")
    assert result.code == 0, result.text
    assert "Ämne: Tack!" in result.out and "Obs! Tacket säger att En sak i taget är avslutad" in result.out


def test_does_debug_show_the_traceback_instead(coordinator, shipped):
    (coordinator.course / "course.toml").write_text(broken(shipped[1])["misspelt key"][0], encoding="utf-8")
    result = coordinator.run("--debug", "report")
    assert result.code == 1 and "Traceback" in result.text and "CoursePlanError" in result.text


def test_does_generate_without_source_say_what_to_do(coordinator, tmp_path):
    for name in ("course.toml", "nbgrader_config.py"):
        (tmp_path / name).write_bytes((coordinator.course / name).read_bytes())
    result = coordinator.run("generate", cwd=tmp_path)
    assert result.code == 1
    assert "Mappen source/ saknas" in result.text and "Traceback" not in result.text


def test_does_the_confirmation_take_ja(coordinator):
    refused = coordinator.run("forget", "finns_inte", input="nej\n")
    assert refused.code == 1 and "[j/n]" in refused.out and "Inget har tagits bort." in refused.text
    asked = coordinator.run("forget", "finns_inte", input="ja\n")
    assert asked.code == 0 and "Inget har tagits bort." not in asked.text, asked.text


def test_does_sync_on_a_fresh_course_say_there_is_nothing_to_do(tmp_path):
    fresh = Coordinator(shipped_course(tmp_path / "kurs"), tmp_path / "hem")
    result = fresh.run("sync")
    assert result.code == 0, result.text
    assert "Inget nytt att samla in" in result.out


# ---- what needs a stand-in: typer's runner in this process ----

@pytest.mark.parametrize("answer, proceeds", [("j", True), ("y", True), ("yes", True), ("n", False), ("", False)])
def test_does_the_confirmation_understand_swedish_and_english(shipped, answer, proceeds):
    course = shipped[0].course
    result = CliRunner().invoke(app, ["forget", "finns_inte", "-C", str(course)], input=f"{answer}\n")
    assert "[j/n]" in result.output and result.exit_code == (0 if proceeds else 1)
    assert ("Inget har tagits bort." in result.output) is not proceeds


def test_is_an_unexpected_failure_one_swedish_sentence(shipped, monkeypatch):
    import ensak.analytics.report as report

    def broken_report(*args, **kwargs):
        raise KeyError("learner")

    monkeypatch.setattr(report, "report_command", broken_report)
    result = CliRunner().invoke(app, ["report", "-C", str(shipped[0].course)])
    assert result.exit_code == 1
    assert "Något oväntat gick fel (KeyError: 'learner')" in result.output and "--debug" in result.output
    assert "Traceback" not in result.output


TYPOS = {
    "an option misspelt": (("release", "--dur"), "ensak release har inget val som heter --dur. Menade du --due?"),
    "a command that does not exist": (("relese",), "ensak har inget kommando som heter relese."),
    "the file left out": (("roster", "import"), "ensak roster import behöver FILE."),
    "a date written the Swedish way": (("release", "--due", "--today", "15/3/2027"),
                                       "--today: skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2027-03-15."),
    "a value left out": (("message", "invitation", "--task"), "--task behöver ett värde efter sig."),
    "a word too many": (("report", "nu"), "ensak report fick mer än det tar emot (nu)."),
}


@pytest.mark.parametrize("case", TYPOS)
def test_is_a_command_typed_wrongly_answered_in_swedish_before_anything_is_done(coordinator, case):
    args, message = TYPOS[case]
    before = snapshot(coordinator.course)
    result = coordinator.run(*args)
    assert result.code == 2, result.text
    assert message in result.err and "--help" in result.err
    assert "Något oväntat" not in result.text and "Traceback" not in result.text
    assert changes(before, snapshot(coordinator.course)) == []


def test_does_a_group_without_its_command_show_its_help_only(coordinator):
    result = coordinator.run("roster")
    assert result.code == 2
    assert "import" in result.text and "link" in result.text
    assert "Något oväntat" not in result.text
