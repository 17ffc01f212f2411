"""The numbers people ask about a course, as pure functions from DataFrames to DataFrames.

Input is the learner × task grid from ensak.analytics.gradebook (and, for self-assessment and the evaluation,
the answers from ensak.analytics.collected). Nothing here reads files or databases, so every figure can be
checked by hand on a small frame. `today` makes every view an "as of" view: submissions after it
are ignored, so a report can be re-run for any past date.

A learner's position is the number of tasks they have submitted: in a self-paced course that is how
far they have come, whichever order they took the tasks in.

Only people taking part count: learners who have left (ACTIVE false in the grid) are kept out of every
figure by `current_learners` and shown apart by `leavers`. Task numbers are as learners see them (from 0).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Iterable, Mapping

import pandas as pd

from ensak.analytics.collected import KEY, SAVED, VALUE
from ensak.analytics.gradebook import (  # noqa: F401  (notebooks read every column name from here)
    ACTIVE,
    AUTOGRADED,
    EMAIL,
    FIRST_NAME,
    JOINED,
    LAST_NAME,
    LATE,
    LEARNER,
    LEFT,
    MAX_SCORE,
    NEEDS_MANUAL_GRADE,
    RELEASE,
    ROLE,
    ROSTER_FIELDS,
    SCORE,
    SUBMITTED,
    TASK,
    TASK_NUMBER,
    TIMESTAMP,
    TITLE,
    UNIT,
)
from ensak.clock import course_today
from ensak.course.plan import NudgeRules
from ensak.course.skills import AFTER_KEY, BEFORE_KEY, COURSE_SKILLS, EVALUATION_KEYS
from ensak.swedish import count_noun, decimal, swedish_date

# Per task
LEARNERS = "learners"
SUBMISSIONS = "submissions"
SHARE = "share"
FIRST_SUBMISSION = "first_submission"
LAST_SUBMISSION = "last_submission"
MEDIAN_DAYS = "median_days_to_submit"
LATE_COUNT = "late"
AWAITING_MANUAL = "awaiting_manual_grade"
MEAN_SCORE = "mean_score"
RELEASED = "released"
# Per learner
TASKS_DONE = "tasks_done"
TASKS_RELEASED = "tasks_released"
FURTHEST_TASK = "furthest_task"
CURRENT_TASK = "current_task"
CURRENT_TITLE = "current_title"
CURRENT_NUMBER = "current_number"
LAST_ACTIVITY = "last_activity"
DAYS_SINCE_ACTIVITY = "days_since_activity"
# Since when the learner has had a released task to do and not handed anything in: the later of their last
# submission, the day they joined and the day their current task was actually released.
IDLE_SINCE = "idle_since"
IDLE_DAYS = "idle_days"
FINISHED = "finished"
CAUGHT_UP = "caught_up"
# Spread
DATE = "date"
MEDIAN = "median"
FASTEST = "fastest"
SLOWEST = "slowest"
SPREAD = "spread"
Q1 = "q1"
Q3 = "q3"
IQR = "iqr"
# Timeline
WEEK = "week"
ACTIVE_LEARNERS = "active_learners"
# Nudges
TASKS_BEHIND = "tasks_behind"
BEHIND = "behind"
INACTIVE = "inactive"
REASON = "reason"
# Funnel
GROUP = "group"
STAGE = "stage"
STAGE_ORDER = "stage_order"
GROUP_SIZE = "group_size"
# Self-assessment
SKILL = "skill"
SKILL_LABEL = "skill_label"
ANSWERED_BEFORE = "answered_before"
ANSWERED_AFTER = "answered_after"
PAIRED = "paired"
BEFORE_MEAN = "before"
AFTER_MEAN = "after"
CHANGE = "change"
# Evaluation
QUESTION_KEY = "question_key"
QUESTION = "question"
ANSWER = "answer"
RESPONDENTS = "respondents"
SHOWN = "shown"

# Free-text answers, and any breakdown by unit or role in pseudonymised output, are never shown for fewer
# people than this: with fewer, colleagues can tell who wrote what or who is who.
MIN_GROUP_SIZE = 5
ALL_LEARNERS = "Alla"
UNKNOWN_GROUP = "(okänd)"
SMALL_GROUP = f"(färre än {MIN_GROUP_SIZE})"
NAME_PLACEHOLDER = "[namn]"
PSEUDONYM_PREFIX = "Deltagare"
SELF_ASSESSMENT_SCALE = range(1, 6)


def _today(today: dt.date | None) -> dt.date:
    # The course's today (ensak.clock), never the machine's: a server in UTC is a day behind after midnight.
    return today if today is not None else course_today()


def current_learners(progress: pd.DataFrame) -> pd.DataFrame:
    """The grid without learners who have left (a grid without ACTIVE counts everyone as taking part)."""
    if ACTIVE not in progress.columns or progress[ACTIVE].all():
        return progress
    return progress[progress[ACTIVE].astype(bool)].reset_index(drop=True)


def leavers(progress: pd.DataFrame) -> pd.DataFrame:
    """The grid of learners who have left, shown apart ("Avslutade") and counted nowhere else (someone who
    has not joined yet on the grid's day is neither taking part nor a leaver)."""
    if ACTIVE not in progress.columns:
        return progress.iloc[0:0]
    gone = ~progress[ACTIVE].astype(bool) & (progress[LEFT].notna() if LEFT in progress.columns else True)
    return progress[gone].reset_index(drop=True)


def _released_by(releases: pd.Series, today: dt.date) -> pd.Series:
    """Which tasks had reached the learners by the end of `today` (a task nobody released has no date)."""
    return (releases < _day_end(today)).fillna(False).astype(bool)


def _day_end(today: dt.date) -> pd.Timestamp:
    return pd.Timestamp(today) + pd.Timedelta(days=1)


def as_of(progress: pd.DataFrame, today: dt.date | None = None) -> pd.DataFrame:
    """The grid as it stood at the end of `today`: later submissions count as not (yet) submitted."""
    today = _today(today)
    later = progress[SUBMITTED] & (progress[TIMESTAMP] >= _day_end(today))
    if not later.any():
        return progress
    frame = progress.copy()
    frame.loc[later, [SUBMITTED, LATE, AUTOGRADED, NEEDS_MANUAL_GRADE]] = False
    frame.loc[later, [TIMESTAMP, SCORE]] = [pd.NaT, math.nan]
    return frame


def answers_as_of(answers: pd.DataFrame, progress: pd.DataFrame, today: dt.date | None = None) -> pd.DataFrame:
    """The collected answers without those from submissions made after `today`, so that an "as of"
    report does not quote an evaluation that had not been written yet."""
    stamps = progress.loc[progress[SUBMITTED], [LEARNER, TASK, TIMESTAMP]]
    merged = answers.merge(stamps, on=[LEARNER, TASK], how="left")
    keep = ~(merged[TIMESTAMP] >= _day_end(_today(today))).to_numpy()
    return answers[keep]


def swedish_number(value: float, decimals: int = 1) -> str:
    """2.5 → "2,5" and 3.0 → "3" (ensak.swedish.decimal), and "–" for a number that is missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return "–"
    return decimal(float(value), decimals)


def task_summary(progress: pd.DataFrame, today: dt.date | None = None) -> pd.DataFrame:
    """Per task: how many have submitted (and what share), when, how many days after release (median),
    how many late, how many still wait for a manual grade, and the mean score of those graded out of MAX_SCORE."""
    today = _today(today)
    grid = as_of(progress, today)
    submitted = grid[grid[SUBMITTED]].copy()
    submitted["_days"] = (submitted[TIMESTAMP].dt.normalize() - submitted[RELEASE]).dt.days
    by_task = submitted.groupby(TASK)
    max_scores = grid.drop_duplicates(TASK).set_index(TASK)[MAX_SCORE] if MAX_SCORE in grid.columns else None
    summary = grid.drop_duplicates(TASK)[[TASK, TASK_NUMBER, TITLE, RELEASE]].set_index(TASK)
    summary[RELEASED] = _released_by(summary[RELEASE], today)
    summary[LEARNERS] = grid.groupby(TASK)[LEARNER].nunique()
    summary[SUBMISSIONS] = by_task.size()
    summary[SUBMISSIONS] = summary[SUBMISSIONS].fillna(0).astype(int)
    summary[SHARE] = summary[SUBMISSIONS] / summary[LEARNERS].where(summary[LEARNERS] > 0)
    summary[FIRST_SUBMISSION] = by_task[TIMESTAMP].min()
    summary[LAST_SUBMISSION] = by_task[TIMESTAMP].max()
    summary[MEDIAN_DAYS] = by_task["_days"].median()
    summary[LATE_COUNT] = by_task[LATE].sum()
    summary[AWAITING_MANUAL] = by_task[NEEDS_MANUAL_GRADE].sum()
    summary[MEAN_SCORE] = by_task[SCORE].mean()
    summary[MAX_SCORE] = max_scores if max_scores is not None else math.nan
    for column in (LATE_COUNT, AWAITING_MANUAL):
        summary[column] = summary[column].fillna(0).astype(int)
    return summary.reset_index().sort_values(TASK_NUMBER).reset_index(drop=True)


def learner_status(progress: pd.DataFrame, today: dt.date | None = None) -> pd.DataFrame:
    """Per learner: tasks done (their position), the furthest task reached (its number, empty before the
    first), the current task (the first one in course order not yet submitted), the last submission and
    the days since it, and since when they have had a released task waiting without handing anything in.

    Someone who has never submitted counts from the later of the course's first actual release and the
    day they joined. The idle clock (IDLE_SINCE, IDLE_DAYS) starts at the latest of the last submission,
    the day they joined and the actual release of their current task: a learner who was caught up is not
    idle until the next task reaches them.
    """
    today = _today(today)
    grid = as_of(progress, today)
    fields = [*ROSTER_FIELDS, *(c for c in (JOINED, LEFT) if c in grid.columns)]
    people = grid.drop_duplicates(LEARNER).set_index(LEARNER)[fields]
    if people.empty:
        return pd.DataFrame(columns=[LEARNER, *fields, TASKS_DONE, TASKS_RELEASED, FURTHEST_TASK,
                                     CURRENT_TASK, CURRENT_TITLE, CURRENT_NUMBER, LAST_ACTIVITY,
                                     DAYS_SINCE_ACTIVITY, IDLE_SINCE, IDLE_DAYS, FINISHED, CAUGHT_UP])
    day = pd.Timestamp(today)
    plan = grid.drop_duplicates(TASK).sort_values(TASK_NUMBER)
    released_tasks = set(plan.loc[_released_by(plan[RELEASE], today), TASK])
    course_start = plan.loc[plan[TASK].isin(released_tasks), RELEASE].min()
    joined = people[JOINED] if JOINED in people.columns else pd.Series(pd.NaT, index=people.index)
    by_learner = grid.groupby(LEARNER)
    status = people.copy()
    status[TASKS_DONE] = by_learner[SUBMITTED].sum().astype(int)
    status[TASKS_RELEASED] = len(released_tasks)
    done = grid[grid[SUBMITTED]]
    status[FURTHEST_TASK] = done.groupby(LEARNER)[TASK_NUMBER].max().reindex(status.index).astype("Int64")
    open_tasks = grid[~grid[SUBMITTED]].sort_values(TASK_NUMBER).drop_duplicates(LEARNER).set_index(LEARNER)
    status[CURRENT_TASK] = open_tasks[TASK].reindex(status.index).fillna("")
    status[CURRENT_TITLE] = open_tasks[TITLE].reindex(status.index).fillna("")
    status[CURRENT_NUMBER] = open_tasks[TASK_NUMBER].reindex(status.index).astype("Int64")
    current_release = open_tasks[RELEASE].reindex(status.index)
    status[LAST_ACTIVITY] = pd.to_datetime(done.groupby(LEARNER)[TIMESTAMP].max()).dt.normalize()
    could_start = pd.concat([joined.dt.normalize(), pd.Series(course_start, index=status.index)], axis=1).max(axis=1)
    since = status[LAST_ACTIVITY].fillna(could_start)
    # Before the course has started nobody has been inactive yet: never a negative count.
    status[DAYS_SINCE_ACTIVITY] = (day - since).dt.days.clip(lower=0).fillna(0).astype(int)
    status[FINISHED] = status[TASKS_DONE] == len(plan)
    released_done = grid[grid[SUBMITTED] & grid[TASK].isin(released_tasks)].groupby(LEARNER).size()
    status[CAUGHT_UP] = released_done.reindex(status.index).fillna(0).astype(int) >= len(released_tasks)
    waiting = current_release.where(_released_by(current_release, today))
    idle_since = pd.concat([status[LAST_ACTIVITY], joined.dt.normalize(), waiting], axis=1).max(axis=1)
    status[IDLE_SINCE] = idle_since.where(~status[CAUGHT_UP])
    status[IDLE_DAYS] = (day - status[IDLE_SINCE]).dt.days.clip(lower=0).fillna(0).astype(int)
    return status.reset_index().sort_values([TASKS_DONE, LEARNER], ascending=[False, True]).reset_index(drop=True)


def _position_summary(positions: pd.Series) -> dict:
    if positions.empty:
        return {LEARNERS: 0, MEDIAN: math.nan, FASTEST: math.nan, SLOWEST: math.nan, SPREAD: math.nan,
                Q1: math.nan, Q3: math.nan, IQR: math.nan}
    q1, q3 = positions.quantile(0.25), positions.quantile(0.75)
    return {
        LEARNERS: int(positions.size),
        MEDIAN: float(positions.median()),
        FASTEST: int(positions.max()),
        SLOWEST: int(positions.min()),
        SPREAD: int(positions.max() - positions.min()),
        Q1: float(q1),
        Q3: float(q3),
        IQR: float(q3 - q1),
    }


def spread_dates(progress: pd.DataFrame, today: dt.date | None = None, step_days: int = 7) -> list[dt.date]:
    """Dates to follow the cohort on: every `step_days` from the course start, and today."""
    today = _today(today)
    start = progress.loc[_released_by(progress[RELEASE], today), RELEASE].min()
    if pd.isna(start) or start.date() > today:
        return [today]
    days = pd.date_range(start.date(), today, freq=f"{step_days}D").date.tolist()
    return days if days[-1] == today else [*days, today]


def spread_over_time(progress: pd.DataFrame, dates: Iterable[dt.date]) -> pd.DataFrame:
    """The cohort's median position and its spread at the end of each date.

    SPREAD is the fastest learner's position minus the slowest's; IQR is the interquartile range
    (pandas' linear quantiles), which a single straggler or racer does not move.
    """
    learners = progress[LEARNER].drop_duplicates()
    done_days = progress.loc[progress[SUBMITTED], [LEARNER, TIMESTAMP]]
    rows = []
    for day in dates:
        counts = done_days[done_days[TIMESTAMP] < _day_end(day)].groupby(LEARNER).size()
        positions = counts.reindex(learners, fill_value=0)
        rows.append({DATE: day, **_position_summary(positions)})
    return pd.DataFrame(rows, columns=[DATE, LEARNERS, MEDIAN, FASTEST, SLOWEST, SPREAD, Q1, Q3, IQR])


def weekly_submissions(progress: pd.DataFrame, today: dt.date | None = None) -> pd.DataFrame:
    """Submissions per week (weeks start on Monday), from the course's first week to this one,
    with how many different learners submitted in each; quiet weeks show as zero."""
    today = _today(today)
    grid = as_of(progress, today)
    done = grid[grid[SUBMITTED]]
    start = grid.loc[_released_by(grid[RELEASE], today), RELEASE].min()
    first = start if not pd.isna(start) else (done[TIMESTAMP].min() if len(done) else pd.Timestamp(today))
    first_monday = (first - pd.Timedelta(days=first.weekday())).normalize()
    weeks = pd.date_range(first_monday, pd.Timestamp(today), freq="7D")
    week_of = done[TIMESTAMP].dt.normalize() - pd.to_timedelta(done[TIMESTAMP].dt.day_of_week, unit="D")
    counts = done.groupby(week_of).size().reindex(weeks, fill_value=0)
    active = done.groupby(week_of)[LEARNER].nunique().reindex(weeks, fill_value=0)
    return pd.DataFrame({WEEK: weeks.date, SUBMISSIONS: counts.to_numpy().astype(int),
                         ACTIVE_LEARNERS: active.to_numpy().astype(int)})


def cohort_position(progress: pd.DataFrame, today: dt.date | None = None) -> pd.Series:
    """Median position and spread today, as one row."""
    return spread_over_time(progress, [_today(today)]).iloc[0]


def _tasks_phrase(count: float) -> str:
    return count_noun(count, "uppgift", "uppgifter")


def _idle_reason(row: pd.Series) -> str:
    days = count_noun(int(row[IDLE_DAYS]), "dag", "dagar")
    if pd.isna(row[LAST_ACTIVITY]):
        joined = row.get(JOINED)
        if joined is not None and not pd.isna(joined) and pd.Timestamp(joined).normalize() >= row[IDLE_SINCE]:
            return f"Har inte lämnat in något sedan hen kom med i kursen för {days} sedan."
        return f"Har inte lämnat in något sedan kursen startade för {days} sedan."
    last = swedish_date(row[LAST_ACTIVITY].date(), year=False)
    if row[IDLE_SINCE] > row[LAST_ACTIVITY] and not pd.isna(row.get(CURRENT_NUMBER, pd.NA)):
        return (f"Ingen inlämning på de {days} som gått sedan uppgift {row[CURRENT_NUMBER]} släpptes "
                f"(senast {last}).")
    return f"Ingen inlämning på {days} (senast {last})."


def nudge_list(status: pd.DataFrame, rules: NudgeRules, today: dt.date | None = None) -> pd.DataFrame:
    """Who to nudge, and why in words. `status` is learner_status() for the same `today`.

    Two rules from course.toml's [nudge]: at least `tasks_behind_median` tasks behind the cohort's
    median position, or no submission for at least `days_inactive` days while a released task was
    waiting (IDLE_DAYS: counted from the later of the last submission, the day the learner joined and
    the day their current task actually reached them). Someone who joined less than `days_inactive`
    days ago is not nudged for being behind either: newcomers get time to catch up.
    """
    today = _today(today)
    columns = [LEARNER, *ROSTER_FIELDS, TASKS_DONE, CURRENT_TASK, CURRENT_TITLE, LAST_ACTIVITY,
               DAYS_SINCE_ACTIVITY, IDLE_DAYS, TASKS_BEHIND, BEHIND, INACTIVE, REASON]
    if status.empty:
        return pd.DataFrame(columns=columns)
    frame = status.copy()
    median = float(frame[TASKS_DONE].median())
    frame[TASKS_BEHIND] = median - frame[TASKS_DONE]
    settled = pd.Series(True, index=frame.index)
    if JOINED in frame.columns:
        since_joining = (pd.Timestamp(today) - pd.to_datetime(frame[JOINED]).dt.normalize()).dt.days
        settled = since_joining.isna() | (since_joining >= rules.days_inactive)
    frame[BEHIND] = (frame[TASKS_BEHIND] >= rules.tasks_behind_median) & settled
    frame[INACTIVE] = (frame[IDLE_DAYS] >= rules.days_inactive) & ~frame[CAUGHT_UP]
    frame = frame[frame[BEHIND] | frame[INACTIVE]].copy()

    def reason(row: pd.Series) -> str:
        parts = []
        if row[BEHIND]:
            parts.append(
                f"Ligger {_tasks_phrase(row[TASKS_BEHIND])} efter gruppens median "
                f"(har lämnat in {row[TASKS_DONE]}, medianen är {swedish_number(median)})."
            )
        if row[INACTIVE]:
            parts.append(_idle_reason(row))
        return " ".join(parts)

    frame[REASON] = frame.apply(reason, axis=1) if len(frame) else pd.Series(dtype=str)
    frame = frame.sort_values([TASKS_BEHIND, IDLE_DAYS, LEARNER], ascending=[False, False, True])
    return frame[columns].reset_index(drop=True)


def _group_labels(learners: pd.DataFrame, by: str | None) -> pd.Series:
    if by is None:
        return pd.Series(ALL_LEARNERS, index=learners.index)
    labels = learners[by].astype(str).str.strip()
    return labels.where(labels != "", UNKNOWN_GROUP)


def completion_funnel(progress: pd.DataFrame, by: str | None = None, today: dt.date | None = None) -> pd.DataFrame:
    """How many got how far: enrolled, started (submitted any task), reached task k (submitted task k or a
    later one; numbered as learners see them), finished (submitted every task); per group of `by` (UNIT or
    ROLE), or all together."""
    grid = as_of(progress, today)
    plan = grid.drop_duplicates(TASK).sort_values(TASK_NUMBER)
    n_tasks = len(plan)
    furthest = grid[grid[SUBMITTED]].groupby(LEARNER)[TASK_NUMBER].max()
    learners = grid.drop_duplicates(LEARNER).set_index(LEARNER)
    # The position in course order (0, 1, …), whatever numbers the plan gives; -1 before the first submission.
    order = {number: position for position, number in enumerate(plan[TASK_NUMBER])}
    learners["_furthest"] = furthest.map(order).reindex(learners.index).fillna(-1).astype(int)
    learners["_done"] = grid.groupby(LEARNER)[SUBMITTED].sum().reindex(learners.index).astype(int)
    learners[GROUP] = _group_labels(learners, by)

    stages: list[tuple[str, pd.Series]] = [
        ("Anmälda", pd.Series(True, index=learners.index)),
        ("Påbörjat", learners["_furthest"] >= 0),
    ]
    for position, number in enumerate(plan[TASK_NUMBER].tolist()[1:], start=1):
        stages.append((f"Nått uppgift {number}", learners["_furthest"] >= position))
    stages.append(("Klara", learners["_done"] >= n_tasks if n_tasks else learners["_done"] < 0))

    sizes = learners.groupby(GROUP).size()
    rows = []
    for order, (stage, reached) in enumerate(stages):
        counts = reached.groupby(learners[GROUP]).sum()
        for group, size in sizes.items():
            count = int(counts.get(group, 0))
            rows.append({GROUP: group, STAGE_ORDER: order, STAGE: stage, LEARNERS: count,
                         GROUP_SIZE: int(size), SHARE: count / size})
    frame = pd.DataFrame(rows, columns=[GROUP, STAGE_ORDER, STAGE, LEARNERS, GROUP_SIZE, SHARE])
    return frame.sort_values([GROUP, STAGE_ORDER]).reset_index(drop=True)


def _ratings(answers: pd.DataFrame, key: str) -> pd.DataFrame:
    """Valid ratings under `key` as LEARNER × SKILL → value; the latest answer wins."""
    rows = answers[answers[KEY] == key].sort_values(SAVED, na_position="first")
    records = []
    for learner, value in zip(rows[LEARNER], rows[VALUE]):
        if not isinstance(value, Mapping):
            continue
        for skill, rating in value.items():
            if isinstance(rating, int) and not isinstance(rating, bool) and rating in SELF_ASSESSMENT_SCALE:
                records.append((learner, skill, rating))
    frame = pd.DataFrame(records, columns=[LEARNER, SKILL, "rating"])
    return frame.drop_duplicates([LEARNER, SKILL], keep="last")


def self_assessment_change(answers: pd.DataFrame, skills: Mapping[str, str] = COURSE_SKILLS) -> pd.DataFrame:
    """Per skill: how many rated it at the kickoff and at the end, and for those who did both, the mean
    before, the mean after and the change (after − before) on the 1–5 scale."""
    before = _ratings(answers, BEFORE_KEY)
    after = _ratings(answers, AFTER_KEY)
    paired = before.merge(after, on=[LEARNER, SKILL], suffixes=("_before", "_after"))
    rows = []
    for skill, label in skills.items():
        pair = paired[paired[SKILL] == skill]
        mean_before = pair["rating_before"].mean() if len(pair) else math.nan
        mean_after = pair["rating_after"].mean() if len(pair) else math.nan
        rows.append({
            SKILL: skill, SKILL_LABEL: label,
            ANSWERED_BEFORE: int((before[SKILL] == skill).sum()),
            ANSWERED_AFTER: int((after[SKILL] == skill).sum()),
            PAIRED: len(pair), BEFORE_MEAN: mean_before, AFTER_MEAN: mean_after,
            CHANGE: mean_after - mean_before,
        })
    return pd.DataFrame(rows, columns=[SKILL, SKILL_LABEL, ANSWERED_BEFORE, ANSWERED_AFTER, PAIRED,
                                       BEFORE_MEAN, AFTER_MEAN, CHANGE])


def _evaluation_texts(answers: pd.DataFrame) -> pd.DataFrame:
    rows = answers[answers[KEY].isin(EVALUATION_KEYS)].sort_values(SAVED, na_position="first")
    rows = rows.drop_duplicates([LEARNER, KEY], keep="last")
    texts = rows[VALUE].map(lambda v: v.strip() if isinstance(v, str) else "")
    return pd.DataFrame({LEARNER: rows[LEARNER], QUESTION_KEY: rows[KEY], ANSWER: texts})[texts != ""]


def evaluation_groups(answers: pd.DataFrame, learners: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Per group: how many answered the evaluation, and whether their answers may be shown.

    A group with fewer than MIN_GROUP_SIZE respondents is hidden. If the hidden groups together
    have fewer than that too, the smallest shown groups are hidden as well, so nobody can take the
    shown groups away from the whole cohort's answers and read what a small group wrote.
    """
    texts = _evaluation_texts(answers)
    people = learners.drop_duplicates(LEARNER).set_index(LEARNER)
    respondents = pd.Index(texts[LEARNER].unique())
    groups = _group_labels(people, by).reindex(respondents).fillna(UNKNOWN_GROUP)
    counts = groups.value_counts().rename_axis(GROUP).rename(RESPONDENTS).reset_index()
    counts = counts.sort_values([RESPONDENTS, GROUP]).reset_index(drop=True)
    shown = shown_groups(dict(zip(counts[GROUP], counts[RESPONDENTS])))
    counts[SHOWN] = counts[GROUP].isin(shown)
    return counts[[GROUP, RESPONDENTS, SHOWN]]


def shown_groups(sizes: Mapping[str, int]) -> set[str]:
    """The groups that may be shown: those with at least MIN_GROUP_SIZE people, less the smallest of those
    while the hidden ones together are fewer than that (else the whole minus the shown would give them away)."""
    ordered = sorted(sizes.items(), key=lambda item: (item[1], item[0]))
    shown = {group for group, size in ordered if size >= MIN_GROUP_SIZE}
    hidden = sum(size for group, size in ordered if group not in shown)
    for group, size in ordered:
        if group not in shown:
            continue
        if hidden == 0 or hidden >= MIN_GROUP_SIZE:
            break
        shown.discard(group)
        hidden += size
    return shown


def suppress_small_groups(funnel: pd.DataFrame) -> pd.DataFrame:
    """A breakdown (completion_funnel by unit or role) without the groups shown_groups() hides."""
    sizes = funnel.drop_duplicates(GROUP).set_index(GROUP)[GROUP_SIZE].to_dict()
    return funnel[funnel[GROUP].isin(shown_groups(sizes))].reset_index(drop=True)


def mask_small_groups(frame: pd.DataFrame, learners: pd.DataFrame, columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """`frame` with each row's `columns` (e.g. UNIT, ROLE) blanked to SMALL_GROUP from the first one at which the
    row's group (that column together with those before it) has fewer than MIN_GROUP_SIZE of `learners`:
    in pseudonymised output a unit and role shared by few would say who a pseudonym is."""
    columns = tuple(c for c in columns if c in frame.columns and c in learners.columns)
    if not columns or frame.empty:
        return frame
    people = learners.drop_duplicates(LEARNER)[list(columns)].astype(str)
    values = frame[list(columns)].astype(str)
    result = frame.copy()
    keep = pd.Series(True, index=result.index)
    for depth in range(1, len(columns) + 1):
        key = list(columns[:depth])
        sizes = people.groupby(key).size().rename("_size").reset_index()
        row_sizes = values[key].merge(sizes, on=key, how="left")["_size"].fillna(0).to_numpy()
        keep &= row_sizes >= MIN_GROUP_SIZE
        result[columns[depth - 1]] = result[columns[depth - 1]].where(keep, SMALL_GROUP)
    return result


def redact_names(text: str, names: Iterable[str]) -> str:
    """Replace the given names, as whole words spelled as on the roster, with NAME_PLACEHOLDER."""
    words = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
    if not words:
        return text
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)")
    return pattern.sub(NAME_PLACEHOLDER, text)


def evaluation_comments(answers: pd.DataFrame, learners: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """The evaluation's free-text answers without names: no learner column, names on the roster
    replaced in the text, sorted by question and text rather than by person, and only for groups
    that evaluation_groups() shows."""
    texts = _evaluation_texts(answers)
    people = learners.drop_duplicates(LEARNER).set_index(LEARNER)
    groups = evaluation_groups(answers, learners, by)
    shown = set(groups.loc[groups[SHOWN], GROUP])
    texts[GROUP] = _group_labels(people, by).reindex(texts[LEARNER]).fillna(UNKNOWN_GROUP).to_numpy()
    texts = texts[texts[GROUP].isin(shown)].copy()
    names = [*people.get(FIRST_NAME, []), *people.get(LAST_NAME, [])]
    texts[ANSWER] = texts[ANSWER].map(lambda text: redact_names(text, names))
    order = {key: number for number, key in enumerate(EVALUATION_KEYS)}
    texts[QUESTION] = texts[QUESTION_KEY].map(EVALUATION_KEYS)
    texts["_order"] = texts[QUESTION_KEY].map(order)
    texts = texts.sort_values([GROUP, "_order", ANSWER])
    return texts[[GROUP, QUESTION_KEY, QUESTION, ANSWER]].reset_index(drop=True)


def pseudonyms(learner_ids: Iterable[str]) -> dict[str, str]:
    """Stable pseudonyms: "Deltagare 01", "Deltagare 02", … in the order of the sorted learner ids."""
    ids = sorted({str(i) for i in learner_ids})
    width = max(2, len(str(len(ids))))
    return {learner: f"{PSEUDONYM_PREFIX} {number:0{width}d}" for number, learner in enumerate(ids, start=1)}


def pseudonymise(frame: pd.DataFrame, mapping: Mapping[str, str]) -> pd.DataFrame:
    """The frame with LEARNER replaced by its pseudonym and names and e-mail addresses removed."""
    result = frame.drop(columns=[c for c in (FIRST_NAME, LAST_NAME, EMAIL) if c in frame.columns])
    if LEARNER in result.columns:
        result[LEARNER] = result[LEARNER].map(lambda learner: mapping.get(learner, PSEUDONYM_PREFIX))
    return result


# Per cohort (several courses, e.g. libraries running the course side by side on one hub)
COHORT = "cohort"
SHARE_FINISHED = "share_finished"
SHARE_CAUGHT_UP = "share_caught_up"
SHARE_ACTIVE = "share_active"


def compare_cohorts(progress_by_cohort: Mapping[str, pd.DataFrame], today: dt.date | None = None,
                    active_days: int = 21) -> pd.DataFrame:
    """One row per cohort (course): learners, tasks released, median position and spread, the share who have
    finished, who are caught up with what is released, and who submitted within `active_days`, and the
    mean score of what was graded. Cohorts keep the order they are given in; an empty one has NaN shares."""
    today = _today(today)
    rows = []
    for cohort, progress in progress_by_cohort.items():
        position = cohort_position(progress, today)
        status = learner_status(progress, today)
        grid = as_of(progress, today)
        learners = len(status)

        def share(flags: pd.Series) -> float:
            return float(flags.sum()) / learners if learners else math.nan

        plan = grid.drop_duplicates(TASK)
        rows.append({
            COHORT: cohort,
            LEARNERS: learners,
            TASKS_RELEASED: int(_released_by(plan[RELEASE], today).sum()),
            SUBMISSIONS: int(grid[SUBMITTED].sum()),
            MEDIAN: position[MEDIAN],
            SPREAD: position[SPREAD],
            SHARE_FINISHED: share(status[FINISHED]) if learners else math.nan,
            SHARE_CAUGHT_UP: share(status[CAUGHT_UP]) if learners else math.nan,
            SHARE_ACTIVE: share(status[DAYS_SINCE_ACTIVITY] <= active_days) if learners else math.nan,
            MEAN_SCORE: float(grid.loc[grid[SUBMITTED], SCORE].mean()) if grid[SUBMITTED].any() else math.nan,
        })
    return pd.DataFrame(rows, columns=[COHORT, LEARNERS, TASKS_RELEASED, SUBMISSIONS, MEDIAN, SPREAD, SHARE_FINISHED,
                                       SHARE_CAUGHT_UP, SHARE_ACTIVE, MEAN_SCORE])


# ---- the real thing and the access check -------------------------------------------------------

WITH_EVIDENCE = "with_evidence"
WITHOUT_EVIDENCE = "without_evidence"
PLATFORM = "platform"
BLOCKED_FOR = "blocked_for"
TESTED = "tested"


def evidence_by_task(progress: pd.DataFrame, evidence: pd.DataFrame, required: Iterable[str]) -> pd.DataFrame:
    """Per task that asks for a real action: hand-ins with enough evidence and hand-ins without it.

    `evidence` is ensak.analytics.collected.evidence_status (LEARNER, TASK, evidence, evidence_ok). A task
    counts as done only with its evidence, so "without" is whom to ask for the link at a drop-in.
    """
    handed_in = progress[progress[SUBMITTED].astype(bool)][[LEARNER, TASK, TASK_NUMBER, TITLE]]
    handed_in = handed_in[handed_in[TASK].isin(set(required))]
    ok = evidence[evidence["evidence_ok"].astype(bool)][[LEARNER, TASK]].assign(_ok=True)
    merged = handed_in.merge(ok, on=[LEARNER, TASK], how="left")
    merged["_ok"] = merged["_ok"].fillna(False).astype(bool)
    summary = (merged.groupby([TASK, TASK_NUMBER, TITLE], as_index=False)
               .agg(**{WITH_EVIDENCE: ("_ok", "sum"), SUBMISSIONS: ("_ok", "size")}))
    summary[WITHOUT_EVIDENCE] = summary[SUBMISSIONS] - summary[WITH_EVIDENCE]
    columns = [TASK_NUMBER, TITLE, SUBMISSIONS, WITH_EVIDENCE, WITHOUT_EVIDENCE]
    return summary.sort_values(TASK_NUMBER)[columns].reset_index(drop=True).astype(
        {SUBMISSIONS: int, WITH_EVIDENCE: int, WITHOUT_EVIDENCE: int})


def access_blocks_by_unit(access: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Which platforms the access check in task 0 found blocked, per unit: for whom and of how many tested.

    `access` has LEARNER and `blocked` (a list of platform names per learner's check); `people` has
    LEARNER and UNIT. A block is the workplace network's, not the person's, so units are named even
    when small: the coordinator needs to know where to ask IT.
    """
    if access.empty:
        return pd.DataFrame(columns=[UNIT, PLATFORM, BLOCKED_FOR, TESTED])
    tested = access.merge(people[[LEARNER, UNIT]], on=LEARNER, how="left")
    tested[UNIT] = tested[UNIT].fillna(UNKNOWN_GROUP).replace("", UNKNOWN_GROUP)
    per_unit = tested.groupby(UNIT)[LEARNER].nunique().rename(TESTED)
    blocks = tested.explode("blocked").dropna(subset=["blocked"])
    if blocks.empty:
        return pd.DataFrame(columns=[UNIT, PLATFORM, BLOCKED_FOR, TESTED])
    counts = blocks.groupby([UNIT, "blocked"])[LEARNER].nunique().rename(BLOCKED_FOR).reset_index()
    counts = counts.rename(columns={"blocked": PLATFORM}).merge(per_unit.reset_index(), on=UNIT)
    return counts.sort_values([UNIT, BLOCKED_FOR, PLATFORM], ascending=[True, False, True]).reset_index(drop=True)
