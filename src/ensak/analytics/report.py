"""The progress report: Swedish views of the course's numbers, charts, an HTML page and an Excel workbook.

The notebooks use the same views and charts, so a coordinator sees the same thing in JupyterLab,
in the browser and in Excel. Charts never rely on colour alone: every bar and line carries its
value or a label, lines differ in marker and dash, and every chart has a table beside it.

The report is pseudonymised unless asked for with names; then it is written under a name of its own
(REPORT_WITH_NAMES_STEM) with a banner saying it holds names and e-mail addresses, so the pseudonymised
report is never overwritten by it. In pseudonymised output no breakdown shows a group of fewer than
five (progress.MIN_GROUP_SIZE), and a unit or role shared by fewer is not shown next to a pseudonym.
Learners who have left are counted nowhere and listed apart as "Avslutade".
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import matplotlib
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from ensak.analytics import progress as P
from ensak.analytics.collected import (
    EVIDENCE,
    EVIDENCE_COLUMNS,
    KEY,
    VALUE,
    evidence_status,
    read_collected_answers,
    tasks_requiring_evidence,
)
from ensak.analytics.gradebook import (
    EMAIL,
    FIRST_NAME,
    JOINED,
    LAST_NAME,
    LEARNER,
    LEFT,
    MAX_SCORE,
    RELEASE,
    ROLE,
    TASK,
    TASK_NUMBER,
    TITLE,
    UNIT,
    learners_in,
    load_progress,
)
from ensak.atomic_files import write_atomically
from ensak.clock import course_today
from ensak.course.plan import Course, load_course
from ensak.course.roster import pseudonyms
from ensak.course.skills import AFTER_KEY, BEFORE_KEY, EVALUATION_KEYS
from ensak.learner.access import ACCESS_KEY, blocked_platforms
from ensak.slugs import ascii_slug
from ensak.swedish import count_noun, swedish_date

REPORT_STEM = "framsteg"
# The report with names gets a name of its own: it must never replace (or be mistaken for) the pseudonymised one.
REPORT_WITH_NAMES_STEM = "framsteg-MED-NAMN"
TEMPLATE = "report.html.j2"
NAMES_BANNER = ("Den här rapporten innehåller deltagarnas namn och e-postadresser. Den är bara för dig som "
                "kursledare: skicka den inte vidare och spara den inte där andra kan läsa den. Rapporten utan "
                "namn (ensak report) går att dela.")
NO_LEARNERS = ("Det finns inga deltagare i kursen ännu. Importera deltagarlistan från personalsystemet med "
               "ensak roster import FIL (CSV eller Excel) och skriv rapporten igen.")

# Swedish headings for every column a view shows; columns missing here are internal and dropped.
COLUMN_LABELS: dict[str, str] = {
    LEARNER: "Deltagare",
    FIRST_NAME: "Förnamn",
    LAST_NAME: "Efternamn",
    EMAIL: "E-post",
    UNIT: "Enhet",
    ROLE: "Roll",
    TASK_NUMBER: "Nr",
    TASK: "Uppgift",
    TITLE: "Rubrik",
    RELEASE: "Släpps",
    P.RELEASED: "Släppt",
    P.LEARNERS: "Antal deltagare",
    P.SUBMISSIONS: "Inlämnade",
    P.SHARE: "Andel",
    P.FIRST_SUBMISSION: "Första inlämning",
    P.LAST_SUBMISSION: "Senaste inlämning",
    P.MEDIAN_DAYS: "Dagar från släpp till inlämning (median)",
    P.LATE_COUNT: "Sena inlämningar",
    P.AWAITING_MANUAL: "Väntar på bedömning",
    P.MEAN_SCORE: "Medelpoäng",
    MAX_SCORE: "Maxpoäng",
    JOINED: "Började",
    LEFT: "Slutade",
    P.TASKS_DONE: "Klara uppgifter",
    P.TASKS_RELEASED: "Släppta uppgifter",
    P.FURTHEST_TASK: "Längst fram (uppgift nr)",
    P.CURRENT_TASK: "Nästa uppgift",
    P.CURRENT_TITLE: "Nästa uppgift, rubrik",
    P.LAST_ACTIVITY: "Senast aktiv",
    P.DAYS_SINCE_ACTIVITY: "Dagar sedan senaste inlämning",
    P.IDLE_DAYS: "Dagar som en släppt uppgift har väntat",
    P.FINISHED: "Klar med kursen",
    P.CAUGHT_UP: "Ikapp med släppta uppgifter",
    P.DATE: "Datum",
    P.MEDIAN: "Median (uppgifter)",
    P.FASTEST: "Snabbaste",
    P.SLOWEST: "Långsammaste",
    P.SPREAD: "Spridning (snabbaste − långsammaste)",
    P.Q1: "Första kvartilen",
    P.Q3: "Tredje kvartilen",
    P.IQR: "Kvartilavstånd",
    P.WEEK: "Veckan som börjar",
    P.ACTIVE_LEARNERS: "Deltagare som lämnade in",
    P.TASKS_BEHIND: "Uppgifter efter medianen",
    P.BEHIND: "Efter medianen",
    P.INACTIVE: "Inaktiv",
    P.REASON: "Varför",
    P.GROUP: "Grupp",
    P.STAGE: "Steg",
    P.GROUP_SIZE: "Antal i gruppen",
    P.SKILL_LABEL: "Färdighet",
    P.ANSWERED_BEFORE: "Svar före",
    P.ANSWERED_AFTER: "Svar efter",
    P.PAIRED: "Svar både före och efter",
    P.BEFORE_MEAN: "Före (medel, 1–5)",
    P.AFTER_MEAN: "Efter (medel, 1–5)",
    P.CHANGE: "Förändring",
    P.QUESTION: "Fråga",
    P.ANSWER: "Svar",
    P.RESPONDENTS: "Svarande",
    P.SHOWN: "Visas",
    P.WITH_EVIDENCE: "Med bevis på det som gjordes",
    P.WITHOUT_EVIDENCE: "Inlämnade utan bevis",
    P.PLATFORM: "Tjänst",
    P.BLOCKED_FOR: "Blockerad för",
    P.TESTED: "Testade",
    EVIDENCE: "Bevis (länk eller beskrivning)",
}
SHARE_COLUMNS = {P.SHARE}
YES, NO = "ja", "nej"

# View names double as Excel sheet names (at most 31 characters) and HTML section headings.
VIEW_TASKS = "Per uppgift"
VIEW_LEARNERS = "Per deltagare"
VIEW_SPREAD = "Spridning över tid"
VIEW_TIMELINE = "Inlämningar per vecka"
VIEW_NUDGES = "Påminnelser"
VIEW_FUNNEL = "Tratt"
VIEW_FUNNEL_UNIT = "Tratt per enhet"
VIEW_FUNNEL_ROLE = "Tratt per roll"
VIEW_SELF_ASSESSMENT = "Självskattning"
VIEW_EVALUATION = "Utvärdering"
VIEW_LEAVERS = "Avslutade"
VIEW_EVIDENCE = "Bevis per uppgift"
VIEW_EVIDENCE_DETAIL = "Bevis per deltagare"
VIEW_ACCESS = "Blockerade tjänster"
VIEW_NAMES_NOTICE = "Innehåller namn"


def presentable(frame: pd.DataFrame) -> pd.DataFrame:
    """A view for people: Swedish headings, ja/nej for yes/no, internal columns left out."""
    shown = frame[[c for c in frame.columns if c in COLUMN_LABELS]].copy()
    for column in shown.columns:
        if shown[column].dtype == bool:
            shown[column] = shown[column].map({True: YES, False: NO})
    return shown.rename(columns=COLUMN_LABELS)


@dataclass
class CourseViews:
    """Everything the report and the notebooks show, as computed frames (English column names)."""

    course: Course
    today: dt.date
    with_names: bool
    tasks: pd.DataFrame
    learners: pd.DataFrame
    spread: pd.DataFrame
    timeline: pd.DataFrame
    nudges: pd.DataFrame
    funnel: pd.DataFrame
    funnel_by_unit: pd.DataFrame
    funnel_by_role: pd.DataFrame
    self_assessment: pd.DataFrame
    evaluation: pd.DataFrame
    answer_problems: pd.DataFrame
    leavers: pd.DataFrame
    hidden_groups: int = 0  # groups of unit or role breakdowns left out because they are too small
    evidence: pd.DataFrame = field(default_factory=pd.DataFrame)  # per task: with and without evidence
    # Per learner and task, only in the report with names: a link to someone's own account names them.
    evidence_detail: pd.DataFrame = field(default_factory=pd.DataFrame)
    access_blocks: pd.DataFrame = field(default_factory=pd.DataFrame)  # per unit: what the network blocks

    @property
    def position(self) -> pd.Series:
        return self.spread.iloc[-1]

    def tables(self) -> dict[str, pd.DataFrame]:
        """The views by Swedish name, presentable, in reading order."""
        return {
            VIEW_TASKS: presentable(self.tasks),
            VIEW_LEARNERS: presentable(self.learners),
            VIEW_SPREAD: presentable(self.spread),
            VIEW_TIMELINE: presentable(self.timeline),
            VIEW_NUDGES: presentable(self.nudges),
            VIEW_FUNNEL: presentable(self.funnel),
            VIEW_FUNNEL_UNIT: presentable(self.funnel_by_unit),
            VIEW_FUNNEL_ROLE: presentable(self.funnel_by_role),
            VIEW_SELF_ASSESSMENT: presentable(self.self_assessment),
            VIEW_EVALUATION: presentable(self.evaluation),
            VIEW_LEAVERS: presentable(self.leavers),
            VIEW_EVIDENCE: presentable(self.evidence),
            **({VIEW_EVIDENCE_DETAIL: presentable(self.evidence_detail)} if self.with_names else {}),
            VIEW_ACCESS: presentable(self.access_blocks),
        }


LEAVER_COLUMNS = [LEARNER, FIRST_NAME, LAST_NAME, EMAIL, P.TASKS_DONE, P.LAST_ACTIVITY, LEFT]


def compute_views(course: Course, progress: pd.DataFrame, answers: pd.DataFrame, answer_problems: pd.DataFrame,
                  *, today: dt.date, with_names: bool = False,
                  pseudonym_map: Mapping[str, str] | None = None,
                  evidence: pd.DataFrame | None = None, evidence_required: Mapping[str, str] | None = None
                  ) -> CourseViews:
    """All views from frames already read; learners get pseudonyms unless `with_names`: the stored ones
    (`pseudonym_map`, ensak.course.roster.pseudonyms) or, without a roster, numbered by id.

    Every figure is about the learners taking part; those who have left are only in `leavers`.
    """
    everyone = learners_in(progress)
    current = P.current_learners(progress)
    status = P.learner_status(current, today)
    nudges = P.nudge_list(status, course.nudge, today)
    gone = P.learner_status(P.leavers(progress), today)
    gone = gone[[c for c in LEAVER_COLUMNS if c in gone.columns]]
    answers = P.answers_as_of(answers, progress, today)
    problems = answer_problems
    funnel_by_unit = P.completion_funnel(current, by=UNIT, today=today)
    funnel_by_role = P.completion_funnel(current, by=ROLE, today=today)
    hidden = 0
    if not with_names:
        # Pseudonyms cover everyone who took part, so that a leaver keeps theirs.
        mapping = pseudonym_map if pseudonym_map is not None else P.pseudonyms(everyone[LEARNER])
        people = learners_in(current)
        status, nudges = (P.mask_small_groups(f, people, (UNIT, ROLE)) for f in (status, nudges))
        status, nudges, problems, gone = (P.pseudonymise(f, mapping) for f in (status, nudges, answer_problems, gone))
        shown_unit, shown_role = P.suppress_small_groups(funnel_by_unit), P.suppress_small_groups(funnel_by_role)
        hidden = sum(f[P.GROUP].nunique() - s[P.GROUP].nunique()
                     for f, s in ((funnel_by_unit, shown_unit), (funnel_by_role, shown_role)))
        funnel_by_unit, funnel_by_role = shown_unit, shown_role
    return CourseViews(
        course=course,
        today=today,
        with_names=with_names,
        tasks=P.task_summary(current, today),
        learners=status,
        spread=P.spread_over_time(current, P.spread_dates(current, today)),
        timeline=P.weekly_submissions(current, today),
        nudges=nudges,
        funnel=P.completion_funnel(current, today=today),
        funnel_by_unit=funnel_by_unit,
        funnel_by_role=funnel_by_role,
        self_assessment=P.self_assessment_change(answers),
        # Only the whole cohort's comments: a per-group view next to it could be subtracted from it.
        # Names of everyone who took part, leavers too, are taken out of the texts.
        evaluation=P.evaluation_comments(answers, everyone),
        answer_problems=problems,
        leavers=gone,
        hidden_groups=hidden,
        **evidence_views(current, answers, evidence, evidence_required, with_names=with_names),
    )


def evidence_views(current: pd.DataFrame, answers: pd.DataFrame, evidence: pd.DataFrame | None,
                   required: Mapping[str, str] | None, *, with_names: bool) -> dict[str, pd.DataFrame]:
    """The real thing's evidence per task (and per learner with names), and what the networks block."""
    evidence = evidence if evidence is not None else pd.DataFrame(columns=EVIDENCE_COLUMNS)
    required = required or {}
    detail = pd.DataFrame()
    if with_names and not evidence.empty:
        detail = (evidence.merge(current[[LEARNER, FIRST_NAME, LAST_NAME, TASK, TASK_NUMBER, TITLE]],
                                 on=[LEARNER, TASK])
                  .sort_values([LAST_NAME, FIRST_NAME, TASK_NUMBER])
                  [[LEARNER, FIRST_NAME, LAST_NAME, TASK_NUMBER, TITLE, EVIDENCE]].reset_index(drop=True))
    access = answers[answers[KEY] == ACCESS_KEY] if not answers.empty else answers
    checks = pd.DataFrame({LEARNER: access[LEARNER] if not access.empty else [],
                           "blocked": [blocked_platforms(v) for v in access[VALUE]] if not access.empty else []})
    return {"evidence": P.evidence_by_task(current, evidence, required),
            "evidence_detail": detail,
            "access_blocks": P.access_blocks_by_unit(checks, learners_in(current))}


def load_views(course_dir: Path | str, *, today: dt.date | None = None, with_names: bool = False,
               gradebook: str | Path | None = None) -> CourseViews:
    """Read the course's plan, roster, gradebook and collected answers, and compute every view."""
    course_dir = Path(course_dir)
    course = load_course(course_dir)
    today = today if today is not None else course_today(course)
    progress = load_progress(course_dir, gradebook, today=today)
    required = tasks_requiring_evidence(course_dir, course.task_ids)
    collected = read_collected_answers(course_dir, keys=[BEFORE_KEY, AFTER_KEY, *EVALUATION_KEYS, ACCESS_KEY,
                                                         *set(required.values())])
    evidence = evidence_status(collected.answers, required)
    return compute_views(course, progress, collected.answers, collected.problems, today=today,
                         with_names=with_names, pseudonym_map=pseudonyms(course_dir, also=progress[LEARNER]),
                         evidence=evidence, evidence_required=required)


# ---- charts ----------------------------------------------------------------------------------

# Charts are plain Figure objects, not pyplot ones: no display or GUI backend is needed to write a
# report on a server, nothing piles up in pyplot's registry, and a notebook shows them with display().
def _new_figure(width: float, height: float):
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.subplots()
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _percent(share: float) -> str:
    return "–" if share is None or (isinstance(share, float) and math.isnan(share)) else f"{round(share * 100)} %"


def completion_chart(tasks: pd.DataFrame):
    """Horizontal bars: how many have submitted each task, with count and share written on each bar."""
    fig, ax = _new_figure(9, 0.55 * max(len(tasks), 2) + 1.5)
    labels = [_wrap(f"{n}. {title}", 34) for n, title in zip(tasks[TASK_NUMBER], tasks[TITLE])]
    positions = range(len(tasks))
    total = int(tasks[P.LEARNERS].max()) if len(tasks) else 0
    ax.barh(positions, [total] * len(tasks), color="#e6e6e6", edgecolor="#555555", hatch="//",
            label="Inte inlämnad")
    ax.barh(positions, tasks[P.SUBMISSIONS], color="#2b5d8a", edgecolor="#1b3d5a", label="Inlämnad")
    for y, (count, share, released, release) in enumerate(
            zip(tasks[P.SUBMISSIONS], tasks[P.SHARE], tasks[P.RELEASED], tasks[RELEASE])):
        if released:
            text = f"{count} av {total} ({_percent(share)})"
        elif pd.isna(release):
            text = "inte släppt än"
        else:
            text = f"släpps {swedish_date(release.date(), year=False)}"
        ax.text(total * 1.02 if total else 0.1, y, text, va="center")
    ax.set_yticks(list(positions), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, max(total, 1) * 1.45)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Antal deltagare")
    ax.set_title("Inlämnade uppgifter")
    fig.legend(loc="outside lower center", ncols=2, frameon=False)
    return fig


def spread_chart(spread: pd.DataFrame):
    """The cohort over time: the median position, the middle half (interquartile range) and the
    fastest and slowest; each line with its own marker and dash and a label at its end."""
    fig, ax = _new_figure(8, 4)
    dates = pd.to_datetime(spread[P.DATE])
    ax.fill_between(dates, spread[P.Q1], spread[P.Q3], facecolor="#cfdceb", edgecolor="#2b5d8a",
                    hatch="..", linewidth=0, label="Mittersta hälften (kvartilavstånd)")
    lines = [
        (P.FASTEST, "Snabbaste", "^", "--"),
        (P.MEDIAN, "Median", "o", "-"),
        (P.SLOWEST, "Långsammaste", "v", ":"),
    ]
    end_labels: dict[float, list[str]] = {}
    for column, label, marker, dash in lines:
        ax.plot(dates, spread[column], marker=marker, linestyle=dash, color="#1b3d5a", label=label)
        if len(spread):
            end_labels.setdefault(float(spread[column].iloc[-1]), []).append(label.lower())
    # Lines that end at the same value share one label instead of printing over each other.
    for value, labels in end_labels.items():
        text = " och ".join(labels).capitalize()
        ax.annotate(f"{text}: {P.swedish_number(value)}", (dates.iloc[-1], value), xytext=(8, 0),
                    textcoords="offset points", va="center")
    ax.set_ylabel("Inlämnade uppgifter")
    ax.set_xlabel("Datum")
    ax.set_title("Var gruppen befinner sig över tid")
    # Whole tasks from 0: an empty course would otherwise get an axis from −0,04 with half-task ticks.
    top = float(spread[P.FASTEST].max()) if len(spread) and spread[P.FASTEST].notna().any() else 0.0
    ax.set_ylim(0, max(top, 1) * 1.1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper left", frameon=False)
    fig.autofmt_xdate()
    return fig


def funnel_chart(funnel: pd.DataFrame):
    """The completion funnel: one horizontal bar per stage, with the count and share written out.
    With several groups, one panel per group."""
    groups = list(dict.fromkeys(funnel[P.GROUP]))
    stages = list(dict.fromkeys(funnel[P.STAGE]))
    fig = Figure(figsize=(4.2 * max(len(groups), 1) + 1, 0.45 * len(stages) + 1.5), layout="constrained")
    axes = fig.subplots(1, max(len(groups), 1), sharey=True, squeeze=False)
    for ax, group in zip(axes[0], groups):
        part = funnel[funnel[P.GROUP] == group]
        ax.barh(range(len(part)), part[P.LEARNERS], color="#2b5d8a", edgecolor="#1b3d5a")
        size = int(part[P.GROUP_SIZE].max())
        for y, (count, share) in enumerate(zip(part[P.LEARNERS], part[P.SHARE])):
            ax.text(count + size * 0.02, y, f"{count} ({_percent(share)})", va="center")
        ax.set_xlim(0, max(size, 1) * 1.5)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(f"{group} ({count_noun(size, 'person', 'personer')})")
        ax.spines[["top", "right"]].set_visible(False)
        ax.set_xlabel("Antal deltagare")
    axes[0][0].set_yticks(range(len(stages)), stages)
    axes[0][0].invert_yaxis()
    fig.suptitle("Hur långt deltagarna har kommit")
    return fig


def timeline_chart(weekly: pd.DataFrame):
    """Submissions per week as columns with the count written above each."""
    fig, ax = _new_figure(8, 3.5)
    weeks = [f"v. {week.isocalendar().week}" for week in pd.to_datetime(weekly[P.WEEK])]
    ax.bar(range(len(weekly)), weekly[P.SUBMISSIONS], color="#2b5d8a", edgecolor="#1b3d5a")
    for x, count in enumerate(weekly[P.SUBMISSIONS]):
        ax.text(x, count, str(count), ha="center", va="bottom")
    ax.set_xticks(range(len(weekly)), weeks, rotation=45 if len(weekly) > 12 else 0)
    ax.set_ylabel("Inlämningar")
    ax.set_xlabel("Vecka")
    ax.set_title("Inlämningar vecka för vecka")
    ax.set_ylim(0, max([*weekly[P.SUBMISSIONS], 1]) * 1.15)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return fig


def self_assessment_chart(change: pd.DataFrame):
    """Before and after per skill as paired bars told apart by pattern, with the values written out."""
    rated = change[change[P.PAIRED] > 0]
    fig, ax = _new_figure(8, 0.7 * max(len(rated), 1) + 1.5)
    y = pd.Series(range(len(rated)), dtype=float)
    height = 0.38
    ax.barh(y - height / 2, rated[P.BEFORE_MEAN], height, color="#ffffff", edgecolor="#1b3d5a", hatch="//",
            label="Före kursen")
    ax.barh(y + height / 2, rated[P.AFTER_MEAN], height, color="#2b5d8a", edgecolor="#1b3d5a",
            label="Efter kursen")
    for pos, before, after, diff in zip(y, rated[P.BEFORE_MEAN], rated[P.AFTER_MEAN], rated[P.CHANGE]):
        ax.text(before + 0.05, pos - height / 2, f"före {P.swedish_number(before)}", va="center")
        sign = "+" if diff > 0 else ""
        ax.text(after + 0.05, pos + height / 2, f"efter {P.swedish_number(after)} ({sign}{P.swedish_number(diff)})",
                va="center")
    ax.set_yticks(list(y), [_wrap(label) for label in rated[P.SKILL_LABEL]])
    ax.invert_yaxis()
    ax.set_xlim(0, 6.8)
    ax.set_xticks(range(1, 6))
    ax.set_xlabel("Hur säker (1 = inte alls, 5 = mycket säker), medel")
    ax.set_title("Självskattning före och efter kursen")
    fig.legend(loc="outside lower center", ncols=2, frameon=False)
    return fig


def _wrap(text: str, width: int = 32) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


def figure_svg(fig) -> str:
    """The figure as an inline <svg> element (text kept as text, so it can be searched and read aloud)."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg")
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]


# ---- files -----------------------------------------------------------------------------------

def _cell_text(value, column: str) -> str:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if column in SHARE_COLUMNS:
        return _percent(value)
    if isinstance(value, (pd.Timestamp, dt.date)):
        # A day is what matters in a self-paced course; the exact time is in the workbook.
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return P.swedish_number(value)
    return str(value)


def html_table(frame: pd.DataFrame, columns: list[str] | None = None) -> dict:
    """Column labels and formatted cells of an English-named frame, for the template.

    `columns` picks the ones worth a place on a page; the workbook keeps them all.
    """
    maxima = frame[MAX_SCORE] if MAX_SCORE in frame.columns else None
    if columns is not None:
        frame = frame[[c for c in columns if c in frame.columns]]
    shown = presentable(frame)
    originals = [c for c in frame.columns if c in COLUMN_LABELS]
    rows = [[_cell_text(value, column) for value, column in zip(row, originals)]
            for row in shown.itertuples(index=False, name=None)]
    if maxima is not None and P.MEAN_SCORE in originals:
        # "5,8 av 8": a mean score says little without what it is out of.
        at = originals.index(P.MEAN_SCORE)
        for row, mean, most in zip(rows, frame[P.MEAN_SCORE], maxima):
            if row[at] != "–" and not pd.isna(most):
                row[at] = f"{row[at]} av {P.swedish_number(most)}"
    return {"columns": list(shown.columns), "rows": rows, "classes": [_cell_class(frame[c]) for c in originals]}


def _cell_class(column: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(column):
        return ""
    if pd.api.types.is_numeric_dtype(column):
        return "num"
    if pd.api.types.is_datetime64_any_dtype(column) or any(isinstance(v, dt.date) for v in column.head(5)):
        return "date"
    return ""


def funnel_table(funnel: pd.DataFrame) -> dict:
    """The funnel with one column per group ("3 av 4 (75 %)"), which reads better on a page than a long list."""
    groups = list(dict.fromkeys(funnel[P.GROUP]))
    stages = list(dict.fromkeys(funnel[P.STAGE]))
    cells = {(g, st): f"{n} av {size} ({_percent(share)})" for g, st, n, size, share in
             zip(funnel[P.GROUP], funnel[P.STAGE], funnel[P.LEARNERS], funnel[P.GROUP_SIZE], funnel[P.SHARE])}
    rows = [[stage, *(cells.get((g, stage), "–") for g in groups)] for stage in stages]
    return {"columns": [COLUMN_LABELS[P.STAGE], *groups], "rows": rows, "classes": [""] + ["num"] * len(groups)}


def _styled(table: dict):
    return pd.DataFrame(table["rows"], columns=table["columns"]).style.hide(axis="index")


def notebook_table(frame: pd.DataFrame, columns: list[str] | None = None):
    """A view for a notebook, formatted as in the report (Swedish headings, "91 %", "2,5", ja/nej), no row numbers."""
    return _styled(html_table(frame, columns))


def notebook_funnel(funnel: pd.DataFrame):
    """The funnel for a notebook, one column per group, as in the report."""
    return _styled(funnel_table(funnel))


HTML_TASK_COLUMNS = [TASK_NUMBER, TITLE, RELEASE, P.SUBMISSIONS, P.SHARE, P.MEDIAN_DAYS, P.LATE_COUNT,
                     P.AWAITING_MANUAL, P.MEAN_SCORE]
HTML_LEARNER_COLUMNS = [LEARNER, FIRST_NAME, LAST_NAME, UNIT, ROLE, P.TASKS_DONE, P.CURRENT_TITLE,
                        P.LAST_ACTIVITY, P.DAYS_SINCE_ACTIVITY, P.FINISHED]
HTML_LEAVER_COLUMNS = LEAVER_COLUMNS
HTML_NUDGE_COLUMNS = [LEARNER, FIRST_NAME, LAST_NAME, EMAIL, UNIT, P.TASKS_DONE, P.CURRENT_TITLE, P.REASON]
HTML_SPREAD_COLUMNS = [P.DATE, P.MEDIAN, P.FASTEST, P.SLOWEST, P.SPREAD, P.Q1, P.Q3, P.IQR]
HTML_EVIDENCE_COLUMNS = [TASK_NUMBER, TITLE, P.SUBMISSIONS, P.WITH_EVIDENCE, P.WITHOUT_EVIDENCE]
HTML_ACCESS_COLUMNS = [UNIT, P.PLATFORM, P.BLOCKED_FOR, P.TESTED]
HTML_SELF_ASSESSMENT_COLUMNS = [P.SKILL_LABEL, P.PAIRED, P.BEFORE_MEAN, P.AFTER_MEAN, P.CHANGE]


def _environment() -> Environment:
    return Environment(loader=PackageLoader("ensak.analytics", "templates"), autoescape=select_autoescape(["html", "j2"]))


def render_html(views: CourseViews, blog: dict | None = None) -> str:
    """The report as one self-contained HTML page (charts inline, no external files).

    `blog` links Kursbloggen (ensak.outreach.kursbloggen.settings.blog_overview: href, local, posts, comments).
    """
    position = views.position

    def tasks_text(value) -> str:
        return "–" if pd.isna(value) else count_noun(float(value), "uppgift", "uppgifter")

    figures = {
        "completion": figure_svg(completion_chart(views.tasks)),
        "spread": figure_svg(spread_chart(views.spread)),
        "timeline": figure_svg(timeline_chart(views.timeline)),
        "funnel": figure_svg(funnel_chart(views.funnel)),
    }
    if (views.self_assessment[P.PAIRED] > 0).any():
        figures["self_assessment"] = figure_svg(self_assessment_chart(views.self_assessment))
    groups_shown = not views.evaluation.empty
    return _environment().get_template(TEMPLATE).render(
        course=views.course,
        today=views.today,
        today_text=swedish_date(views.today),
        with_names=views.with_names,
        position={k: tasks_text(position[k]) for k in (P.MEDIAN, P.FASTEST, P.SLOWEST, P.SPREAD, P.IQR)},
        learners=int(position[P.LEARNERS]),
        learners_text=count_noun(int(position[P.LEARNERS]), "deltagare", "deltagare"),
        no_learners=NO_LEARNERS if int(position[P.LEARNERS]) == 0 and views.leavers.empty else "",
        names_banner=NAMES_BANNER if views.with_names else "",
        leavers=html_table(views.leavers, HTML_LEAVER_COLUMNS),
        leaver_count=len(views.leavers),
        hidden_groups=views.hidden_groups,
        figures=figures,
        tasks=html_table(views.tasks, HTML_TASK_COLUMNS),
        learner_table=html_table(views.learners, HTML_LEARNER_COLUMNS),
        spread=html_table(views.spread, HTML_SPREAD_COLUMNS),
        timeline=html_table(views.timeline),
        nudges=html_table(views.nudges, HTML_NUDGE_COLUMNS),
        funnel=funnel_table(views.funnel),
        funnel_by_unit=funnel_table(views.funnel_by_unit),
        funnel_by_role=funnel_table(views.funnel_by_role),
        self_assessment=html_table(views.self_assessment, HTML_SELF_ASSESSMENT_COLUMNS),
        evaluation=views.evaluation,
        evaluation_shown=groups_shown,
        min_group=P.MIN_GROUP_SIZE,
        problems=len(views.answer_problems),
        rules=views.course.nudge,
        blog=blog,
        evidence=html_table(views.evidence, HTML_EVIDENCE_COLUMNS),
        evidence_detail=html_table(views.evidence_detail) if views.with_names else None,
        access_blocks=html_table(views.access_blocks, HTML_ACCESS_COLUMNS),
    )


def write_workbook(views: CourseViews, path: Path) -> Path:
    """One sheet per view, Swedish headings, the header row frozen and columns wide enough to read.
    A workbook with names opens on a sheet that says so."""
    tables = views.tables()
    if views.with_names:
        tables = {VIEW_NAMES_NOTICE: pd.DataFrame({"OBS!": [NAMES_BANNER]}), **tables}
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, table in tables.items():
            table.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "A2"
            for number, column in enumerate(table.columns, start=1):
                longest = max([len(str(column)), *(len(str(v)) for v in table[column].head(200))])
                sheet.column_dimensions[sheet.cell(row=1, column=number).column_letter].width = min(60, longest + 2)
    return path


def write_report(course_dir: Path, out_dir: Path, *, with_names: bool = False, today: dt.date | None = None,
                 gradebook: str | Path | None = None) -> dict[str, Path]:
    """Write the HTML report and the Excel workbook into `out_dir`; return {"html": path, "xlsx": path}.

    Learners appear as stable pseudonyms ("Deltagare 07") without names or e-mail addresses unless
    `with_names`; a report with names has a file name of its own (REPORT_WITH_NAMES_STEM) and a banner.
    `gradebook` (URL or SQLite path) overrides the course's own.
    """
    views = load_views(course_dir, today=today, with_names=with_names, gradebook=gradebook)
    return write_views(views, course_dir, out_dir)


def write_views(views: CourseViews, course_dir: Path, out_dir: Path) -> dict[str, Path]:
    """Write computed views as the HTML report and the Excel workbook into `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    prefix = REPORT_WITH_NAMES_STEM if views.with_names else REPORT_STEM
    stem = f"{prefix}-{ascii_slug(views.course.id, 'kurs')}-{views.today.isoformat()}"
    html_path = out_dir / f"{stem}.html"
    from ensak.outreach.kursbloggen.settings import blog_overview  # here: reading the views never needs the blog

    write_atomically(html_path, render_html(views, blog_overview(course_dir)))
    xlsx_path = write_workbook(views, out_dir / f"{stem}.xlsx")
    return {"html": html_path, "xlsx": xlsx_path}


def report_command(course_dir: Path | str, out: Path | str | None = None, *, with_names: bool = False,
                   today: dt.date | None = None) -> str:
    """`ensak report`: write the report (into reports/ in the course by default) and say, in Swedish, where."""
    course_dir = Path(course_dir)
    views = load_views(course_dir, today=today, with_names=with_names)
    paths = write_views(views, course_dir, Path(out) if out is not None else course_dir / "reports")
    lines = [f"Rapporten: {paths['html']}", f"Arbetsboken: {paths['xlsx']}"]
    if with_names:
        lines.insert(0, "Obs! Den här rapporten innehåller namn och e-postadresser och är bara för dig. Rapporten "
                        "utan namn (ensak report) skrivs i egna filer och går att dela.")
    if int(views.position[P.LEARNERS]) == 0 and views.leavers.empty:
        lines.append(NO_LEARNERS)
    return "\n".join(lines)
