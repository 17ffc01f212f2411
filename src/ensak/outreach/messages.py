"""Messages to learners: invitation to a new task, nudge, last call and thank-you.

The texts are Swedish jinja2 templates in ensak/outreach/templates/messages/; a coordinator edits her own
copies in the course's messages/ folder (`ensak message KIND --edit` puts them there). Messages go
out by SMTP when ENSAK_SMTP_HOST is set, otherwise as .eml files in outbox/. Every delivery is
claimed in a sent-log before it is attempted, so the same message never reaches the same person
twice, even when two runs overlap or one is killed half-way.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import re
import shutil
import smtplib
import sqlite3
import ssl
import tomllib
from contextlib import closing
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Iterable, Mapping

import jinja2
import pandas as pd

from ensak.atomic_files import write_atomically
from ensak.course.plan import COURSE_FILE, Course, load_course
from ensak.course.roster import load_roster
from ensak.swedish import swedish_date

KINDS = ("invitation", "nudge", "last-call", "thanks")
KIND_LABELS = {"invitation": "Inbjudan", "nudge": "Påminnelse", "last-call": "Sista chansen", "thanks": "Tack"}
TEMPLATE_FOLDER = "messages"
OUTBOX_FOLDER = "outbox"
SENT_LOG_FILE = "sent-log.sqlite"
SUBJECT_PREFIX = "Ämne:"
PACKAGE_TEMPLATES = Path(__file__).parent / "templates" / "messages"
STATUS_SENDING = "sending"
STATUS_SENT = "sent"


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


@dataclass(frozen=True)
class MailSettings:
    sender: str
    sender_name: str
    reply_to: str = ""
    hub_url: str = ""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    starttls: bool = True
    ssl: bool = False
    user: str = ""
    password: str = ""
    cafile: str = ""
    timeout: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "SmtpSettings | None":
        """SMTP settings from ENSAK_SMTP_* variables, or None when ENSAK_SMTP_HOST is not set.

        The password is read from the environment only, never from a file in the course.
        """
        env = os.environ if env is None else env
        host = env.get("ENSAK_SMTP_HOST", "").strip()
        if not host:
            return None
        use_ssl = env.get("ENSAK_SMTP_SSL", "0") == "1"
        try:
            port = int(env.get("ENSAK_SMTP_PORT", "465" if use_ssl else "587"))
        except ValueError:
            raise MessageError("ENSAK_SMTP_PORT måste vara ett portnummer, till exempel 587.") from None
        return cls(host=host, port=port, ssl=use_ssl, starttls=not use_ssl and env.get("ENSAK_SMTP_STARTTLS", "1") != "0",
                   user=env.get("ENSAK_SMTP_USER", ""), password=env.get("ENSAK_SMTP_PASSWORD", ""),
                   cafile=env.get("ENSAK_SMTP_CAFILE", ""))


@dataclass
class DeliveryResult:
    sent: list[str] = field(default_factory=list)
    already_sent: list[str] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    not_attempted: list[str] = field(default_factory=list)
    channel: str = ""


# --- templates ---------------------------------------------------------------------------------


def template_environment(root: Path | str) -> jinja2.Environment:
    """Templates from the course's messages/ folder first, then ensak's own."""
    loader = jinja2.FileSystemLoader([str(Path(root) / TEMPLATE_FOLDER), str(PACKAGE_TEMPLATES)])
    # StrictUndefined: a misspelt name in an edited template fails in the preview, not in 500 mails.
    environment = jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined, autoescape=False,
                                     keep_trailing_newline=False, trim_blocks=False)
    environment.filters["datum"] = swedish_date
    return environment


def copy_default_templates(root: Path | str) -> list[Path]:
    """Copy ensak's templates into the course's messages/ folder for editing; existing copies are kept."""
    folder = Path(root) / TEMPLATE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    copied = []
    for template in sorted(PACKAGE_TEMPLATES.glob("*.txt.j2")):
        target = folder / template.name
        if not target.exists():
            shutil.copy2(template, target)
            copied.append(target)
    return copied


def render(environment: jinja2.Environment, kind: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of `kind` for one learner."""
    name = f"{kind}.txt.j2"
    try:
        text = environment.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise MessageError(f"Mallen {name} har ett fel på rad {exc.lineno}: {exc.message}. "
                           "Rätta mallen i mappen messages/ och försök igen.") from None
    except jinja2.UndefinedError as exc:
        raise MessageError(f"Mallen {name} använder något som inte finns ({exc.message}). "
                           "Kontrollera stavningen av namnen inom {{ }}.") from None
    except jinja2.TemplateNotFound:
        raise MessageError(f"Mallen {name} finns inte. Meddelandetyperna är: {', '.join(KINDS)}.") from None
    first, _, rest = text.lstrip("\n").partition("\n")
    if not first.startswith(SUBJECT_PREFIX):
        raise MessageError(f"Mallen {name} ska börja med en rad 'Ämne: ...' och sedan en tom rad.")
    subject = first[len(SUBJECT_PREFIX):].strip()
    body = re.sub(r"\n{3,}", "\n\n", rest.strip("\n")) + "\n"
    return subject, body


# --- who gets what ------------------------------------------------------------------------------


def load_mail_settings(root: Path | str) -> MailSettings:
    """The sender and hub address from course.toml's [mail] table (ENSAK_MAIL_FROM and ENSAK_HUB_URL override)."""
    data = tomllib.loads((Path(root) / COURSE_FILE).read_text(encoding="utf-8")).get("mail", {})
    return MailSettings(
        sender=os.environ.get("ENSAK_MAIL_FROM", data.get("from", "")),
        sender_name=data.get("from_name", "Kursledningen"),
        reply_to=data.get("reply_to", ""),
        hub_url=os.environ.get("ENSAK_HUB_URL", data.get("hub_url", "")),
    )


def current_period(course: Course, today: dt.date) -> str:
    """The latest released task on `today`: a learner is nudged at most once per release period."""
    due = course.due_tasks(today)
    return due[-1].id if due else "start"


def message_key(kind: str, course: Course, task_id: str | None, today: dt.date) -> str:
    if kind == "invitation":
        return f"invitation:{task_id}"
    if kind == "nudge":
        return f"nudge:{current_period(course, today)}"
    return kind


def _nudge_context(value: Any) -> dict[str, Any]:
    """The nudge list gives a reason string or a row of progress.nudge_list(); both work."""
    if isinstance(value, str):
        return {"reason": value, "behind": False, "inactive": False, "tasks_done": None,
                "current_title": "", "last_activity": None}
    row = dict(value)
    last = row.get("last_activity")
    if last is not None and not pd.isna(last):
        last = pd.Timestamp(last).date()
    else:
        last = None
    title = row.get("current_title")
    return {"reason": str(row.get("reason", "")), "behind": bool(row.get("behind", False)),
            "inactive": bool(row.get("inactive", False)), "tasks_done": row.get("tasks_done"),
            "current_title": "" if title is None or pd.isna(title) else str(title), "last_activity": last}


def build_messages(
    root: Path | str,
    kind: str,
    *,
    task_id: str | None = None,
    nudges: Mapping[str, Any] | None = None,
    recipients: Iterable[str] | None = None,
    today: dt.date | None = None,
) -> list[Message]:
    """The messages of `kind`, one per active learner it is meant for.

    Invitations need `task_id`. Nudges go to the learners in `nudges` ({learner id: reason or
    nudge-list row}). `recipients` limits any kind to those learner ids.
    """
    if kind not in KINDS:
        raise MessageError(f"Okänd meddelandetyp {kind!r}. Välj en av: {', '.join(KINDS)}.")
    root = Path(root)
    today = today or dt.date.today()
    course = load_course(root)
    settings = load_mail_settings(root)
    task = None
    next_date = None
    if kind == "invitation":
        if not task_id:
            raise MessageError("En inbjudan gäller en uppgift: ange vilken med --task.")
        try:
            task = course.task(task_id)
        except Exception:
            raise MessageError(f"Det finns ingen uppgift {task_id!r} i course.toml. "
                               f"Uppgifterna är: {', '.join(course.task_ids)}.") from None
        later = [t for t in course.tasks if t.number > task.number]
        next_date = later[0].release if later else None
    if kind == "nudge" and nudges is None:
        raise MessageError("Påminnelser behöver en lista över vilka som ska påminnas och varför.")

    roster = load_roster(root)
    if roster.empty:
        raise MessageError("Deltagarlistan är tom. Importera den först med: ensak roster import FIL")
    wanted = set(recipients) if recipients is not None else None
    if kind == "nudge":
        wanted = set(nudges) if wanted is None else wanted & set(nudges)
    if wanted is not None:
        unknown = sorted(wanted - set(roster["id"]))
        if unknown:
            raise MessageError(f"De här finns inte bland de aktiva deltagarna: {', '.join(unknown)}. "
                               "Kontrollera id:na med deltagarlistan.")

    environment = template_environment(root)
    key = message_key(kind, course, task_id, today)
    days_left = (course.closes - today).days
    messages = []
    for learner in roster.to_dict("records"):
        if wanted is not None and learner["id"] not in wanted:
            continue
        context: dict[str, Any] = {"learner": learner, "course": course, "task": task, "next_date": next_date,
                                   "hub_url": settings.hub_url, "sender_name": settings.sender_name,
                                   "days_left": days_left, "today": today}
        note = ""
        if kind == "nudge":
            context.update(_nudge_context(nudges[learner["id"]]))
            note = context["reason"]
        subject, body = render(environment, kind, context)
        messages.append(Message(kind=kind, key=key, learner_id=learner["id"],
                                to_name=f"{learner['first_name']} {learner['last_name']}".strip(),
                                to_email=learner["email"], subject=subject, body=body, note=note))
    return messages


def nudges_from_progress(root: Path | str, today: dt.date | None = None) -> dict[str, dict[str, Any]]:
    """The nudge list for `today` from the gradebook, by learner id (see ensak.analytics.progress.nudge_list)."""
    from ensak.analytics.gradebook import LEARNER, load_progress
    from ensak.analytics.progress import learner_status, nudge_list

    today = today or dt.date.today()
    course = load_course(root)
    frame = nudge_list(learner_status(load_progress(root), today), course.nudge, today)
    return {row[LEARNER]: row for row in frame.to_dict("records")}


def learners_not_finished(root: Path | str, today: dt.date | None = None) -> list[str]:
    """Learners who have not submitted every task yet: the ones a last call is for."""
    from ensak.analytics.gradebook import LEARNER, load_progress
    from ensak.analytics.progress import FINISHED, learner_status

    status = learner_status(load_progress(root), today or dt.date.today())
    return sorted(status.loc[~status[FINISHED].astype(bool), LEARNER])


def check_task_released(root: Path | str, task_id: str) -> None:
    """An invitation to a task learners cannot fetch yet would only confuse them."""
    from ensak.nbgrader.release import released_tasks

    if task_id not in released_tasks(root):
        raise MessageError(f"Uppgiften {task_id} är inte släppt ännu, så deltagarna kan inte hämta den. "
                           f"Släpp den först (ensak release {task_id}) och skicka sedan inbjudan.")


# --- the sent-log -------------------------------------------------------------------------------


def sent_log_path(root: Path | str) -> Path:
    return Path(root) / OUTBOX_FOLDER / SENT_LOG_FILE


def _open_log(root: Path | str) -> sqlite3.Connection:
    path = sent_log_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    connection.execute("""CREATE TABLE IF NOT EXISTS sent (
        key TEXT NOT NULL, learner_id TEXT NOT NULL, email TEXT NOT NULL, subject TEXT NOT NULL,
        message_id TEXT NOT NULL, channel TEXT NOT NULL, status TEXT NOT NULL,
        claimed_at TEXT NOT NULL, sent_at TEXT, PRIMARY KEY (key, learner_id))""")
    return connection


def read_sent_log(root: Path | str) -> pd.DataFrame:
    """Everything sent (or being sent) so far, one row per message and learner."""
    if not sent_log_path(root).exists():
        return pd.DataFrame(columns=["key", "learner_id", "email", "subject", "message_id", "channel",
                                     "status", "claimed_at", "sent_at"])
    with closing(_open_log(root)) as connection:
        return pd.read_sql_query("SELECT * FROM sent ORDER BY claimed_at, learner_id", connection)


def already_sent(root: Path | str, messages: list[Message]) -> set[str]:
    """Learner ids among `messages` that the log says have (or may have) received them."""
    if not messages or not sent_log_path(root).exists():
        return set()
    with closing(_open_log(root)) as connection:
        keys = {m.key for m in messages}
        rows = connection.execute(
            f"SELECT key, learner_id FROM sent WHERE key IN ({','.join('?' * len(keys))})", sorted(keys)).fetchall()
    done = set(rows)
    return {m.learner_id for m in messages if (m.key, m.learner_id) in done}


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")


# --- delivery -----------------------------------------------------------------------------------


def message_id(course_id: str, message: Message, domain: str) -> str:
    # The same message always gets the same Message-ID, so a mail client that somehow receives it
    # twice shows it once.
    local = re.sub(r"[^A-Za-z0-9.-]", "-", f"{course_id}.{message.key}.{message.learner_id}")
    return f"<{local}@{domain}>"


def to_email(message: Message, settings: MailSettings, course_id: str) -> EmailMessage:
    """The message as an e-mail (UTF-8 text; headers encoded for any mail server)."""
    sender = settings.sender or "kursledningen@localhost"
    domain = sender.rpartition("@")[2] or "localhost"
    mail = EmailMessage(policy=SMTP_POLICY)
    mail["From"] = Address(settings.sender_name, addr_spec=sender)
    mail["To"] = Address(message.to_name, addr_spec=message.to_email)
    if settings.reply_to:
        mail["Reply-To"] = settings.reply_to
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(dt.datetime.now(dt.timezone.utc).astimezone())
    mail["Message-ID"] = message_id(course_id, message, domain)
    mail.set_content(message.body, charset="utf-8")
    return mail


def _login(connection: smtplib.SMTP, user: str, password: str) -> None:
    """Log in; smtplib only takes ASCII, but a Swedish password may well contain å, ä or ö."""
    try:
        (user + password).encode("ascii")
    except UnicodeEncodeError:
        # AUTH PLAIN is defined over UTF-8 (RFC 4616), so send it ourselves.
        connection.ehlo_or_helo_if_needed()
        if "PLAIN" not in connection.esmtp_features.get("auth", "").upper().split():
            raise MessageError("E-postservern tar inte emot lösenord med å, ä eller ö. Byt lösenord "
                               "eller använd ett konto med ett lösenord utan dem.") from None
        token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode("ascii")
        code, response = connection.docmd("AUTH", f"PLAIN {token}")
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, response)
        return
    connection.login(user, password)


class _SmtpTransport:
    """One SMTP connection for a whole batch."""

    channel = "smtp"

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.connection: smtplib.SMTP | None = None

    def open(self) -> None:
        s = self.settings
        if s.user and not (s.ssl or s.starttls):
            raise MessageError("Lösenordet skulle skickas okrypterat. Slå på STARTTLS (ENSAK_SMTP_STARTTLS=1) "
                               "eller SSL (ENSAK_SMTP_SSL=1).")
        context = ssl.create_default_context(cafile=s.cafile or None)
        try:
            if s.ssl:
                self.connection = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
            else:
                self.connection = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.starttls:
                    self.connection.starttls(context=context)
            if s.user:
                _login(self.connection, s.user, s.password)
        except smtplib.SMTPAuthenticationError:
            raise MessageError("E-postservern godkände inte inloggningen. Kontrollera ENSAK_SMTP_USER och "
                               "ENSAK_SMTP_PASSWORD.") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise MessageError(f"Kunde inte ansluta till e-postservern {s.host}:{s.port} ({exc}). "
                               "Kontrollera ENSAK_SMTP_HOST och ENSAK_SMTP_PORT. Inget har skickats.") from None

    def send(self, mail: EmailMessage, message: Message) -> None:
        assert self.connection is not None
        self.connection.send_message(mail)

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (OSError, smtplib.SMTPException):
                pass


class _OutboxTransport:
    """Each message as an .eml file the coordinator can open and send from her own mail program."""

    channel = "eml"

    def __init__(self, root: Path):
        self.root = root

    def open(self) -> None:
        pass

    def send(self, mail: EmailMessage, message: Message) -> None:
        folder = self.root / OUTBOX_FOLDER / re.sub(r"[^A-Za-z0-9_-]", "-", message.key)
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(folder / f"{message.learner_id}.eml", mail.as_bytes())

    def close(self) -> None:
        pass


# Refusals by the server: nothing was delivered, so the claim is withdrawn and a later run may retry.
_DEFINITE_FAILURES = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


def deliver(
    root: Path | str,
    messages: list[Message],
    *,
    smtp: SmtpSettings | None = None,
    retry_uncertain: bool = False,
) -> DeliveryResult:
    """Send each message once: by SMTP when `smtp` is given, else as .eml files in outbox/.

    Each (message, learner) is claimed in the sent-log before it is sent and marked sent after.
    A claim left behind by a run that was killed mid-send counts as "uncertain" and is not resent
    unless `retry_uncertain` (the coordinator has checked that it did not arrive).
    """
    root = Path(root)
    course = load_course(root)
    settings = load_mail_settings(root)
    if smtp is not None and not settings.sender:
        raise MessageError("Avsändaradressen saknas. Skriv den i course.toml under [mail] som from = "
                           "\"kurs@bibliotek.se\", eller sätt ENSAK_MAIL_FROM.")
    transport = _SmtpTransport(smtp) if smtp is not None else _OutboxTransport(root)
    result = DeliveryResult(channel=transport.channel)
    pending = []
    with closing(_open_log(root)) as log:
        for message in messages:
            row = log.execute("SELECT status FROM sent WHERE key = ? AND learner_id = ?",
                              (message.key, message.learner_id)).fetchone()
            if row is None or (row[0] == STATUS_SENDING and retry_uncertain):
                pending.append(message)
            elif row[0] == STATUS_SENT:
                result.already_sent.append(message.learner_id)
            else:
                result.uncertain.append(message.learner_id)
        if not pending:
            return result
        transport.open()
        try:
            for message in pending:
                mail = to_email(message, settings, course.id)
                try:
                    if retry_uncertain:
                        log.execute("DELETE FROM sent WHERE key = ? AND learner_id = ? AND status = ?",
                                    (message.key, message.learner_id, STATUS_SENDING))
                    log.execute("INSERT INTO sent (key, learner_id, email, subject, message_id, channel, status, "
                                "claimed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                (message.key, message.learner_id, message.to_email, message.subject,
                                 mail["Message-ID"], transport.channel, STATUS_SENDING, _now()))
                except sqlite3.IntegrityError:
                    # Another run claimed it between our look and our claim: it is theirs to send.
                    result.already_sent.append(message.learner_id)
                    continue
                try:
                    transport.send(mail, message)
                except _DEFINITE_FAILURES as exc:
                    log.execute("DELETE FROM sent WHERE key = ? AND learner_id = ?", (message.key, message.learner_id))
                    result.failed[message.learner_id] = str(exc)
                    continue
                except (OSError, smtplib.SMTPException) as exc:
                    # The connection broke: we cannot know whether the server took the message.
                    result.uncertain.append(message.learner_id)
                    result.failed[message.learner_id] = str(exc)
                    result.not_attempted = [m.learner_id for m in pending[pending.index(message) + 1:]]
                    break
                log.execute("UPDATE sent SET status = ?, sent_at = ? WHERE key = ? AND learner_id = ?",
                            (STATUS_SENT, _now(), message.key, message.learner_id))
                result.sent.append(message.learner_id)
        finally:
            transport.close()
    return result


# --- for the coordinator ------------------------------------------------------------------------


def format_preview(root: Path | str, messages: list[Message], *, show: int = 1) -> str:
    """What would be sent, in Swedish: who, who already has it, and the first message in full."""
    if not messages:
        return "Ingen mottagare: det finns inget att skicka."
    done = already_sent(root, messages)
    todo = [m for m in messages if m.learner_id not in done]
    label = KIND_LABELS[messages[0].kind]
    lines = [f"{label} ({messages[0].key}): {len(todo)} mottagare"
             + (f", {len(done)} har redan fått den och hoppas över" if done else "") + "."]
    for m in todo:
        lines.append(f"  {m.to_name} <{m.to_email}>" + (f" – {m.note}" if m.note else ""))
    for m in todo[:show]:
        lines += ["", f"--- Så här ser meddelandet till {m.to_name} ut ---",
                  f"Ämne: {m.subject}", "", m.body.rstrip(), "---"]
    lines += ["", "Inget har skickats. Lägg till --send för att skicka." if todo else
              "Alla har redan fått det här meddelandet."]
    return "\n".join(lines)


def format_delivery(result: DeliveryResult, root: Path | str) -> str:
    where = "via e-postservern" if result.channel == "smtp" else f"som .eml-filer i {Path(root) / OUTBOX_FOLDER}"
    lines = []
    if result.sent:
        lines.append(f"Skickade {len(result.sent)} meddelanden {where}.")
    if result.already_sent:
        lines.append(f"{len(result.already_sent)} hade redan fått meddelandet och hoppades över.")
    if result.uncertain:
        lines.append(f"Osäkert om {len(result.uncertain)} kom fram ({', '.join(result.uncertain)}): en tidigare "
                     "körning avbröts mitt i. Kontrollera i e-postens skickat-mapp; skicka om dem med --retry-uncertain.")
    for learner_id, reason in result.failed.items():
        if learner_id not in result.uncertain:
            lines.append(f"Kunde inte skicka till {learner_id}: {reason}. Försök igen senare.")
    if result.not_attempted:
        lines.append(f"{len(result.not_attempted)} skickades inte eftersom förbindelsen bröts. Kör samma "
                     "kommando igen när e-postservern svarar; ingen får meddelandet två gånger.")
    if not lines:
        lines.append("Inget att skicka.")
    return "\n".join(lines)
