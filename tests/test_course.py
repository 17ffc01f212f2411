"""course.toml: the plan, its dates, and clear messages for every way it can be wrong."""

import datetime as dt

import pytest

from ensak.course.plan import CoursePlanError, load_course, parse_course


def plan(**course):
    base = {"id": "k", "title": "Kurs", "start": dt.date(2027, 1, 11)}
    base.update(course)
    return {"course": base, "task": [{"id": "00-a", "title": "A"}, {"id": "01-b", "title": "B"},
                                     {"id": "02-c", "title": "C"}]}


def test_does_the_repository_plan_load_with_every_task_folder_present(repo):
    course = load_course(repo)
    assert course.task_ids[0] == "00-valkommen"
    for task in course.tasks:
        assert (repo / "source" / task.id / task.notebook).exists(), task.id


def test_is_a_new_task_released_every_three_weeks_by_default():
    course = parse_course(plan())
    assert [t.release for t in course.tasks] == [dt.date(2027, 1, 11), dt.date(2027, 2, 1), dt.date(2027, 2, 22)]
    assert course.closes == dt.date(2027, 3, 15)
    assert [t.minutes for t in course.tasks] == [60, 60, 60]
    assert course.nudge.tasks_behind_median == 2 and course.nudge.days_inactive == 21


def test_can_a_task_have_its_own_date_and_the_rest_follow_it():
    data = plan(pace_days=21)
    data["task"][1]["release"] = dt.date(2027, 3, 1)
    course = parse_course(data)
    assert [t.release for t in course.tasks] == [dt.date(2027, 1, 11), dt.date(2027, 3, 1), dt.date(2027, 3, 22)]


def test_are_due_tasks_those_whose_date_has_come():
    course = parse_course(plan())
    assert [t.id for t in course.due_tasks(dt.date(2027, 2, 1))] == ["00-a", "01-b"]
    assert course.due_tasks(dt.date(2026, 12, 1)) == []


def test_does_a_named_pace_set_the_days_between_tasks():
    assert parse_course(plan(pace="manad")).tasks[1].release == dt.date(2027, 2, 8)
    assert parse_course(plan(pace="tre-veckor")).pace_days == 21


def test_does_a_task_say_how_long_it_takes():
    data = plan()
    data["task"][2]["minutes"] = 75
    assert [t.minutes for t in parse_course(data).tasks] == [60, 60, 75]


def minutes(value):
    data = plan()
    data["task"][1]["minutes"] = value
    return data


@pytest.mark.parametrize("data, message", [
    (plan(pace="varannan vecka"), 'pace = "tre-veckor" eller "manad"'),
    (plan(pace="manad", pace_days=14), "både pace och pace_days"),
    (minutes("en timme"), "minutes = 60"),
    (minutes(0), "mellan 5 och 480"),
    ({}, "behöver en \\[course\\]-del"),
    ({"course": {"id": "k", "title": "K"}}, "saknar 'start'"),
    (plan(start="den elfte"), "ÅÅÅÅ-MM-DD"),
    (plan(pace_days=0), "pace_days"),
    (plan(pace_days="två veckor"), "pace_days"),
    (plan(id="min kurs"), "får inte vara tomt"),
    ({"course": {"id": "k", "title": "K", "start": dt.date(2027, 1, 1)}}, "har inga uppgifter"),
    ({"course": {"id": "k", "title": "K", "start": dt.date(2027, 1, 1)},
      "task": [{"id": "a", "title": "A"}, {"id": "a", "title": "B"}]}, "två gånger"),
    ({"course": {"id": "k", "title": "K", "start": dt.date(2027, 1, 1)}, "task": [{"title": "A"}]}, "både id och title"),
    ({"course": {"id": "k", "title": "K", "start": dt.date(2027, 1, 1)},
      "task": [{"id": "a", "title": "A"}, {"id": "b", "title": "B", "release": dt.date(2026, 1, 1)}]}, "tur och ordning"),
    (plan(closes=dt.date(2027, 1, 1)), "före den sista"),
])
def test_is_every_broken_plan_refused_with_a_message_that_says_what_to_fix(data, message):
    with pytest.raises(CoursePlanError, match=message):
        parse_course(data)


def test_are_a_missing_and_an_unreadable_course_file_explained(tmp_path):
    with pytest.raises(CoursePlanError, match="Det finns ingen course.toml"):
        load_course(tmp_path)
    (tmp_path / "course.toml").write_text("[course\nid=", encoding="utf-8")
    with pytest.raises(CoursePlanError, match="går inte att läsa"):
        load_course(tmp_path)


def test_does_asking_for_an_unknown_task_list_the_known_ones():
    with pytest.raises(CoursePlanError, match="00-a, 01-b, 02-c"):
        parse_course(plan()).task("99-z")


# ---- course.toml as coordinators really save it (issue 13, point 11) ----

COURSE_TEXT = """# Kursplanen
[course]
id = "k"
title = "Sök och dela – en kurs för Växjö"
start = 2027-01-11

[nudge]
days_inactive = 21

[[task]]
id = "00-a"
title = "Välkommen"

[[task]]
id = "01-b"
title = "Bloggar"
"""


def write_course(folder, text: str = COURSE_TEXT, encoding: str = "utf-8", bom: bytes = b""):
    (folder / "course.toml").write_bytes(bom + text.encode(encoding))
    return folder


@pytest.mark.parametrize("encoding, bom", [("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""), ("utf-16-le", b"\xff\xfe")])
def test_is_course_toml_read_as_notepad_and_excel_save_it(tmp_path, encoding, bom):
    course = load_course(write_course(tmp_path, encoding=encoding, bom=bom))
    assert course.title == "Sök och dela – en kurs för Växjö"
    assert course.task_ids == ["00-a", "01-b"]


def refusal(tmp_path, text: str) -> str:
    write_course(tmp_path, text)
    with pytest.raises(CoursePlanError) as caught:
        load_course(tmp_path)
    return str(caught.value)


def test_is_a_misspelt_key_named_with_its_line_and_the_key_meant(tmp_path):
    text = COURSE_TEXT.replace('title = "Bloggar"', 'title = "Bloggar"\nrelase = 2027-02-01')
    message = refusal(tmp_path, text)
    assert "okänd nyckel 'relase' på rad 17" in message
    assert "menade du 'release'?" in message and "uppgift 1, '01-b'" in message


def test_is_a_misspelt_table_named_with_the_one_meant(tmp_path):
    assert "menade du [nudge]?" in refusal(tmp_path, COURSE_TEXT.replace("[nudge]", "[nuge]"))


def test_is_a_date_without_leading_zeros_explained_with_the_form_and_an_example(tmp_path):
    message = refusal(tmp_path, COURSE_TEXT.replace("start = 2027-01-11", "start = 2027-1-11"))
    assert "rad 5 (start = 2027-1-11)" in message
    assert "ÅÅÅÅ-MM-DD" in message and "start = 2027-01-11" in message
    assert "Expected" not in message and "line" not in message  # not the TOML parser's English


def test_is_text_without_quotes_explained(tmp_path):
    message = refusal(tmp_path, COURSE_TEXT.replace('title = "Välkommen"', "title = Välkommen"))
    assert "rad 12 (title = Välkommen)" in message and 'title = "Välkommen"' in message


@pytest.mark.parametrize("line, fragment", [
    ('days_inactive = "tre veckor"', "[nudge] days_inactive på rad 8 ska vara ett helt tal"),
    ("days_inactive = 0", "minst 1"),
])
def test_is_a_nudge_rule_that_is_not_a_number_explained(tmp_path, line, fragment):
    message = refusal(tmp_path, COURSE_TEXT.replace("days_inactive = 21", line))
    assert fragment in message and "days_inactive = 21" in message


def test_is_a_wrong_time_zone_explained_with_the_likely_one(tmp_path):
    text = COURSE_TEXT.replace("start = 2027-01-11", 'start = 2027-01-11\ntimezone = "Europe/Stokholm"')
    message = refusal(tmp_path, text)
    assert "timezone på rad 6" in message and "Menade du 'Europe/Stockholm'?" in message


def test_does_the_course_carry_its_time_zone_and_login_address(tmp_path):
    text = COURSE_TEXT.replace("start = 2027-01-11",
                               'start = 2027-01-11\ntimezone = "Europe/Helsinki"\nurl = "https://kurs.example"')
    course = load_course(write_course(tmp_path, text))
    assert (course.timezone, course.url) == ("Europe/Helsinki", "https://kurs.example")
    assert load_course(write_course(tmp_path)).timezone == "Europe/Stockholm"


def test_does_a_key_that_moved_say_where_it_went(tmp_path):
    message = refusal(tmp_path, COURSE_TEXT + '\n[mail]\nhub_url = "https://kurs.example"\n')
    assert "hub_url under [mail] på rad 19 har flyttat" in message and "url under [course]" in message


def test_do_task_errors_name_the_task_as_learners_number_it():
    """The schedule says task 1 for the second [[task]]; so does every message about it."""
    data = plan()
    data["task"][1]["release"] = dt.date(2026, 1, 1)
    with pytest.raises(CoursePlanError, match=r"Uppgift 1 \('01-b'\)"):
        parse_course(data)
    assert parse_course(plan()).task("01-b").label == "Uppgift 1 (01-b)"
