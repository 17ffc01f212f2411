"""The progress numbers, checked against values worked out by hand.

Most tests use the fixture course (fixtures_analytics.py: 11 learners, 5 tasks, TODAY = 15 March 2027).
Positions on TODAY, sorted: 0 (gustav), 1 (ivar), 2 (eva), 3 (dan), 4 (jon), 5 × 6 (the rest), so the
median is 5, the spread 5 − 0 = 5, and with pandas' linear quantiles Q1 = 2.5 (between the 3rd and
4th values, 2 and 3) and Q3 = 5, an interquartile range of 2.5.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from ensak.analytics import progress as P
from ensak.analytics.collected import (
    KEY,
    PROBLEM,
    SAVED,
    VALUE,
    read_collected_answers,
)
from ensak.analytics.collected import (
    LEARNER as ANSWER_LEARNER,
)
from ensak.analytics.collected import (
    TASK as ANSWER_TASK,
)
from ensak.analytics.gradebook import (
    AUTO_SCORE,
    AUTOGRADED,
    DUEDATE,
    EMAIL,
    FIRST_NAME,
    LAST_NAME,
    LATE,
    LEARNER,
    MAX_SCORE,
    NEEDS_MANUAL_GRADE,
    RELEASE,
    ROLE,
    SCORE,
    TASK,
    TASK_NUMBER,
    TIMESTAMP,
    TITLE,
    UNIT,
    assemble_progress,
    learners_in,
    load_progress,
)
from ensak.course.plan import NudgeRules, load_course
from ensak.swedish import swedish_date

# The fixtures module is also loaded as a plugin (pytest_plugins below): let pytest rewrite its asserts.
pytest.register_assert_rewrite("fixtures_analytics")
from fixtures_analytics import TODAY  # noqa: E402

pytest_plugins = ["fixtures_analytics"]


@pytest.fixture(scope="module")
def progress(analytics_course) -> pd.DataFrame:
    return load_progress(analytics_course.root, analytics_course.db_url)


@pytest.fixture(scope="module")
def status(progress) -> pd.DataFrame:
    return P.learner_status(progress, TODAY)


@pytest.fixture(scope="module")
def collected(analytics_course):
    return read_collected_answers(analytics_course.root)


def by_learner(frame: pd.DataFrame, column: str) -> dict:
    return dict(zip(frame[LEARNER], frame[column]))


# ---- per task ----

def test_how_many_have_submitted_each_task_and_how_soon_after_release(progress):
    tasks = P.task_summary(progress, TODAY)
    assert list(tasks[TASK]) == ["00-valkommen", "01-blogg", "02-sok", "03-bild", "04-avslutning"]
    assert list(tasks[P.SUBMISSIONS]) == [10, 9, 8, 7, 6]
    assert tasks[P.SHARE].tolist() == pytest.approx([10 / 11, 9 / 11, 8 / 11, 7 / 11, 6 / 11])
    # Task 1, days after 11 January: 1,1,1,2,2,3,4,5,7,9 → median (2+3)/2. Task 2: 1,1,1,2,3,4,5,7,36 → 3.
    assert tasks[P.MEDIAN_DAYS].tolist() == [2.5, 3.0, 2.0, 2.0, 1.0]
    assert list(tasks[P.LATE_COUNT]) == [0, 0, 1, 0, 0]
    assert list(tasks[P.AWAITING_MANUAL]) == [0, 1, 0, 7, 6]
    # Task 2: eight submissions with 4 points and eva's with 2 (reflection not graded yet).
    assert tasks[P.MEAN_SCORE].tolist() == pytest.approx([4.0, 34 / 9, 31 / 8, 2.0, 2.0])


def test_does_a_past_today_leave_out_later_submissions(progress):
    tasks = P.task_summary(progress, dt.date(2027, 1, 31))
    assert list(tasks[P.SUBMISSIONS]) == [10, 7, 0, 0, 0]
    assert list(tasks[P.RELEASED]) == [True, True, False, False, False]


# ---- per learner ----

def test_where_is_each_learner(status):
    assert by_learner(status, P.TASKS_DONE) == {
        "anna": 5, "bo": 5, "cilla": 5, "fia": 5, "hanna": 5, "karin": 5,
        "jon": 4, "dan": 3, "eva": 2, "ivar": 1, "gustav": 0,
    }
    assert by_learner(status, P.CURRENT_TASK)["dan"] == "03-bild"
    assert by_learner(status, P.CURRENT_TASK)["gustav"] == "00-valkommen"
    assert by_learner(status, P.CURRENT_TASK)["anna"] == ""
    assert {learner for learner, done in by_learner(status, P.FINISHED).items() if done} == {
        "anna", "bo", "cilla", "fia", "hanna", "karin"}


def test_how_many_days_since_each_learner_last_submitted(status):
    days = by_learner(status, P.DAYS_SINCE_ACTIVITY)
    assert days["jon"] == 21     # 22 February → 15 March
    assert days["dan"] == 20     # 23 February
    assert days["ivar"] == 56    # 18 January
    assert days["gustav"] == 63  # never submitted: counted from the course start on 11 January
    assert pd.isna(by_learner(status, P.LAST_ACTIVITY)["gustav"])


# ---- spread ----

def test_what_are_the_median_and_spread_today(progress):
    now = P.cohort_position(progress, TODAY)
    assert (now[P.MEDIAN], now[P.FASTEST], now[P.SLOWEST], now[P.SPREAD]) == (5, 5, 0, 5)
    assert (now[P.Q1], now[P.Q3], now[P.IQR]) == (2.5, 5.0, 2.5)


def test_how_did_the_spread_develop(progress):
    spread = P.spread_over_time(progress, [dt.date(2027, 1, 11), dt.date(2027, 1, 31), TODAY])
    assert spread[P.LEARNERS].tolist() == [11, 11, 11]
    # 31 January: seven have done 2 tasks, dan, eva and ivar 1, gustav 0 → 0,1,1,1,2,2,2,2,2,2,2.
    assert spread[P.MEDIAN].tolist() == [0, 2, 5]
    assert spread[P.SPREAD].tolist() == [0, 2, 5]
    assert spread[P.Q1].tolist() == [0, 1, 2.5]
    assert spread[P.IQR].tolist() == [0, 1, 2.5]


def test_is_the_cohort_followed_weekly_up_to_today(progress):
    dates = P.spread_dates(progress, TODAY)
    assert dates[0] == dt.date(2027, 1, 11)
    assert dates[-1] == TODAY
    assert all((b - a).days <= 7 for a, b in zip(dates, dates[1:]))


def test_how_many_submissions_came_in_each_week(progress):
    weekly = P.weekly_submissions(progress, TODAY)
    assert weekly[P.WEEK].tolist()[:3] == [dt.date(2027, 1, 11), dt.date(2027, 1, 18), dt.date(2027, 1, 25)]
    assert weekly[P.SUBMISSIONS].tolist() == [8, 2, 7, 1, 6, 1, 7, 2, 6, 0]
    assert int(weekly[P.SUBMISSIONS].sum()) == 40


# ---- nudges ----

def test_who_is_nudged_and_why(analytics_course, status):
    rules = load_course(analytics_course.root).nudge
    assert rules == NudgeRules(tasks_behind_median=2, days_inactive=21)
    nudges = P.nudge_list(status, rules, TODAY)
    assert list(nudges[LEARNER]) == ["gustav", "ivar", "eva", "dan", "jon"]  # most behind first
    assert by_learner(nudges, P.BEHIND) == {"gustav": True, "ivar": True, "eva": True, "dan": True, "jon": False}
    assert by_learner(nudges, P.INACTIVE) == {"gustav": True, "ivar": True, "eva": False, "dan": False, "jon": True}
    reasons = by_learner(nudges, P.REASON)
    assert reasons["dan"] == "Ligger 2 uppgifter efter gruppens median (har lämnat in 3, medianen är 5)."
    assert reasons["jon"] == "Ingen inlämning på 21 dagar (senast 22 februari)."
    assert reasons["gustav"] == ("Ligger 5 uppgifter efter gruppens median (har lämnat in 0, medianen är 5). "
                                 "Har inte lämnat in något sedan kursen startade för 63 dagar sedan.")


def test_do_stricter_rules_nudge_fewer(status):
    nudges = P.nudge_list(status, NudgeRules(tasks_behind_median=3, days_inactive=60), TODAY)
    assert set(nudges[LEARNER]) == {"gustav", "ivar", "eva"}


def small_course(submissions: dict[str, list[str]], releases: list[str]) -> pd.DataFrame:
    """A progress grid built by hand: tasks released on `releases`, learners' submission dates in order."""
    tasks = pd.DataFrame({TASK: [f"{n:02d}-uppgift" for n in range(len(releases))],
                          TASK_NUMBER: range(1, len(releases) + 1),
                          TITLE: [f"Uppgift {n + 1}" for n in range(len(releases))],
                          RELEASE: pd.to_datetime(releases)})
    columns = [LEARNER, TASK, TIMESTAMP, DUEDATE, LATE, AUTOGRADED, SCORE, AUTO_SCORE, NEEDS_MANUAL_GRADE]
    rows = [(learner, tasks[TASK][n], pd.Timestamp(day), pd.NaT, False, True, 1.0, 1.0, False)
            for learner, days in submissions.items() for n, day in enumerate(days)]
    roster = pd.DataFrame({"id": list(submissions), "first_name": "", "last_name": "", "email": "",
                           "unit": "", "role": ""})
    assignments = pd.DataFrame({TASK: tasks[TASK], DUEDATE: pd.NaT, MAX_SCORE: 1.0})
    students = pd.DataFrame(columns=[LEARNER, FIRST_NAME, LAST_NAME, EMAIL], dtype=str)
    return assemble_progress(tasks, students, pd.DataFrame(rows, columns=columns), assignments, roster)


def test_is_someone_who_has_done_everything_released_left_alone_while_waiting():
    grid = small_course({"anna": ["2027-01-05"], "bo": []}, releases=["2027-01-01", "2027-03-01"])
    today = dt.date(2027, 2, 15)
    status = P.learner_status(grid, today)
    assert by_learner(status, P.DAYS_SINCE_ACTIVITY) == {"anna": 41, "bo": 45}
    assert by_learner(status, P.CAUGHT_UP) == {"anna": True, "bo": False}
    nudges = P.nudge_list(status, NudgeRules(tasks_behind_median=2, days_inactive=21), today)
    assert list(nudges[LEARNER]) == ["bo"]


def test_does_the_nudge_list_say_one_task_not_one_tasks():
    grid = small_course({"a": ["2027-01-02", "2027-01-03"], "b": ["2027-01-02", "2027-01-03"], "c": ["2027-01-02"]},
                        releases=["2027-01-01", "2027-01-02"])
    status = P.learner_status(grid, dt.date(2027, 1, 4))
    nudges = P.nudge_list(status, NudgeRules(tasks_behind_median=1, days_inactive=21), dt.date(2027, 1, 4))
    assert nudges[P.REASON].tolist() == ["Ligger 1 uppgift efter gruppens median (har lämnat in 1, medianen är 2)."]


# ---- funnel ----

def test_how_far_did_everyone_get(progress):
    funnel = P.completion_funnel(progress, today=TODAY)
    assert funnel[P.STAGE].tolist() == ["Anmälda", "Påbörjat", "Nått uppgift 2", "Nått uppgift 3", "Nått uppgift 4",
                                        "Nått uppgift 5", "Klara"]
    assert funnel[P.LEARNERS].tolist() == [11, 10, 9, 8, 7, 6, 6]


def test_how_far_did_each_unit_and_role_get(progress):
    units = P.completion_funnel(progress, by=UNIT, today=TODAY)
    counts = units.groupby(P.GROUP)[P.LEARNERS].apply(list).to_dict()
    assert counts == {"Stadsbiblioteket": [7, 7, 7, 6, 5, 5, 5], "Filial Norr": [4, 3, 2, 2, 2, 1, 1]}
    roles = P.completion_funnel(progress, by=ROLE, today=TODAY)
    counts = roles.groupby(P.GROUP)[P.LEARNERS].apply(list).to_dict()
    assert counts == {"bibliotekarie": [7, 7, 7, 6, 6, 5, 5], "chef": [2, 1, 1, 1, 1, 1, 1],
                      "assistent": [2, 2, 1, 1, 0, 0, 0]}
    assert roles.loc[roles[P.GROUP] == "chef", P.SHARE].tolist()[-1] == 0.5


# ---- collected answers, self-assessment ----

def test_is_a_damaged_answers_file_reported_and_the_rest_still_read(collected):
    assert list(zip(collected.problems[ANSWER_LEARNER], collected.problems[ANSWER_TASK])) == [("jon", "00-valkommen")]
    assert "skadad" in collected.problems[PROBLEM].iloc[0]
    assert len(collected.answers) == 32
    assert "jon" not in set(collected.answers[ANSWER_LEARNER])


def test_how_did_the_self_assessment_change(collected):
    change = P.self_assessment_change(collected.answers).set_index(P.SKILL)
    blogg, sok = change.loc["blogg"], change.loc["sok"]
    assert (blogg[P.ANSWERED_BEFORE], blogg[P.ANSWERED_AFTER], blogg[P.PAIRED]) == (9, 6, 6)
    # Paired: anna, bo, cilla, fia, hanna, karin. Blog before 1+2+2+3+1+2 = 11, after 4+4+3+5+3+3 = 22.
    assert (blogg[P.BEFORE_MEAN], blogg[P.AFTER_MEAN], blogg[P.CHANGE]) == pytest.approx((11 / 6, 22 / 6, 11 / 6))
    # Search before 3+3+4+2+3+2 = 17, after 4+3+4+4+5+3 = 23.
    assert (sok[P.BEFORE_MEAN], sok[P.AFTER_MEAN], sok[P.CHANGE]) == pytest.approx((17 / 6, 23 / 6, 1.0))
    assert change.loc["wikipedia", P.PAIRED] == 0 and math.isnan(change.loc["wikipedia", P.CHANGE])


def test_are_ratings_outside_the_scale_ignored():
    answers = pd.DataFrame({ANSWER_LEARNER: ["a", "a"], ANSWER_TASK: ["00", "09"],
                            KEY: ["sjalvskattning-fore", "sjalvskattning-efter"],
                            VALUE: [{"blogg": 7, "sok": True}, {"blogg": 4, "sok": 2}], SAVED: [None, None]})
    change = P.self_assessment_change(answers).set_index(P.SKILL)
    assert change.loc["blogg", P.ANSWERED_BEFORE] == 0
    assert change.loc["sok", P.ANSWERED_BEFORE] == 0


# ---- evaluation ----

def test_are_the_evaluation_answers_shown_without_names_for_the_whole_cohort(progress, collected):
    comments = P.evaluation_comments(collected.answers, learners_in(progress))
    assert LEARNER not in comments.columns
    assert len(comments) == 16  # 6 + 4 + 6 non-empty answers from the six who finished
    answers = set(comments[P.ANSWER])
    assert "Att [namn] och jag kan blogga nu." in answers
    assert not any("Bo " in answer for answer in answers)
    first = comments[comments[P.QUESTION_KEY] == "utvardering-bra"][P.ANSWER].tolist()
    assert first == sorted(first), "sorted by text, not by who wrote it"


def test_are_small_groups_and_groups_that_would_give_them_away_hidden(progress, collected):
    learners = learners_in(progress)
    # Filial Norr has one respondent, so it is hidden; Stadsbiblioteket's five would then be the whole
    # cohort's six minus Filial Norr's one, so it is hidden as well.
    groups = P.evaluation_groups(collected.answers, learners, by=UNIT).set_index(P.GROUP)
    assert groups[P.RESPONDENTS].to_dict() == {"Filial Norr": 1, "Stadsbiblioteket": 5}
    assert not groups[P.SHOWN].any()
    assert P.evaluation_comments(collected.answers, learners, by=UNIT).empty
    assert P.evaluation_comments(collected.answers, learners, by=ROLE).empty


def evaluation_answers(groups: dict[str, int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    people = [(f"{group.lower()}{n}", group) for group, size in groups.items() for n in range(size)]
    answers = pd.DataFrame({ANSWER_LEARNER: [p for p, _ in people], ANSWER_TASK: "09-slut",
                            KEY: "utvardering-bra", VALUE: [f"Svar från {g}" for _, g in people], SAVED: None})
    learners = pd.DataFrame({LEARNER: [p for p, _ in people], UNIT: [g for _, g in people],
                             "first_name": "", "last_name": ""})
    return answers, learners


def test_is_a_group_of_five_or_more_shown_when_the_hidden_ones_cannot_be_worked_out():
    answers, learners = evaluation_answers({"A": 6, "B": 5, "C": 1})
    groups = P.evaluation_groups(answers, learners, by=UNIT).set_index(P.GROUP)
    assert groups[P.SHOWN].to_dict() == {"C": False, "B": False, "A": True}
    comments = P.evaluation_comments(answers, learners, by=UNIT)
    assert set(comments[P.GROUP]) == {"A"} and len(comments) == 6


def test_are_fewer_than_five_respondents_never_shown():
    answers, learners = evaluation_answers({"A": 4})
    assert P.evaluation_comments(answers, learners).empty
    answers, learners = evaluation_answers({"A": 5})
    assert len(P.evaluation_comments(answers, learners)) == 5


def test_are_names_replaced_only_as_whole_words():
    text = "Tack Anna! Annas grupp och Bo Berg. bo kvar"
    assert P.redact_names(text, ["Anna", "Bo", "Berg"]) == "Tack [namn]! Annas grupp och [namn] [namn]. bo kvar"


# ---- pseudonyms and formatting ----

def test_are_pseudonyms_stable_and_free_of_names(status):
    mapping = P.pseudonyms(status[LEARNER])
    assert mapping["anna"] == "Deltagare 01" and mapping["gustav"] == "Deltagare 07"
    assert P.pseudonyms(reversed(list(status[LEARNER]))) == mapping
    hidden = P.pseudonymise(status, mapping)
    assert not {"first_name", "last_name", "email"} & set(hidden.columns)
    assert set(hidden[LEARNER]) == set(mapping.values())


def test_are_numbers_and_dates_written_the_swedish_way():
    assert P.swedish_number(2.5) == "2,5"
    assert P.swedish_number(3.0) == "3"
    assert P.swedish_number(11 / 6) == "1,8"
    assert swedish_date(dt.date(2027, 2, 22), year=False) == "22 februari"


def test_is_nobody_inactive_before_the_course_has_started(progress):
    """A report run before the kickoff shows 0 days, never a negative count, and nudges nobody."""
    before = P.learner_status(progress, dt.date(2026, 12, 1))
    assert (before[P.DAYS_SINCE_ACTIVITY] == 0).all()
    assert P.nudge_list(before, NudgeRules(), dt.date(2026, 12, 1)).empty
