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
