"""What a message is: its kinds, the message itself and the error every part of messages raises."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("invitation", "nudge", "last-call", "thanks")
KIND_LABELS = {"invitation": "Inbjudan", "nudge": "Påminnelse", "last-call": "Sista chansen", "thanks": "Tack",
               # Built by ensak.outreach.kursbloggen.digest_mail, from what each learner has not been sent yet.
               "kursbloggen": "Kursbloggens sammanfattning"}


class MessageError(Exception):
    """A message cannot be made or sent as asked. The message is Swedish and says what to do."""


@dataclass(frozen=True)
class Message:
    kind: str
    key: str  # what makes it "the same message": kind plus task or period
    learner_id: str
    to_name: str
    to_email: str
    subject: str
    body: str
    note: str = ""  # for the coordinator's preview only, e.g. the nudge reason
