"""`ensak utdrag LEARNER`: a GDPR access request (registerutdrag, article 15) answered with one command, on the
shipped course after a real cycle driven as docs/coordinator.md tells the coordinator: the roster from HR's
Windows-1252 list, a release, hand-ins, `ensak sync`, a comment in the gradebook, an invitation sent to
outbox/, a conversation in Kursbloggen and an erasure. The extract holds everything about her and nothing
about her colleagues, is readable by the coordinator only, and the course is not changed by it.
"""

from __future__ import annotations

import html
import json
import os
import stat
import threading
from pathlib import Path

import pytest

from lock_helpers import course_held_by
from shipped_course import (
    FIRST_TASK,
    PEOPLE,
    Coordinator,
    Learners,
    changes,
    files_mentioning,
    learner_id,
    shipped_course,
    snapshot,
    staff_csv,
)

pytestmark = pytest.mark.slow

MARTA, PER, BJORN, ANNA_MARIA = PEOPLE
LEAVER = {"first_name": "Lars", "last_name": "Ny", "email": "lars.ny@vaxjo.example", "unit": "Filial Öst",
          "role": "Bibliotekarie"}
MARTAS_REFLECTION = "Martas reflektion: jag provade en podd om läsfrämjande på bussen."
MARTAS_POST = "Martas inlägg i Kursbloggen: poddar är bra för små pauser."
MARTAS_COMMENT = "Martas kommentar under Pers tips."
COORDINATORS_COMMENT = "Samordnarens kommentar till Marta: fin reflektion, tack!"
HUB_URL = "https://kurs.vaxjo.example"


def colleagues_words(person: dict) -> list[str]:
    """What would give a colleague away: their id, name, address and the words they wrote."""
    return [learner_id(person), f"{person['first_name']} {person['last_name']}", person["email"],
            f"Kollegans egna ord ({person['first_name']})"]


COLLEAGUES = [PER, BJORN, ANNA_MARIA, LEAVER]
COLLEAGUES_WORDS = [word for person in COLLEAGUES for word in colleagues_words(person)] + [
    f"Samordnarens kommentar till {PER['first_name']} {PER['last_name']}"]


@pytest.fixture(scope="module")
def db_url() -> str | None:
    """The gradebook's address for ENSAK_DB_URL; None: the shipped default, SQLite in gradebook/."""
    return None


def grade_reflection(db: str, learner: str, comment: str) -> None:
    """What the coordinator does in formgrader: full points for the reflection and a comment under it."""
    from nbgrader.api import Gradebook

    with Gradebook(db, "ensak") as gb:
        notebook = gb.find_submission_notebook(FIRST_TASK, FIRST_TASK, learner)
        for grade in notebook.grades:
            if grade.needs_manual_grade:
                grade.manual_score, grade.needs_manual_grade = grade.max_score, False
        notebook.comments[0].manual_comment = comment
        gb.db.commit()


def converse_in_the_blog(course: Path) -> None:
    """Marta shares her reflection and comments on Per's tip; Per and Björn answer her and write their own."""
    import datetime as dt

    from ensak.outreach.kursbloggen import digest, store
    from ensak.outreach.kursbloggen.settings import open_course_blog

    _, engine = open_course_blog(course)
    marta, per, bjorn = (store.Member(learner_id(p), p["first_name"]) for p in (MARTA, PER, BJORN))
    now = dt.datetime(2027, 1, 20, 9, tzinfo=dt.timezone.utc)
    store.set_digest(engine, marta.id, True, now=now - dt.timedelta(hours=1))
    post = store.share_reflection(engine, marta, FIRST_TASK, MARTAS_POST, share=True, publish=False, now=now)
    tip = store.create_post(engine, per, kind="tips", title="Pers tips", body=colleagues_words(PER)[3], now=now)
    store.add_comment(engine, per, post, f"{colleagues_words(PER)[3]}: {PER['first_name']} {PER['last_name']} "
                      "svarar Marta", now=now)
    mine = store.add_comment(engine, marta, tip, MARTAS_COMMENT, now=now)
    store.add_comment(engine, bjorn, tip, colleagues_words(BJORN)[3], parent_id=mine, now=now)
    digest.take_digests(engine, now + dt.timedelta(hours=1))
    engine.dispose()


def write_certificates_for(course: Path, people: list[dict]) -> None:
    """Kursintyg as `ensak intyg` writes them into intyg/ (for everyone who did every task: here, these people)."""
    import datetime as dt

    from ensak.course.plan import load_course
    from ensak.outreach.certificates import Certificate, certificate_pdf

    (course / "intyg").mkdir()
    for person in people:
        certificate = Certificate(learner_id(person), f"{person['first_name']} {person['last_name']}",
                                  load_course(course), dt.date(2027, 9, 20))
        (course / "intyg" / f"kursintyg-{learner_id(person)}.pdf").write_bytes(certificate_pdf(certificate))


def every_row(db_url: str | None) -> dict[str, list[str]]:
    """Every row of every table of a server database (an SQLite gradebook is a file: snapshot() sees it)."""
    import sqlalchemy as sa

    if db_url is None:
        return {}
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as connection:
            return {table: sorted(repr(tuple(row)) for row in connection.execute(sa.text(f'SELECT * FROM "{table}"')))
                    for table in sa.inspect(engine).get_table_names()}
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def course(tmp_path_factory, db_url):
    """The cycle, then a snapshot of the course that the extracts must leave as it is."""
    root = tmp_path_factory.mktemp("utdrag")
    env = {"ENSAK_HUB_URL": HUB_URL, **({"ENSAK_DB_URL": db_url} if db_url else {})}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():   # for the learners' and the blog's steps, run in this process
            patch.setenv(name, value)
        course = shipped_course(root / "kurs")
        coordinator = Coordinator(course, root / "hem", **env)
        steps = {"import": coordinator.run("roster", "import",
                                           str(staff_csv(root / "personal.csv", [*PEOPLE, LEAVER]))),
                 "release": coordinator.run("release", FIRST_TASK)}
        learners = Learners(course, root / "hemkataloger")
        learners.hand_in(learner_id(MARTA), reflection=MARTAS_REFLECTION)
        for person in (PER, BJORN, ANNA_MARIA):
            learners.hand_in(learner_id(person), reflection=f"{colleagues_words(person)[3]}: jag heter "
                             f"{person['first_name']} {person['last_name']}.")
        steps["sync"] = coordinator.run("sync")
        gradebook = db_url or f"sqlite:///{course / 'gradebook' / 'gradebook.db'}"
        grade_reflection(gradebook, learner_id(MARTA), COORDINATORS_COMMENT)
        grade_reflection(gradebook, learner_id(PER), f"Samordnarens kommentar till {PER['first_name']} "
                         f"{PER['last_name']}")
        steps["feedback"] = coordinator.run("sync")   # graded all the way: the feedback is released
        steps["message"] = coordinator.run("message", "invitation", "--task", FIRST_TASK, "--send", "--outbox")
        converse_in_the_blog(course)
        write_certificates_for(course, [MARTA, PER])
        steps["forget"] = coordinator.run("forget", learner_id(LEAVER), "--yes")
        for name, result in steps.items():
            assert result.code == 0, (name, result.text)
        before, rows_before = snapshot(course), every_row(db_url)
        extract = coordinator.run("utdrag", learner_id(MARTA), "--out", str(root / "till-marta"))
        unchanged = changes(before, snapshot(course))
        assert every_row(db_url) == rows_before, "nothing changed in the database either"
        yield {"course": course, "root": root, "coordinator": coordinator, "before": before, "extract": extract,
               "out": root / "till-marta", "unchanged": unchanged, "env": env}


def read(folder: Path, name: str) -> str:
    return (folder / name).read_text(encoding="utf-8")


def test_does_the_extract_say_where_it_was_written_and_change_nothing_in_the_course(course):
    result = course["extract"]
    assert result.code == 0, result.text
    assert str(course["out"]) in result.out and "index.html" in result.out
    assert "Traceback" not in result.text
    assert course["unchanged"] == []


def test_does_the_index_say_what_each_part_is_why_where_from_who_sees_it_and_her_rights(course):
    index = read(course["out"], "index.html")
    assert '<html lang="sv">' in index and "<h1>" in index and '<th scope="col"' in index
    for part in ("Deltagarlistan", "Rättningsboken", "Dina inlämningar", "Rättade kopior och återkoppling",
                 "Utbytesmappen", "Meddelanden till dig", "Kursbloggen", "Kursintyg", "Kursens logg över rättningen"):
        assert f">{part}</h2>" in index, part
    for column in ("Vad det är", "Varför kursen har det", "Var det kommer ifrån", "Vem som kan se det"):
        assert f">{column}</th>" in index
    for said in ("Personallistan från HR", "Du själv.", "Hur länge uppgifterna sparas", "försvinner av sig självt",
                 "Rättelse", "Radering", "Integritetsskyddsmyndigheten (IMY)", "artikel 15"):
        assert said in index, said


def test_are_her_data_in_it(course):
    out, marta = course["out"], learner_id(MARTA)
    index = read(out, "index.html")
    for words in (MARTAS_REFLECTION, MARTAS_POST, MARTAS_COMMENT, COORDINATORS_COMMENT, MARTA["email"],
                  "Stadsbiblioteket", "Deltagare 0", "Välkommen: en sak i taget (00-valkommen)"):
        assert words in index, words
    data = json.loads(read(out, "uppgifter.json"))
    assert [row["email"] for row in data["deltagarlistan"]] == [MARTA["email"]]
    [submission] = data["rättningsboken"]["submissions"]
    assert submission["task"] == FIRST_TASK and submission["score"] > 0
    assert COORDINATORS_COMMENT in [c["coordinator"] for c in submission["comments"]]
    handed_in = out / "inlamningar" / FIRST_TASK
    answers = json.loads(read(handed_in, "svar.json"))["answers"]
    assert answers and data["inlämningar"][FIRST_TASK]["answers"] == answers
    quiz = next(entry["value"] for entry in answers.values() if entry["kind"] == "quiz")
    assert quiz["chosen_text"][0] in html.unescape(index), "what she chose is shown in words"
    assert {row["learner_id"] for row in data["meddelanden"]} == {marta}
    assert [post["body"] for post in data["kursbloggen"]["posts"]] == [MARTAS_POST]
    assert (handed_in / f"{FIRST_TASK}.ipynb").is_file() and (handed_in / "svar.json").is_file()
    assert MARTAS_REFLECTION in read(handed_in, f"{FIRST_TASK}.ipynb")
    assert not list(out.rglob("submission_secret.txt"))
    assert list((out / "aterkoppling").rglob("*.html")) and list((out / "rattade").rglob("*.ipynb"))
    assert list((out / "utbytesmappen" / "inlamnat").iterdir())
    [released] = list((out / "utbytesmappen" / "aterkoppling").glob("*.html"))
    assert COORDINATORS_COMMENT in released.read_text(encoding="utf-8")
    [mail] = list((out / "meddelanden").glob("*.eml"))
    assert MARTA["email"] in mail.read_text(encoding="utf-8")
    assert [pdf.name for pdf in (out / "intyg").iterdir()] == [f"kursintyg-{marta}.pdf"]
    rows = read(out, "rattningsboken.csv")
    assert rows.startswith("\ufeffuppgift;") and COORDINATORS_COMMENT in rows


def test_are_her_answers_shown_by_their_question_and_in_words(course):
    """The index names each answer by the question or heading the task showed with it, and gives her answer in
    words (the option she chose, the steps she ticked, her levels, her evidence); uppgifter.json keeps the keys."""
    out = course["out"]
    index = read(out, "index.html")
    shown = html.unescape(index)
    answers = json.loads(read(out, "uppgifter.json"))["inlämningar"][FIRST_TASK]["answers"]
    assert {"q-socialt-medium", "ovning-kurstid", "sjalvskattning-fore", "bevis"} <= set(answers)
    assert "Vad är det som gör ett medium socialt?" in shown
    assert "Steg 2: hur säker känner du dig i dag?" in shown
    for key in answers:
        assert f">{key}<" not in index, f"the internal key {key} is not what she reads"
    checklist = answers["ovning-kurstid"]["value"]
    assert f"Du bockade av {len(checklist['done'])} av {checklist['total']} steg" in shown
    if 0 in checklist["done"]:
        assert "Jag har pratat med min chef om när jag gör kursen på arbetstid" in shown
    levels = answers["sjalvskattning-fore"]["value"]
    assert f"skriva och publicera ett blogginlägg: {levels['blogg']} – " in shown
    evidence = answers["bevis"]["value"]
    assert (evidence["description"] or evidence["link"]) in shown


def test_is_nothing_of_her_colleagues_in_any_file(course):
    out = course["out"]
    assert len(list(out.rglob("*"))) > 10
    assert files_mentioning(out, COLLEAGUES_WORDS) == {}
    # The words are really in the course, so their absence from the extract means something.
    assert set(files_mentioning(course["course"], COLLEAGUES_WORDS[:3]))


def test_can_only_the_coordinator_read_it(course):
    out = course["out"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    for path in out.rglob("*"):
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path


def assert_refused(course, args: list[str], *said: str, cwd: Path | None = None) -> None:
    """`ensak utdrag ARGS` stops with exit code 1 and a Swedish message, and the course is as it was."""
    before = snapshot(course["course"])
    result = course["coordinator"].run("utdrag", *args, cwd=cwd)
    assert result.code == 1, result.text
    assert "Traceback" not in result.text
    for words in said:
        assert words in result.err, result.err
    assert changes(before, snapshot(course["course"])) == []


@pytest.mark.parametrize("asked, suggested", [("marta_hakanson", "marta_hakansson"),
                                              ("Marta Håkansson", "marta_hakansson")])
def test_is_an_unknown_id_refused_with_the_close_ones(course, asked, suggested):
    assert_refused(course, [asked, "--out", str(course["root"] / "fel")], f"Menade du {suggested}?",
                   "Inget har skrivits.")
    assert not (course["root"] / "fel").exists()


def test_is_something_that_is_no_id_refused(course):
    assert_refused(course, ["../roster.csv"], "inte ett deltagar-id", "roster.csv")


def test_is_someone_already_forgotten_told_apart_as_nothing_to_hand_out(course):
    assert_refused(course, [learner_id(LEAVER), "--out", str(course["root"] / "lars")], "ensak forget",
                   "inte har några uppgifter")
    assert not (course["root"] / "lars").exists()


def test_is_an_existing_folder_never_overwritten(course):
    assert_refused(course, [learner_id(MARTA), "--out", str(course["out"])], "finns redan")


@pytest.mark.parametrize("inside", ["exchange/ensak/utdrag", "release/marta", "feedback/utdrag"])
def test_is_a_folder_learners_read_refused(course, inside):
    assert_refused(course, [learner_id(MARTA), "--out", inside], "Välj en mapp utanför")
    assert not (course["course"] / inside).exists()


def test_is_a_folder_that_is_no_course_refused(course):
    assert_refused(course, [learner_id(MARTA)], "course.toml", cwd=course["root"])
    assert not list(course["root"].glob("utdrag*"))


def test_does_it_wait_for_a_sync_say_so_and_write_into_the_course_by_default(course):
    said = []
    with course_held_by(course["course"], "sync"):
        running = course["coordinator"].start("utdrag", learner_id(MARTA))
        # Its first line on stderr is what it waits for; the lock is let go once it has said so (or after 2 min).
        reader = threading.Thread(target=lambda: said.append(running.stderr.readline()))
        reader.start()
        reader.join(120)
    out, err = running.communicate(timeout=300)
    assert running.returncode == 0, out + err
    assert "Kursen är upptagen: ensak sync" in "".join(said) and "Väntar" in "".join(said), said
    [written] = list((course["course"] / "utdrag").iterdir())
    assert written.name.startswith(f"{learner_id(MARTA)}-") and str(written) in out
    assert stat.S_IMODE(written.stat().st_mode) == 0o700
    assert {Path(name).parts[0] for name in changes(course["before"], snapshot(course["course"]))} == {"utdrag"}
    assert MARTAS_REFLECTION in read(written, "index.html")
    assert os.path.exists(written / "uppgifter.json")
