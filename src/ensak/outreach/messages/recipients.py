"""Who gets which message, when: the learners taking part (never those who have left), the nudge list and
the last call from the gradebook, the release period a nudge belongs to, and what must be true before a
message may be sent (a thank-you only once the course has closed, an invitation only with the address to
log in at and for a released task)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd

from ensak.analytics.gradebook import LEARNER, load_progress, roster_status
from ensak.analytics.progress import FINISHED, current_learners, learner_status, nudge_list
from ensak.clock import course_today
from ensak.course.lock import BusyError, course_lock
from ensak.course.plan import Course, CoursePlanError, load_course
from ensak.outreach.messages.delivery import (
    DeliveryResult,
    SmtpSettings,
    check_sender,
    deliver,
    load_mail_settings,
)
from ensak.outreach.messages.model import KIND_LABELS, KINDS, Message, MessageError
from ensak.outreach.messages.sent_log import already_sent
from ensak.outreach.messages.templates import render, template_environment
from ensak.swedish import count_noun, swedish_date

# A send waits this long for another command holding the course (a sync, a release) before saying who it is.
SEND_LOCK_WAIT_S = 30
NO_URL = ("Inbjudan behöver adressen där deltagarna loggar in. Skriv den i course.toml under [course], till "
          "exempel url = \"https://jupyter.bibliotek.se\" (eller sätt ENSAK_HUB_URL).")


def participants(root: Path | str, today: dt.date) -> pd.DataFrame:
    """Everyone on the roster with `active` on `today` (ensak.analytics.gradebook.roster_status)."""
    return roster_status(root, today)


def actual_releases(root: Path | str, course: Course) -> dict[str, dt.date]:
    """The day each task really reached the learners; the plan's dates when nothing is known."""
    from ensak.nbgrader.release import released_on  # here: importing nbgrader takes seconds

    released = released_on(root)
    return {t.id: t.release for t in course.tasks} if released is None else released


def current_period(course: Course, today: dt.date, released: Mapping[str, dt.date] | None = None) -> str:
    """The latest task that had reached the learners by `today`: a learner is nudged at most once per
    release period. `released` gives the actual release days (the plan's when None)."""
    days = released if released is not None else {t.id: t.release for t in course.tasks}
    out = [t for t in course.tasks if t.id in days and days[t.id] <= today]
    return max(out, key=lambda t: (days[t.id], t.number)).id if out else "start"


def nudge_key(period: str, value: Any, today: dt.date) -> str:
    """A nudge from the nudge list spends the period's nudge; one the coordinator writes herself (a reason
    text) before the learner is late by the rules does not: it is keyed by its day (once a day at most)."""
    return f"nudge:{period}" if isinstance(value, Mapping) else f"nudge:{period}:extra-{today.isoformat()}"


def _nudge_context(value: Any) -> dict[str, Any]:
    """The nudge list gives a row of progress.nudge_list(); the coordinator may give a reason instead."""
    if isinstance(value, str):
        return {"reason": value, "behind": False, "inactive": False, "tasks_done": None,
                "current_title": "", "last_activity": None}
    row = dict(value)
    last = row.get("last_activity")
    last = pd.Timestamp(last).date() if last is not None and not pd.isna(last) else None
    title = row.get("current_title")
    return {"reason": str(row.get("reason", "")), "behind": bool(row.get("behind", False)),
            "inactive": bool(row.get("inactive", False)), "tasks_done": row.get("tasks_done"),
            "current_title": "" if title is None or pd.isna(title) else str(title), "last_activity": last}


def _check_explicit(recipients: set[str], roster: pd.DataFrame) -> None:
    """Ids the coordinator named must be learners taking part; say which are not, and why."""
    unknown = sorted(recipients - set(roster["id"]))
    if unknown:
        raise MessageError(f"De här finns inte i deltagarlistan: {', '.join(unknown)}. "
                           "Kontrollera id:na med deltagarlistan (roster.csv).")
    gone = roster[roster["id"].isin(recipients) & ~roster["active"]]
    if len(gone):
        names = ", ".join(f"{row.id} (slutade {row.left:%Y-%m-%d})" if not pd.isna(row.left) else row.id
                          for row in gone.itertuples())
        raise MessageError(f"De här har avslutat kursen och får inga meddelanden: {names}.")


def build_messages(
    root: Path | str,
    kind: str,
    *,
    task_id: str | None = None,
    nudges: Mapping[str, Any] | None = None,
    recipients: Iterable[str] | None = None,
    today: dt.date | None = None,
) -> list[Message]:
    """The messages of `kind`, one per learner taking part that it is meant for.

    Invitations need `task_id`. Nudges go to the learners in `nudges` ({learner id: nudge-list row, or a
    reason the coordinator wrote}); ids there who have left are passed over. `recipients`, ids the
    coordinator named, limits any kind to them and must all be taking part.
    """
    if kind not in KINDS:
        raise MessageError(f"Okänd meddelandetyp {kind!r}. Välj en av: {', '.join(KINDS)}.")
    root = Path(root)
    course = load_course(root)
    today = today or course_today(course)
    settings = load_mail_settings(root)
    task = next_date = None
    if kind == "invitation":
        if not task_id:
            raise MessageError("En inbjudan gäller en uppgift: ange vilken med --task.")
        try:
            task = course.task(task_id)
        except CoursePlanError:
            raise MessageError(f"Det finns ingen uppgift {task_id!r} i course.toml. "
                               f"Uppgifterna är: {', '.join(course.task_ids)}.") from None
        later = [t for t in course.tasks if t.number > task.number]
        next_date = later[0].release if later else None
    if kind == "nudge" and nudges is None:
        raise MessageError("Påminnelser behöver en lista över vilka som ska påminnas och varför.")

    roster = participants(root, today)
    if roster.empty:
        raise MessageError("Deltagarlistan är tom. Importera den först med: ensak roster import FIL")
    wanted = None
    if recipients is not None:
        wanted = set(recipients)
        _check_explicit(wanted, roster)
    if kind == "nudge":
        wanted = set(nudges) if wanted is None else wanted & set(nudges)

    environment = template_environment(root)
    period = current_period(course, today, actual_releases(root, course)) if kind == "nudge" else ""
    key = f"invitation:{task_id}" if kind == "invitation" else kind
    days_left = (course.closes - today).days
    messages = []
    for learner in roster[roster["active"]].to_dict("records"):
        if wanted is not None and learner["id"] not in wanted:
            continue
        context: dict[str, Any] = {"learner": learner, "course": course, "task": task, "next_date": next_date,
                                   "hub_url": settings.hub_url, "sender_name": settings.sender_name,
                                   "days_left": days_left, "today": today}
        note = ""
        if kind == "nudge":
            context.update(_nudge_context(nudges[learner["id"]]))
            note = context["reason"]
            key = nudge_key(period, nudges[learner["id"]], today)
        subject, body = render(environment, kind, context)
        messages.append(Message(kind=kind, key=key, learner_id=learner["id"],
                                to_name=f"{learner['first_name']} {learner['last_name']}".strip(),
                                to_email=learner["email"], subject=subject, body=body, note=note))
    return messages


def _status(root: Path | str, today: dt.date | None):
    course = load_course(root)
    today = today or course_today(course)
    return course, today, learner_status(current_learners(load_progress(root, today=today)), today)


def nudges_from_progress(root: Path | str, today: dt.date | None = None) -> dict[str, dict[str, Any]]:
    """The nudge list for `today` from the gradebook, by learner id (see ensak.analytics.progress.nudge_list);
    learners who have left are never on it."""
    course, today, status = _status(root, today)
    frame = nudge_list(status, course.nudge, today)
    return {row[LEARNER]: row for row in frame.to_dict("records")}


def learners_not_finished(root: Path | str, today: dt.date | None = None) -> list[str]:
    """Learners taking part who have not submitted every task yet: the ones a last call is for."""
    _, _, status = _status(root, today)
    return sorted(status.loc[~status[FINISHED].astype(bool), LEARNER])


def check_task_released(root: Path | str, task_id: str) -> None:
    """An invitation to a task learners cannot fetch yet would only confuse them."""
    from ensak.nbgrader.release import released_tasks  # here: importing nbgrader takes seconds

    if task_id not in released_tasks(root):
        raise MessageError(f"Uppgiften {task_id} är inte släppt ännu, så deltagarna kan inte hämta den. "
                           f"Släpp den först (ensak release {task_id}) och skicka sedan inbjudan.")


def calendar_problem(course: Course, kind: str, today: dt.date, released: Mapping[str, dt.date]) -> str:
    """Why a message whose words depend on the calendar would not be true on `today`, or ""."""
    closes = swedish_date(course.closes)
    if kind == "thanks" and today < course.closes:
        return (f"Tacket säger att {course.title} är avslutad, men kursen stänger först {closes} (om "
                f"{count_noun((course.closes - today).days, 'dag', 'dagar')}). Skicka det den dagen eller senare, "
                "eller lägg till --force om du verkligen vill skicka det nu.")
    if kind == "last-call":
        last = course.tasks[-1]
        opened = released.get(last.id)
        if opened is None or today < opened:
            return (f"Sista chansen skickas när kursens sista uppgift ({last.label}) har släppts, "
                    f"{swedish_date(opened or last.release)} enligt planen, och före {closes}. Lägg till --force om "
                    "du verkligen vill skicka den nu.")
        if today > course.closes:
            return (f"{course.title} stängde {closes}, så det är för sent för sista chansen. Lägg till --force om "
                    "du ändå vill skicka den.")
    return ""


def problems_before_sending(root: Path | str, kind: str, *, task_id: str | None = None,
                            today: dt.date | None = None, force: bool = False) -> list[str]:
    """What stops a message of `kind` from being sent now (each a Swedish sentence); [] when it may go."""
    course = load_course(root)
    today = today or course_today(course)
    problems = []
    if not force and (problem := calendar_problem(course, kind, today, actual_releases(root, course))):
        problems.append(problem)
    if kind == "invitation":
        if not load_mail_settings(root).hub_url:
            problems.append(NO_URL)
        if task_id:
            try:
                check_task_released(root, task_id)
            except MessageError as exc:
                problems.append(str(exc))
    return problems


def send(root: Path | str, messages: list[Message], *, kind: str, task_id: str | None = None,
         today: dt.date | None = None, force: bool = False, smtp: SmtpSettings | None = None,
         outbox: bool = False, retry_uncertain: bool = False) -> DeliveryResult:
    """Send `messages` (of `kind`) under the course lock, after checking that they may go now; else nothing."""
    try:
        with course_lock(root, f"message {kind} --send", wait_s=SEND_LOCK_WAIT_S):
            check_sender(load_mail_settings(root), smtp=smtp, outbox=outbox)
            problems = problems_before_sending(root, kind, task_id=task_id, today=today, force=force)
            if problems:
                raise MessageError("\n".join([*problems, "Inget har skickats."]))
            return deliver(root, messages, smtp=smtp, retry_uncertain=retry_uncertain, outbox=outbox)
    except BusyError as exc:
        raise MessageError(str(exc)) from None


def format_preview(root: Path | str, messages: list[Message], *, show: int = 1) -> str:
    """What would be sent, in Swedish: who, who already has it, and the first message in full."""
    if not messages:
        return "Ingen mottagare: det finns inget att skicka."
    done = already_sent(root, messages)
    todo = [m for m in messages if m.learner_id not in done]
    label = KIND_LABELS[messages[0].kind]
    keys = sorted({m.key for m in messages})
    lines = [f"{label} ({', '.join(keys)}): {count_noun(len(todo), 'mottagare', 'mottagare')}"
             + (f", {len(done)} har redan fått den och hoppas över" if done else "") + "."]
    for m in todo:
        lines.append(f"  {m.to_name} <{m.to_email}>" + (f" – {m.note}" if m.note else ""))
    for m in todo[:show]:
        lines += ["", f"--- Så här ser meddelandet till {m.to_name} ut ---",
                  f"Ämne: {m.subject}", "", m.body.rstrip(), "---"]
    lines += ["", "Inget har skickats. Lägg till --send för att skicka." if todo else
              "Alla har redan fått det här meddelandet."]
    return "\n".join(lines)
