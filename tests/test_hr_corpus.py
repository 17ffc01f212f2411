"""Staff lists as Swedish HR systems and Excel really produce them, imported into the shipped course with
`ensak roster import`: each either imports right, or stops with a Swedish message, exit code 1 and nothing
written. Also the roster's history (leavers, returners, name changes), its stable pseudonyms, and a
gradebook that is made whole or not at all.

The command runs in this process (typer's CliRunner) on copies of one shipped course: starting the
`ensak` executable costs seconds each time, and test_coordinator_month.py runs it by full path already.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from openpyxl import Workbook
from typer.testing import CliRunner

from ensak.cli import app
from ensak.course.roster import active_learners, import_roster, load_roster, pseudonyms, remove_learner
from shipped_course import FIRST_TASK, PEOPLE, learner_id, shipped_course, snapshot, staff_csv

MARTA, PER, BJORN, ANNA_MARIA = PEOPLE
NUMBERS = {"marta_hakansson": "4711", "per_aberg": "4712", "bjorn_ek": "4713", "anna-maria_von-platen": "4714"}
WITH_NUMBERS = ("Anställningsnummer", "Förnamn", "Efternamn", "E-post", "Bibliotek", "Roll")
NUMBER_FIELDS = ("number", "first_name", "last_name", "email", "unit", "role")
DAY1, DAY2, DAY3 = dt.date(2027, 1, 4), dt.date(2027, 2, 1), dt.date(2027, 3, 1)


def numbered(people: list[dict]) -> list[dict]:
    return [{**p, "number": NUMBERS.get(learner_id(p), "")} for p in people]


def changed(people: list[dict], who: dict, **changes: str) -> list[dict]:
    """`people` with `who`'s row changed (matched by address, as rows are copies)."""
    return [{**p, **changes} if p["email"] == who["email"] else p for p in people]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """The shipped course with the four colleagues imported (with employee numbers) on DAY1."""
    root = tmp_path_factory.mktemp("hr")
    course = shipped_course(root / "kurs")
    path = staff_csv(root / "personal.csv", numbered(PEOPLE), header=WITH_NUMBERS, fields=NUMBER_FIELDS)
    report = import_roster(course, path, today=DAY1)
    assert report.errors == [] and len(report.added) == 4
    return course


@pytest.fixture
def course(base, tmp_path) -> Path:
    return Path(shutil.copytree(base, tmp_path / "kurs", symlinks=True))


def run(course: Path, *args: str):
    return CliRunner().invoke(app, ["roster", *args, "-C", str(course)])


def roster(course: Path):
    return load_roster(course, include_inactive=True).set_index("id")


def students(course: Path) -> dict[str, tuple]:
    with Gradebook(f"sqlite:///{course / 'gradebook' / 'gradebook.db'}", "ensak") as gb:
        return {s.id: (s.first_name, s.last_name, s.email) for s in gb.students}


# --- files refused whole: nothing written -------------------------------------------------------


def refused(course: Path, path: Path, *fragments: str) -> None:
    before = snapshot(course)
    result = run(course, "import", str(path))
    assert result.exit_code == 1, result.output
    for fragment in fragments:
        assert fragment in result.output, result.output
    assert "Traceback" not in result.output
    assert snapshot(course) == before


def test_is_a_file_with_a_personnummer_column_refused_for_gdpr_reasons(course, tmp_path):
    people = [{**p, "pnr": f"19{n}"} for p, n in zip(PEOPLE, ("811218-9876", "800101-0019", "750505-1234",
                                                              "900909-0000"))]
    path = staff_csv(tmp_path / "hr.csv", people, header=("Personnummer", "Förnamn", "Efternamn", "E-post"),
                     fields=("pnr", "first_name", "last_name", "email"))
    refused(course, path, "personnummer", "dataskyddsförordningen (GDPR)", "Ta bort kolumnen", "Inget har sparats")


def test_are_personnummer_under_another_heading_refused_too(course, tmp_path):
    people = changed([{**p, "pnr": ""} for p in PEOPLE], PER, pnr="811218-9876")
    path = staff_csv(tmp_path / "hr.csv", people, header=("Id", "Förnamn", "Efternamn", "E-post"),
                     fields=("pnr", "first_name", "last_name", "email"))
    refused(course, path, "personnummer (kolumnen Id, rad 3)", "GDPR")


@pytest.mark.parametrize("name, content, fragment", [
    ("personal.xls", b"\xd0\xcf\x11\xe0 not really excel", "gamla Excel-formatet"),
    ("personal.xlsx", b"not really excel", "kan inte öppnas som Excel-fil"),
    ("personal.csv", "Vem;Var\nAnna;Norr\n".encode(), "Hittar ingen rubrikrad"),
    ("personal.csv", "Förnamn;Efternamn;E-post\n".encode(), "inga deltagare"),
])
def test_is_a_file_that_cannot_be_a_staff_list_refused(course, tmp_path, name, content, fragment):
    path = tmp_path / name
    path.write_bytes(content)
    refused(course, path, fragment)


def test_is_an_import_outside_a_course_directory_refused_before_anything_is_written(tmp_path):
    elsewhere = tmp_path / "hemmapp"
    elsewhere.mkdir()
    path = staff_csv(tmp_path / "personal.csv", PEOPLE)
    result = CliRunner().invoke(app, ["roster", "import", str(path), "-C", str(elsewhere)])
    assert result.exit_code == 1
    assert "ingen kursmapp" in result.output and "nbgrader_config.py" in result.output
    assert "Inget har sparats" in result.output
    assert list(elsewhere.iterdir()) == []


def test_is_a_course_directory_without_nbgrader_config_refused(course, tmp_path):
    (course / "nbgrader_config.py").unlink()
    refused(course, staff_csv(tmp_path / "p.csv", PEOPLE), "ingen nbgrader_config.py", "-C")


def test_does_a_dry_run_show_what_would_change_and_write_nothing(course, tmp_path):
    newcomer = {"first_name": "Ada", "last_name": "Ahl", "email": "ada@vaxjo.example", "unit": "A", "role": "B"}
    before = snapshot(course)
    result = run(course, "import", str(staff_csv(tmp_path / "hr.csv", [*PEOPLE, newcomer, {**newcomer,
                                                                                         "email": "x@y"}])),
                 "--dry-run")
    assert result.exit_code == 1
    assert "Provkörning: inget har ändrats" in result.output and "Nya: 1 – Ada Ahl (ada_ahl)" in result.output
    assert "1 fel – de här raderna skulle inte importeras, övriga skulle det:" in result.output
    assert snapshot(course) == before


# --- bad rows: reported, and they change nobody ----------------------------------------------------


@pytest.mark.parametrize("change, fragment", [
    ({"email": ""}, "E-post saknas"),
    ({"email": "per.aberg@vaxjo"}, "E-postadressen 'per.aberg@vaxjo' är inte giltig"),
])
def test_does_a_bad_row_leave_the_colleague_as_they_were(course, tmp_path, change, fragment):
    before = (course / "roster.csv").read_bytes()
    people = changed(numbered(PEOPLE), PER, **change)
    path = staff_csv(tmp_path / "hr.csv", people, header=WITH_NUMBERS, fields=NUMBER_FIELDS)
    result = run(course, "import", str(path))
    assert result.exit_code == 1
    assert f"Rad 3: {fragment}" in result.output and "Avslutade" not in result.output
    assert (course / "roster.csv").read_bytes() == before


def test_does_a_bad_row_that_matches_nobody_hold_back_every_leaver(course, tmp_path):
    # Per's row lost both its address and its number: it could be anyone, so nobody is marked as left.
    people = [p for p in changed(numbered(PEOPLE), PER, first_name="P.", number="") if p["first_name"] != "Björn"]
    people = changed(people, {"email": PER["email"]}, email="")
    result = run(course, "import", str(staff_csv(tmp_path / "hr.csv", people, header=WITH_NUMBERS,
                                                 fields=NUMBER_FIELDS)))
    assert result.exit_code == 1
    assert "ingen har markerats som avslutad" in result.output
    assert (roster(course)["left"] == "").all()


def test_are_duplicate_addresses_rejected_without_marking_anyone_as_left(course, tmp_path):
    before = (course / "roster.csv").read_bytes()
    people = [*PEOPLE, {**BJORN, "first_name": "Björne"}]
    result = run(course, "import", str(staff_csv(tmp_path / "hr.csv", people)))
    assert result.exit_code == 1
    assert "Samma e-postadress (bjorn.ek@vaxjo.example) står på raderna 4, 6" in result.output
    assert (course / "roster.csv").read_bytes() == before


# --- what HR files look like: read right -------------------------------------------------------------


@pytest.mark.parametrize("encoding, delimiter", [("cp1252", ";"), ("utf-8-sig", ","), ("utf-16", "\t")])
def test_do_the_encodings_excel_writes_read_as_the_same_people(course, tmp_path, encoding, delimiter):
    path = staff_csv(tmp_path / "hr.csv", numbered(PEOPLE), header=WITH_NUMBERS, fields=NUMBER_FIELDS,
                     encoding=encoding, delimiter=delimiter)
    result = run(course, "import", str(path))
    assert result.exit_code == 0, result.output
    assert "Inga ändringar i deltagarlistan" in result.output


def test_is_a_summary_row_skipped_with_a_note(course, tmp_path):
    path = staff_csv(tmp_path / "hr.csv", [*numbered(PEOPLE), {"number": "Summa: 4 personer"}],
                     header=WITH_NUMBERS, fields=NUMBER_FIELDS)
    result = run(course, "import", str(path))
    assert result.exit_code == 0, result.output
    assert "Rad 6: ”Summa: 4 personer” ser ut som en summeringsrad och hoppades över." in result.output
    assert "Inga ändringar" in result.output


def test_is_an_excel_export_with_merged_title_rows_a_merged_namn_heading_and_a_total_read(course, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Personalförteckning Växjö bibliotek, 2027-01-04"])
    sheet.merge_cells("A1:E1")
    sheet.append([])
    sheet.append(["Namn", None, "E-postadress", "Enhet", "Befattning"])
    sheet.merge_cells("A3:B3")
    for p in PEOPLE:
        sheet.append([p["first_name"], p["last_name"], p["email"], p["unit"], p["role"]])
    sheet.append(["Totalt", 4])
    book.save(tmp_path / "personal.xlsx")
    result = run(course, "import", str(tmp_path / "personal.xlsx"), "--keep-missing")
    assert result.exit_code == 0, result.output
    assert "Inga ändringar i deltagarlistan" in result.output
    assert "Rad 8: ”Totalt 4” ser ut som en summeringsrad" in result.output


def test_does_a_particle_go_with_the_surname_in_one_name_column(course, tmp_path):
    people = [{**p, "name": f"{p['first_name']} {p['last_name']}"} for p in PEOPLE]
    path = staff_csv(tmp_path / "hr.csv", people, header=("Namn", "E-post", "Bibliotek", "Roll"),
                     fields=("name", "email", "unit", "role"))
    result = run(course, "import", str(path))
    assert result.exit_code == 0, result.output
    assert "Inga ändringar" in result.output
    assert roster(course).loc["anna-maria_von-platen", ["first_name", "last_name"]].tolist() == [
        "Anna Maria", "von Platen"]


def test_are_fields_the_file_has_no_column_for_kept(course, tmp_path):
    people = changed(PEOPLE, PER, unit="4410 Stadsbiblioteket")
    path = staff_csv(tmp_path / "hr.csv", people, header=("Förnamn", "Efternamn", "E-post", "Kostnadsställe"),
                     fields=("first_name", "last_name", "email", "unit"))
    result = run(course, "import", str(path), "--keep-missing")
    assert result.exit_code == 0, result.output
    assert "Ändrade: 1 – Per Åberg (enhet)" in result.output
    stored = roster(course)
    assert stored.loc["per_aberg", "unit"] == "4410 Stadsbiblioteket"
    assert stored.loc["per_aberg", "role"] == "Bibliotekschef" and stored.loc["bjorn_ek", "role"] != ""
    assert stored.loc["marta_hakansson", "employee_number"] == "4711"


def test_does_an_empty_cell_never_empty_what_the_roster_knows(course, tmp_path):
    people = [{**p, "unit": "", "role": ""} for p in PEOPLE]
    result = run(course, "import", str(staff_csv(tmp_path / "hr.csv", people)), "--keep-missing")
    assert result.exit_code == 0, result.output
    assert "Inga ändringar" in result.output
    assert roster(course).loc["per_aberg", "unit"] == "Stadsbiblioteket"


# --- history: leavers, returners, name changes ---------------------------------------------------


def test_does_a_leaver_leave_and_return_with_dates_and_the_same_pseudonym(course, tmp_path):
    everyone = staff_csv(tmp_path / "alla.csv", PEOPLE)
    without_per = staff_csv(tmp_path / "utan-per.csv", [p for p in PEOPLE if p["email"] != PER["email"]])
    pseudonym = pseudonyms(course)["per_aberg"]
    left = import_roster(course, without_per, today=DAY2)
    assert left.deactivated == ["per_aberg"]
    assert "per_aberg" not in set(active_learners(course, on=DAY2)["id"])
    assert "per_aberg" in set(active_learners(course, on=DAY2 - dt.timedelta(days=1))["id"])
    back = import_roster(course, everyone, today=DAY3)
    assert back.reactivated == ["per_aberg"]
    per = roster(course).loc["per_aberg"]
    assert (per.joined, per.left, per.returned, per.pseudonym) == (DAY1.isoformat(), "", DAY3.isoformat(), pseudonym)
    assert active_learners(course, on=DAY3).set_index("id").loc["per_aberg", "active_since"] == DAY3.isoformat()


def test_does_a_name_change_with_an_employee_number_keep_her_id_and_work(course, tmp_path):
    people = changed(numbered(PEOPLE), MARTA, last_name="Ek", email="marta.ek@vaxjo.example")
    result = run(course, "import", str(staff_csv(tmp_path / "hr.csv", people, header=WITH_NUMBERS,
                                                 fields=NUMBER_FIELDS)))
    assert result.exit_code == 0, result.output
    assert "Ändrade: 1 – Marta Ek (efternamn, e-post)" in result.output and "Nya" not in result.output
    assert students(course)["marta_hakansson"] == ("Marta", "Ek", "marta.ek@vaxjo.example")


def test_is_an_id_column_of_numbers_taken_as_employee_numbers(course, tmp_path):
    people = changed(numbered(PEOPLE), MARTA, last_name="Ek", email="marta.ek@vaxjo.example")
    path = staff_csv(tmp_path / "hr.csv", people, header=("Id", *WITH_NUMBERS[1:]), fields=NUMBER_FIELDS)
    result = run(course, "import", str(path))
    assert result.exit_code == 0, result.output
    assert "används som anställningsnummer" in result.output
    assert roster(course).loc["marta_hakansson", "last_name"] == "Ek"


def test_can_a_name_change_without_a_number_be_linked_afterwards(course, tmp_path):
    people = changed(PEOPLE, MARTA, last_name="Ek", email="marta.ek@vaxjo.example")
    first = run(course, "import", str(staff_csv(tmp_path / "hr.csv", people)))
    assert first.exit_code == 0, first.output
    assert "Nya: 1 – Marta Ek (marta_ek)" in first.output and "ensak roster link" in first.output
    pseudonym = pseudonyms(course)["marta_hakansson"]
    linked = run(course, "link", "marta_hakansson", "marta_ek")
    assert linked.exit_code == 0, linked.output
    assert "Marta Ek är nu marta_hakansson" in linked.output
    stored = roster(course)
    assert "marta_ek" not in stored.index
    assert stored.loc["marta_hakansson", ["last_name", "email", "left", "pseudonym"]].tolist() == [
        "Ek", "marta.ek@vaxjo.example", "", pseudonym]
    assert "marta_ek" not in students(course)
    again = run(course, "import", str(tmp_path / "hr.csv"))
    assert again.exit_code == 0 and "Inga ändringar" in again.output


def test_is_an_invitation_she_got_under_her_new_id_not_sent_to_her_again_after_linking(course, tmp_path,
                                                                                     monkeypatch):
    from ensak.outreach.messages import read_sent_log

    monkeypatch.setenv("ENSAK_HUB_URL", "https://jupyter.bibliotek.example")
    assert CliRunner().invoke(app, ["release", FIRST_TASK, "-C", str(course)]).exit_code == 0
    people = changed(PEOPLE, MARTA, last_name="Ek", email="marta.ek@vaxjo.example")
    assert run(course, "import", str(staff_csv(tmp_path / "hr.csv", people))).exit_code == 0
    invite = ["message", "invitation", "--task", FIRST_TASK, "--send", "--outbox", "-C", str(course)]
    first = CliRunner().invoke(app, invite)
    assert first.exit_code == 0, first.output
    assert "marta_ek" in set(read_sent_log(course)["learner_id"]), "she was invited under her new id"
    assert run(course, "link", "marta_hakansson", "marta_ek").exit_code == 0
    sent = read_sent_log(course)
    assert "marta_ek" not in set(sent["learner_id"])
    assert (sent["learner_id"] == "marta_hakansson").sum() == 1
    again = CliRunner().invoke(app, invite)
    assert again.exit_code == 0, again.output
    assert len(read_sent_log(course)) == len(sent), f"nobody is invited twice: {again.output}"


def test_does_link_refuse_unknown_ids_in_swedish(course):
    result = run(course, "link", "marta_hakansson", "ingen_alls")
    assert result.exit_code == 1 and "ingen_alls finns inte i deltagarlistan" in result.output


# --- pseudonyms ----------------------------------------------------------------------------------


def test_are_pseudonyms_given_once_and_never_renumbered(course, tmp_path):
    first = pseudonyms(course)
    assert first == {"anna-maria_von-platen": "Deltagare 01", "bjorn_ek": "Deltagare 02",
                     "marta_hakansson": "Deltagare 03", "per_aberg": "Deltagare 04"}
    newcomer = {"first_name": "Ada", "last_name": "Ahl", "email": "ada@vaxjo.example", "unit": "A", "role": "B"}
    import_roster(course, staff_csv(tmp_path / "hr.csv", [*PEOPLE, newcomer]), today=DAY2)
    assert pseudonyms(course) == {**first, "ada_ahl": "Deltagare 05"}
    remove_learner(course, "bjorn_ek")
    after = pseudonyms(course)
    assert after == {k: v for k, v in {**first, "ada_ahl": "Deltagare 05"}.items() if k != "bjorn_ek"}
    assert pseudonyms(course, also=["bara_i_rattningsboken"])["bara_i_rattningsboken"] == "Deltagare 06"


def test_is_an_older_roster_without_history_columns_still_read(course):
    (course / "roster.csv").write_text("id,first_name,last_name,email,unit,role,joined,left\n"
                                       "bo,Bo,Ek,bo@x.example,A,Chef,2027-01-04,\n"
                                       "al,Al,Ek,al@x.example,A,,2027-01-04,2027-01-20\n", encoding="utf-8")
    assert pseudonyms(course) == {"al": "Deltagare 01", "bo": "Deltagare 02"}
    assert active_learners(course, on=DAY2)["id"].tolist() == ["bo"]
    assert load_roster(course)["id"].tolist() == ["bo"]
    # Numbered as reports showed them before pseudonyms were stored, and kept when someone is erased.
    remove_learner(course, "al")
    assert pseudonyms(course) == {"bo": "Deltagare 02"}


# --- the gradebook: whole or not at all -----------------------------------------------------------


def test_is_no_gradebook_left_half_made_when_alembic_cannot_be_found(tmp_path, monkeypatch):
    from ensak.nbgrader.api import GradebookSetupError, ensure_gradebook

    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    with pytest.raises(GradebookSetupError, match="alembic"):
        ensure_gradebook(f"sqlite:///{tmp_path / 'gradebook' / 'gradebook.db'}")
    assert not any((tmp_path / "gradebook").iterdir())


def test_is_a_gradebook_an_earlier_version_left_half_made_made_again(tmp_path):
    import sqlalchemy as sa
    from nbgrader.api import Base

    from ensak.nbgrader.api import ensure_gradebook

    path = tmp_path / "gradebook.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(bind=engine)  # what nbgrader leaves when alembic fails
    engine.dispose()
    ensure_gradebook(f"sqlite:///{path}")
    with Gradebook(f"sqlite:///{path}") as gb:
        assert gb.db.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def test_does_ensak_put_its_own_bin_folder_first_on_path(monkeypatch):
    import sys

    from ensak.cli import put_own_bin_on_path

    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    put_own_bin_on_path()
    assert Path(__import__("os").environ["PATH"].split(":")[0]) == Path(sys.executable).parent
