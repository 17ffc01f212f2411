"""Buttons for the coordinator's week in a notebook: release what is due, collect and grade, preview
and send messages. Each button calls the same function as the `ensak` command, so the notebook and
the terminal never disagree; results and problems are shown in Swedish words, never as a traceback.

Not a learner widget: it is imported only by the coordinator's notebook, never by task notebooks.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import ipywidgets as w

KIND_CHOICES = [("Inbjudan till en uppgift", "invitation"), ("Påminnelse", "nudge"),
                ("Sista chansen", "last-call"), ("Tack", "thanks")]


def _pre(text: str) -> str:
    return f'<pre style="white-space: pre-wrap; font-family: inherit;">{html.escape(text)}</pre>'


def _problem(text: str) -> str:
    # A symbol and words, never colour alone.
    return f'<p role="status">⚠ {html.escape(text)}</p>'


class CoordinatorPanel(w.VBox):
    """Release, sync and message buttons for the course in `course_dir`."""

    def __init__(self, course_dir: Path | str, *, today: dt.date | None = None, **kwargs):
        from ensak.course.plan import load_course

        self.course_dir = Path(course_dir)
        self.today = today
        self.course = load_course(self.course_dir)

        self.release_button = w.Button(description="Släpp uppgifter", icon="paper-plane",
                                       tooltip="Släpper de uppgifter vars datum har kommit och som inte är släppta.")
        self.release_status = w.HTML()
        self.release_button.on_click(lambda _: self.release())

        self.sync_button = w.Button(description="Samla in och rätta", icon="refresh",
                                    tooltip="Samlar in nya inlämningar, rättar dem och lämnar ut återkoppling.")
        self.sync_label = w.Label()
        self.sync_progress = w.IntProgress(value=0, min=0, max=1, layout=w.Layout(visibility="hidden"))
        self.sync_status = w.HTML()
        self.sync_button.on_click(lambda _: self.sync())

        self.kind = w.Dropdown(options=KIND_CHOICES, value="invitation", description="Meddelande")
        self.task = w.Dropdown(options=[(f"{t.number}. {t.title}", t.id) for t in self.course.tasks],
                               description="Uppgift")
        self.preview_button = w.Button(description="Förhandsgranska", icon="eye")
        self.send_button = w.Button(description="Skicka", icon="envelope", button_style="warning", disabled=True,
                                    tooltip="Förhandsgranska först. Ingen får samma meddelande två gånger.")
        self.message_status = w.HTML()
        self.preview_button.on_click(lambda _: self.preview())
        self.send_button.on_click(lambda _: self.send())
        self.kind.observe(self._selection_changed, names="value")
        self.task.observe(self._selection_changed, names="value")
        self._previewed: list | None = None
        self._selection_changed()

        super().__init__(children=[
            w.HTML("<h3>Släppa uppgifter</h3>"), self.release_button, self.release_status,
            w.HTML("<h3>Samla in och rätta</h3>"), self.sync_button,
            w.HBox([self.sync_progress, self.sync_label]), self.sync_status,
            w.HTML("<h3>Meddelanden till deltagarna</h3>"), w.HBox([self.kind, self.task]),
            w.HBox([self.preview_button, self.send_button]), self.message_status,
        ], **kwargs)

    @property
    def day(self) -> dt.date:
        return self.today or dt.date.today()

    # --- release ----------------------------------------------------------------------------------

    def release(self) -> None:
        from ensak.course.lock import BusyError
        from ensak.course.schedule import ScheduleError, format_release, release_due

        self.release_button.disabled = True
        try:
            result = release_due(self.course_dir, self.day)
            self.release_status.value = _pre(format_release(result))
        except (ScheduleError, BusyError) as exc:
            self.release_status.value = _problem(str(exc))
        finally:
            self.release_button.disabled = False

    # --- sync ---------------------------------------------------------------------------------------

    def _step(self, label: str, done: int, total: int) -> None:
        if total == 0:
            return
        self.sync_progress.layout.visibility = "visible"
        self.sync_progress.max = total
        self.sync_progress.value = done
        self.sync_label.value = f"{label}: {done} av {total}"

    def sync(self) -> None:
        from ensak.course.lock import BusyError
        from ensak.sync import sync

        self.sync_button.disabled = True
        self.sync_status.value = "<p>Arbetar … det kan ta några minuter.</p>"
        try:
            summary = sync(self.course_dir, on_step=self._step)
        except BusyError as exc:
            self.sync_status.value = _problem(str(exc))
            return
        finally:
            self.sync_button.disabled = False
        lines = [f"Insamlade: {len(summary.collected)}. Rättade: {len(summary.graded)}. "
                 f"Återkoppling utlämnad: {len(summary.feedback)}."]
        if summary.waiting_for_manual_grading:
            lines.append(f"{summary.waiting_for_manual_grading} inlämningar väntar på att du bedömer reflektionen "
                         "i formgrader.")
        lines += [f"Att titta på: {note}" for note in summary.notes]
        lines += [f"⚠ Problem: {problem}" for problem in summary.problems]
        self.sync_status.value = _pre("\n".join(lines))

    # --- messages -----------------------------------------------------------------------------------

    def _selection_changed(self, change=None) -> None:
        self.task.layout.display = "" if self.kind.value == "invitation" else "none"
        # A new choice needs a new preview before anything can be sent.
        self._previewed = None
        self.send_button.disabled = True
        self.send_button.description = "Skicka"

    def _build(self) -> list:
        from ensak.outreach.messages import (
            build_messages,
            learners_not_finished,
            nudges_from_progress,
        )

        kind, day = self.kind.value, self.day
        nudges = nudges_from_progress(self.course_dir, day) if kind == "nudge" else None
        recipients = learners_not_finished(self.course_dir, day) if kind == "last-call" else None
        return build_messages(self.course_dir, kind, task_id=self.task.value if kind == "invitation" else None,
                              nudges=nudges, recipients=recipients, today=day)

    def preview(self) -> None:
        from ensak.outreach.messages import (
            MessageError,
            already_sent,
            check_task_released,
            format_preview,
        )

        self._selection_changed()
        try:
            messages = self._build()
            warning = ""
            if self.kind.value == "invitation":
                try:
                    check_task_released(self.course_dir, self.task.value)
                except MessageError as exc:
                    warning = _problem(str(exc))
                    messages = []  # nothing may be sent for a task learners cannot fetch
            preview = format_preview(self.course_dir, messages).replace(
                "Lägg till --send för att skicka.", "Tryck på Skicka för att skicka.")
        except MessageError as exc:
            self.message_status.value = _problem(str(exc))
            return
        self.message_status.value = warning + _pre(preview)
        todo = [m for m in messages if m.learner_id not in already_sent(self.course_dir, messages)]
        if todo:
            self._previewed = messages
            self.send_button.disabled = False
            self.send_button.description = f"Skicka till {len(todo)}"

    def send(self) -> None:
        from ensak.outreach.messages import (
            MessageError,
            SmtpSettings,
            deliver,
            format_delivery,
        )

        if not self._previewed:
            return
        self.send_button.disabled = True
        try:
            result = deliver(self.course_dir, self._previewed, smtp=SmtpSettings.from_env())
            self.message_status.value = _pre(format_delivery(result, self.course_dir))
        except MessageError as exc:
            self.message_status.value = _problem(str(exc))
        finally:
            self._previewed = None
            self.send_button.description = "Skicka"
