"""The roster import: every way an HR export can go wrong, and what the coordinator is told."""

from __future__ import annotations

import datetime as dt

import pytest
from nbgrader.api import Gradebook
from openpyxl import Workbook
from typer.testing import CliRunner

from ensak.cli import app
from ensak.course.roster import (
    COLUMNS,
    RosterImportError,
    derive_id,
    import_roster,
    is_manager,
    load_roster,
    roster_path,
    split_full_name,
    write_roster,
)
from ensak.nbgrader.api import load_config
from fixtures_coordinator import ROSTER_CSV, course_dir, empty_gradebook, write_text  # noqa: F401

DAY1 = dt.date(2027, 1, 10)
DAY2 = dt.date(2027, 3, 1)


def students_in_gradebook(root):
    config = load_config(root)
    with Gradebook(config.CourseDirectory.db_url, config.CourseDirectory.course_id) as gb:
        return {s.id: (s.first_name, s.last_name, s.email) for s in gb.students}


def test_does_a_semicolon_windows_1252_export_with_swedish_headers_import_with_a_ring_and_umlauts(course_dir, tmp_path):
    path = write_text(tmp_path / "personal.csv", ROSTER_CSV, encoding="cp1252")
    report = import_roster(course_dir, path, today=DAY1, gradebook=False)
    roster = load_roster(course_dir)
    assert report.errors == []
    assert list(roster.columns) == COLUMNS
    assert roster["id"].tolist() == ["asa_lindstrom-oberg", "anna-karin_ek", "jorgen_arlig"]
    asa = roster.iloc[0]
    assert (asa.first_name, asa.last_name, asa.unit, asa.role) == ("Åsa", "Lindström-Öberg", "Stadsbiblioteket",
                                                                   "Bibliotekarie")


def test_does_a_utf8_export_with_bom_and_english_headers_import(course_dir, tmp_path):
    content = ("First name,Last name,Email,Department,Job title\n"
               "Örjan,Åberg,Orjan.Aberg@Bibliotek.example,Huvudbiblioteket,Chef\n")
    path = write_text(tmp_path / "staff.csv", "\ufeff" + content)
    import_roster(course_dir, path, today=DAY1, gradebook=False)
    roster = load_roster(course_dir)
    assert roster.to_dict("records") == [{"id": "orjan_aberg", "first_name": "Örjan", "last_name": "Åberg",
                                          "email": "orjan.aberg@bibliotek.example", "unit": "Huvudbiblioteket",
                                          "role": "Chef"}]
    assert is_manager(roster.iloc[0].role)


def test_does_an_excel_unicode_text_export_utf16_with_tabs_import(course_dir, tmp_path):
    content = ROSTER_CSV.replace(";", "\t")
    path = tmp_path / "personal.txt"
    path.write_bytes(content.encode("utf-16"))
    report = import_roster(course_dir, path, today=DAY1, gradebook=False)
    assert report.errors == []
    assert len(load_roster(course_dir)) == 3


def test_does_an_xlsx_with_title_rows_and_numeric_ids_import_with_excel_row_numbers(course_dir, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Personalförteckning, export 2027-01-05"])
    sheet.append([])
    sheet.append(["Användarnamn", "Namn", "E-postadress", "Enhet", "Befattning"])
    sheet.append(["ak1234", "Lindström, Åsa", "asa@bibliotek.example", "Filial Öst", "Bibliotekarie"])
    sheet.append([None, "Per-Olof Nilsson", "per-olof@bibliotek.example", "Filial Öst", None])
    sheet.append([4711.0, "Karl Berg", "inte-en-adress", "Filial Öst", None])
    path = tmp_path / "personal.xlsx"
    book.save(path)
    report = import_roster(course_dir, path, today=DAY1, gradebook=False)
    roster = load_roster(course_dir).set_index("id")
    assert roster.loc["ak1234", "first_name"] == "Åsa" and roster.loc["ak1234", "last_name"] == "Lindström"
    assert roster.loc["per-olof_nilsson", "email"] == "per-olof@bibliotek.example"
    # Row 6 in Excel has both a bad id (a number cannot start an OS user name) and a bad address.
    assert {p.line for p in report.errors} == {6}
    assert any("inte-en-adress" in p.message for p in report.errors)


def test_is_importing_the_same_file_twice_a_no_op(course_dir, tmp_path):
    path = write_text(tmp_path / "personal.csv", ROSTER_CSV)
    first = import_roster(course_dir, path, today=DAY1)
    before = roster_path(course_dir).read_bytes()
    second = import_roster(course_dir, path, today=DAY2)
    assert first.changed and len(first.added) == 3
    assert not second.changed and second.unchanged == 3 and not second.written
    assert roster_path(course_dir).read_bytes() == before


def test_do_learners_land_in_the_gradebook_with_names_and_email(course_dir, tmp_path):
    path = write_text(tmp_path / "personal.csv", ROSTER_CSV)
    import_roster(course_dir, path, today=DAY1)
    students = students_in_gradebook(course_dir)
    assert students["asa_lindstrom-oberg"] == ("Åsa", "Lindström-Öberg", "asa.lindstrom-oberg@bibliotek.example")
    assert set(students) == {"asa_lindstrom-oberg", "anna-karin_ek", "jorgen_arlig"}


def test_are_duplicate_emails_rejected_with_both_line_numbers_while_other_rows_import(course_dir, tmp_path):
    content = ROSTER_CSV + "Åsa;Lind;ASA.lindstrom-oberg@bibliotek.example;Filial Syd;Bibliotekarie\n"
    path = write_text(tmp_path / "personal.csv", content)
    report = import_roster(course_dir, path, today=DAY1, gradebook=False)
    assert sorted(p.line for p in report.errors) == [2, 5]
    assert all("raderna 2, 5" in p.message for p in report.errors)
    assert load_roster(course_dir)["id"].tolist() == ["anna-karin_ek", "jorgen_arlig"]


def test_are_duplicate_given_ids_rejected(course_dir, tmp_path):
    content = ("id,förnamn,efternamn,e-post,enhet\n"
               "kalle,Kalle,Ek,kalle@x.example,A\n"
               "KALLE,Karl,Ek,karl@x.example,A\n"
               "stina,Stina,Ek,stina@x.example,A\n")
    report = import_roster(course_dir, write_text(tmp_path / "p.csv", content), today=DAY1, gradebook=False)
    assert sorted(p.line for p in report.errors) == [2, 3]
    assert load_roster(course_dir)["id"].tolist() == ["stina"]


@pytest.mark.parametrize("address, hint", [
    ("anna.bibliotek.example", "inte giltig"),
    ("anna@bibliotek", "inte giltig"),
    ("anna @bibliotek.example", "inte giltig"),
    ("åsa@bibliotek.example", "å, ä eller ö"),
    ("anna@@bibliotek.example", "inte giltig"),
])
def test_is_an_invalid_email_reported_with_its_line_and_what_to_do(course_dir, tmp_path, address, hint):
    content = ROSTER_CSV + f"Anna;Berg;{address};Filial Syd;Bibliotekarie\n"
    report = import_roster(course_dir, write_text(tmp_path / "p.csv", content), today=DAY1, gradebook=False)
    [problem] = report.errors
    assert problem.line == 5
    assert hint in problem.message and "Rätta" in problem.message
    assert len(load_roster(course_dir)) == 3


def test_are_missing_fields_reported_on_the_right_line_even_after_a_multiline_cell(course_dir, tmp_path):
    content = ("Förnamn;Efternamn;E-post;Bibliotek;Roll\n"
               'Eva;Holm;eva@x.example;"Filial\nNorr";Bibliotekarie\n'
               ";Sund;sund@x.example;Filial Norr;\n"
               "Lars;;;Filial Norr;\n")
    report = import_roster(course_dir, write_text(tmp_path / "p.csv", content), today=DAY1, gradebook=False)
    by_line = {p.line: p.message for p in report.errors}
    assert set(by_line) == {4, 5}
    assert by_line[4].startswith("Förnamn saknas")
    assert by_line[5].startswith("Efternamn och e-post saknas")
    assert load_roster(course_dir)["id"].tolist() == ["eva_holm"]


@pytest.mark.parametrize("given, fragment", [("Åsa1", "går inte att använda"), ("1anna", "går inte att använda"),
                                             ("anna berg", "går inte att använda"), ("root", "reserverat"),
                                             ("a" * 33, "högst 32")])
def test_is_a_given_id_that_cannot_be_a_user_name_rejected(course_dir, tmp_path, given, fragment):
    content = f"id,namn,e-post,enhet\n{given},Anna Berg,anna@x.example,A\nnils,Nils Berg,nils@x.example,A\n"
    report = import_roster(course_dir, write_text(tmp_path / "p.csv", content), today=DAY1, gradebook=False)
    [problem] = report.errors
    assert problem.line == 2 and fragment in problem.message
    assert load_roster(course_dir)["id"].tolist() == ["nils"]


def test_do_namesakes_get_distinct_ids_that_stay_put_on_reimport_in_another_order(course_dir, tmp_path):
    header = "Förnamn,Efternamn,E-post,Enhet\n"
    one = "Anna,Andersson,anna.a@x.example,Norr\n"
    two = "Anna,Andersson,anna.b@x.example,Syd\n"
    import_roster(course_dir, write_text(tmp_path / "p.csv", header + one + two), today=DAY1, gradebook=False)
    first = dict(zip(load_roster(course_dir)["email"], load_roster(course_dir)["id"]))
    assert first == {"anna.a@x.example": "anna_andersson", "anna.b@x.example": "anna_andersson2"}
    report = import_roster(course_dir, write_text(tmp_path / "p.csv", header + two + one), today=DAY2,
                           gradebook=False)
    assert not report.changed
    assert dict(zip(load_roster(course_dir)["email"], load_roster(course_dir)["id"])) == first


def test_is_a_learner_removed_mid_course_kept_as_inactive_with_their_gradebook_entry(course_dir, tmp_path):
    import_roster(course_dir, write_text(tmp_path / "p.csv", ROSTER_CSV), today=DAY1)
    without_jorgen = "\n".join(ROSTER_CSV.splitlines()[:3]) + "\n"
    report = import_roster(course_dir, write_text(tmp_path / "p.csv", without_jorgen), today=DAY2)
    assert report.deactivated == ["jorgen_arlig"]
    assert "jorgen_arlig" not in load_roster(course_dir)["id"].tolist()
    everyone = load_roster(course_dir, include_inactive=True).set_index("id")
    assert everyone.loc["jorgen_arlig", "left"] == DAY2.isoformat()
    assert everyone.loc["jorgen_arlig", "joined"] == DAY1.isoformat()
    assert "jorgen_arlig" in students_in_gradebook(course_dir)

    back = import_roster(course_dir, write_text(tmp_path / "p.csv", ROSTER_CSV), today=DAY2, gradebook=False)
    assert back.reactivated == ["jorgen_arlig"]
    assert load_roster(course_dir, include_inactive=True).set_index("id").loc["jorgen_arlig", "left"] == ""


def test_does_a_learner_added_mid_course_get_a_joined_date(course_dir, tmp_path):
    import_roster(course_dir, write_text(tmp_path / "p.csv", ROSTER_CSV), today=DAY1, gradebook=False)
    more = ROSTER_CSV + "Britt-Marie;Öst;bm@x.example;Filial Syd;Bibliotekarie\n"
    report = import_roster(course_dir, write_text(tmp_path / "p.csv", more), today=DAY2, gradebook=False)
    assert report.added == ["britt-marie_ost"] and report.unchanged == 3
    assert load_roster(course_dir, include_inactive=True).set_index("id").loc["britt-marie_ost", "joined"] == "2027-03-01"


def test_does_a_bad_row_for_a_known_learner_leave_them_active_and_unchanged(course_dir, tmp_path):
    import_roster(course_dir, write_text(tmp_path / "p.csv", ROSTER_CSV), today=DAY1, gradebook=False)
    broken = ROSTER_CSV.replace("Jörgen;Ärlig;", ";Ärlig;")
    report = import_roster(course_dir, write_text(tmp_path / "p.csv", broken), today=DAY2, gradebook=False)
    assert [p.line for p in report.errors] == [4]
    assert report.deactivated == []
    assert load_roster(course_dir).set_index("id").loc["jorgen_arlig", "first_name"] == "Jörgen"


def test_is_a_file_missing_most_learners_held_back_unless_asked(course_dir, tmp_path):
    import_roster(course_dir, write_text(tmp_path / "p.csv", ROSTER_CSV), today=DAY1, gradebook=False)
    one_unit = "Förnamn;Efternamn;E-post;Bibliotek\nNy;Person;ny@x.example;Filial Väst\n"
    path = write_text(tmp_path / "väst.csv", one_unit)
    held = import_roster(course_dir, path, today=DAY2, gradebook=False)
    assert held.deactivated == [] and len(held.held_back) == 3
    assert any("--keep-missing" in p.message for p in held.errors)
    assert len(load_roster(course_dir)) == 4

    partial = import_roster(course_dir, path, today=DAY2, keep_missing=True, gradebook=False)
    assert partial.errors == [] and not partial.changed

    forced = import_roster(course_dir, path, today=DAY2, allow_mass_removal=True, gradebook=False)
    assert sorted(forced.deactivated) == ["anna-karin_ek", "asa_lindstrom-oberg", "jorgen_arlig"]


def test_is_a_changed_email_for_a_derived_id_flagged_as_a_possible_same_person(course_dir, tmp_path):
    import_roster(course_dir, write_text(tmp_path / "p.csv", ROSTER_CSV), today=DAY1, gradebook=False)
    moved = ROSTER_CSV.replace("jorgen.arlig@bibliotek.example", "jorgen@nytt.example")
    report = import_roster(course_dir, write_text(tmp_path / "p.csv", moved), today=DAY2, gradebook=False)
    assert report.deactivated == ["jorgen_arlig"] and report.added == ["jorgen_arlig2"]
    assert any("bytt e-postadress" in p.message and "jorgen_arlig" in p.message for p in report.warnings)


def test_does_a_given_id_update_that_learners_email(course_dir, tmp_path):
    header = "id;förnamn;efternamn;e-post;enhet\n"
    import_roster(course_dir, write_text(tmp_path / "p.csv", header + "jar;Jörgen;Ärlig;j@x.example;A\n"),
                  today=DAY1, gradebook=False)
    report = import_roster(course_dir, write_text(tmp_path / "p.csv", header + "jar;Jörgen;Ärlig;j@y.example;A\n"),
                           today=DAY2, gradebook=False)
    assert report.updated == {"jar": ["email"]}
    assert load_roster(course_dir)["email"].tolist() == ["j@y.example"]


def test_is_an_email_already_owned_by_another_id_rejected(course_dir, tmp_path):
    header = "id;förnamn;efternamn;e-post;enhet\n"
    import_roster(course_dir, write_text(tmp_path / "p.csv", header + "jar;Jörgen;Ärlig;j@x.example;A\n"),
                  today=DAY1, gradebook=False)
    report = import_roster(course_dir, write_text(tmp_path / "p.csv", header + "jorgen;Jörgen;Ärlig;j@x.example;A\n"),
                           today=DAY2, gradebook=False)
    [problem] = report.errors
    assert "tillhör redan jar" in problem.message
    assert report.deactivated == [] and load_roster(course_dir)["id"].tolist() == ["jar"]


def test_are_shouted_names_and_stray_spaces_tidied(course_dir, tmp_path):
    content = "Namn;E-post;Enhet\n  ANNA-KARIN\xa0  LUNDGREN ; AK@X.example ;Norr\n"
    import_roster(course_dir, write_text(tmp_path / "p.csv", content), today=DAY1, gradebook=False)
    learner = load_roster(course_dir).iloc[0]
    assert (learner.id, learner.first_name, learner.last_name, learner.email) == (
        "anna-karin_lundgren", "Anna-Karin", "Lundgren", "ak@x.example")


@pytest.mark.parametrize("content, suffix, fragment", [
    ("Vem;Var\nAnna;Norr\n", ".csv", "Hittar ingen rubrikrad"),
    ("Förnamn;Efternamn;E-post\n", ".csv", "inga deltagare"),
    ("", ".csv", "Hittar ingen rubrikrad"),
    ("not really excel", ".xls", "gamla Excel-formatet"),
    ("not really excel", ".xlsx", "kan inte öppnas som Excel-fil"),
])
def test_is_a_file_that_cannot_be_a_roster_refused_with_a_reason(course_dir, tmp_path, content, suffix, fragment):
    path = write_text(tmp_path / f"p{suffix}", content)
    with pytest.raises(RosterImportError, match=fragment):
        import_roster(course_dir, path, today=DAY1, gradebook=False)
    assert not roster_path(course_dir).exists()


def test_is_a_missing_file_named(course_dir, tmp_path):
    with pytest.raises(RosterImportError, match="finns inte"):
        import_roster(course_dir, tmp_path / "borta.csv", gradebook=False)


def test_does_write_roster_keep_learners_it_was_not_given(course_dir):
    import pandas as pd

    people = pd.DataFrame([{"id": "a", "first_name": "A", "last_name": "Ek", "email": "a@x.example"},
                           {"id": "b", "first_name": "B", "last_name": "Ek", "email": "b@x.example"}])
    write_roster(course_dir, people, today=DAY1)
    write_roster(course_dir, people.iloc[:1], today=DAY2)
    assert load_roster(course_dir)["id"].tolist() == ["a"]
    assert load_roster(course_dir, include_inactive=True).set_index("id").loc["b", "left"] == "2027-03-01"


def test_does_a_dry_run_change_nothing(course_dir, tmp_path):
    report = import_roster(course_dir, write_text(tmp_path / "p.csv", ROSTER_CSV), dry_run=True)
    assert len(report.added) == 3 and not roster_path(course_dir).exists()


@pytest.mark.parametrize("first, last, expected", [
    ("Åsa", "Lindström-Öberg", "asa_lindstrom-oberg"),
    ("Jean-Pierre", "Ødegård", "jean-pierre_odegard"),
    ("Anna Maria", "von Essen", "anna-maria_von-essen"),
    ("Zoë", "O'Brien", "zoe_obrien"),
    ("Æsa", "Weiß", "aesa_weiss"),
])
def test_is_a_derived_id_lowercase_ascii_with_hyphens_kept(first, last, expected):
    assert derive_id(first, last) == expected


def test_is_a_full_name_split_in_either_order():
    assert split_full_name("Lindström, Anna-Karin") == ("Anna-Karin", "Lindström")
    assert split_full_name("Anna Karin Lindström") == ("Anna Karin", "Lindström")


def test_does_the_cli_import_good_rows_and_exit_nonzero_naming_bad_lines(course_dir, tmp_path):
    content = ROSTER_CSV + "Anna;Berg;inte-en-adress;Filial Syd;Bibliotekarie\n"
    path = write_text(tmp_path / "personal.csv", content)
    result = CliRunner().invoke(app, ["roster", "import", str(path), "--course-dir", str(course_dir)])
    assert result.exit_code == 1
    assert "Nya: 3" in result.output and "Rad 5:" in result.output
    again = CliRunner().invoke(app, ["roster", "import", str(path), "--course-dir", str(course_dir)])
    assert "Inga ändringar" in again.output
    assert len(load_roster(course_dir)) == 3
