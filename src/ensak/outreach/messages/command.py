"""`ensak message KIND`: what the command does, as a plain function the CLI calls and tests can call too."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ensak.outreach.messages.delivery import SmtpSettings, format_delivery
from ensak.outreach.messages.recipients import (
    build_messages,
    format_preview,
    learners_not_finished,
    nudges_from_progress,
    problems_before_sending,
    send,
)
from ensak.outreach.messages.templates import copy_default_templates


@dataclass
class Outcome:
    """What to print (and what to warn about) and the exit code."""

    text: str
    warnings: list[str] = field(default_factory=list)
    exit_code: int = 0


def message_command(course_dir: Path | str, kind: str, *, task: str | None = None, to: list[str] | None = None,
                    reason: str | None = None, send_now: bool = False, retry_uncertain: bool = False,
                    force: bool = False, outbox: bool = False, edit: bool = False,
                    today: dt.date | None = None) -> Outcome:
    """Preview a message (default) or send it (`send_now`). Errors are MessageError, in Swedish."""
    if edit:
        copied = copy_default_templates(course_dir)
        return Outcome("Mallarna finns i messages/: " + (", ".join(p.name for p in copied) or "redan kopierade"))
    to = list(to or [])
    nudges = recipients = None
    if kind == "nudge":
        nudges = {learner: reason for learner in to} if (reason and to) else nudges_from_progress(course_dir, today)
    elif kind == "last-call" and not to:
        recipients = learners_not_finished(course_dir, today)
    messages = build_messages(course_dir, kind, task_id=task, nudges=nudges, recipients=to or recipients,
                              today=today)
    if not send_now:
        warnings = problems_before_sending(course_dir, kind, task_id=task, today=today, force=force)
        return Outcome(format_preview(course_dir, messages), warnings=warnings)
    result = send(course_dir, messages, kind=kind, task_id=task, today=today, force=force,
                  smtp=SmtpSettings.from_env(), outbox=outbox, retry_uncertain=retry_uncertain)
    return Outcome(format_delivery(result, course_dir), exit_code=1 if result.failed or result.uncertain else 0)
