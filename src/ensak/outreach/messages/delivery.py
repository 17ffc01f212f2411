"""Delivery: the sender from course.toml's [mail], each message as an e-mail, and sending it once by SMTP
(ENSAK_SMTP_* settings) or as an .eml file in outbox/ that the coordinator sends from her own mail program."""

from __future__ import annotations

import base64
import os
import re
import smtplib
import ssl
from contextlib import closing
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Mapping

from ensak.atomic_files import write_atomically
from ensak.clock import course_now
from ensak.course.plan import COURSE_FILE, KeyLines, load_course, parse_course, read_course_file
from ensak.outreach.messages.model import Message, MessageError
from ensak.outreach.messages.sent_log import (
    OUTBOX_FOLDER,
    STATUS_SENDING,
    STATUS_SENT,
    claim,
    mark_sent,
    open_log,
    status_of,
    withdraw,
)
from ensak.swedish import count_noun

DEFAULT_SENDER_NAME = "Kursledningen"
# Practical, not RFC 5322: an address a mail server will take as the sender.
ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                     r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
# Headers set as written (set_raw) are not folded again: Python would split an encoded display name.
_POLICY = SMTP_POLICY.clone(refold_source="none")
MAIL_SETUP = ('Lägg till i course.toml:\n\n[mail]\nfrom = "kurs@bibliotek.se"\nfrom_name = "Karin Åström, '
              'kurssamordnare"\n\nSätt sedan ENSAK_SMTP_HOST (se docs/coordinator.md) för att skicka med '
              "e-postservern, eller lägg till --outbox för att i stället skriva .eml-filer i outbox/ som du "
              "skickar från ditt eget e-postprogram.")


@dataclass(frozen=True)
class MailSettings:
    sender: str
    sender_name: str
    reply_to: str = ""
    hub_url: str = ""  # where learners log in: [course] url, or ENSAK_HUB_URL
    configured: bool = False  # course.toml has a [mail] table (or ENSAK_MAIL_FROM is set)


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


def _checked_address(value: object, key: str, lines: KeyLines) -> str:
    text = str(value).strip()
    if not text or ADDRESS.match(text):
        return text
    hint = " Skriv @ i stället för (at)." if re.search(r"\(at\)|\[at\]| at ", text, re.IGNORECASE) else ""
    raise MessageError(f"[mail] {key}{lines.at('mail', key)} i {COURSE_FILE} ska vara en e-postadress, till exempel "
                       f"{key} = \"kurs@bibliotek.se\"; nu står det \"{text}\".{hint}")


def load_mail_settings(root: Path | str) -> MailSettings:
    """The sender from course.toml's [mail] table and the login address from [course] url (ENSAK_MAIL_FROM
    and ENSAK_HUB_URL override them), each address checked."""
    data, lines = read_course_file(root)
    course = parse_course(data, Path(root), lines)
    mail = data.get("mail", {})
    if not isinstance(mail, dict):
        raise MessageError(f"[mail] i {COURSE_FILE} ska vara en tabell. {MAIL_SETUP}")
    sender = os.environ.get("ENSAK_MAIL_FROM") or _checked_address(mail.get("from", ""), "from", lines)
    return MailSettings(
        sender=sender,
        sender_name=str(mail.get("from_name", DEFAULT_SENDER_NAME)),
        reply_to=_checked_address(mail.get("reply_to", ""), "reply_to", lines),
        hub_url=os.environ.get("ENSAK_HUB_URL", course.url),
        configured=bool(sender),
    )


def message_id(course_id: str, message: Message, domain: str) -> str:
    # The same message always gets the same Message-ID, so a mail client that somehow receives it
    # twice shows it once.
    local = re.sub(r"[^A-Za-z0-9.-]", "-", f"{course_id}.{message.key}.{message.learner_id}")
    return f"<{local}@{domain}>"


def mailbox(name: str, address: str) -> str:
    """'Name <address>' with the name as one quoted or RFC 2047-encoded phrase: "Karin Åström, kurssamordnare"
    stays one name, never two addresses split at its comma."""
    return formataddr((name, address), charset="utf-8")


def to_email(message: Message, settings: MailSettings, course_id: str, timezone: str | None = None) -> EmailMessage:
    """The message as an e-mail (UTF-8 text; headers encoded for any mail server). Without a sender (an .eml
    file the coordinator asked for explicitly) there is no From: her mail program fills it in."""
    domain = settings.sender.rpartition("@")[2] or "localhost"
    mail = EmailMessage(policy=_POLICY)
    if settings.sender:
        mail.set_raw("From", mailbox(settings.sender_name, settings.sender))
    mail.set_raw("To", mailbox(message.to_name, message.to_email))
    if settings.reply_to:
        mail["Reply-To"] = settings.reply_to
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(course_now(timezone))
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


def check_sender(settings: MailSettings, *, smtp: SmtpSettings | None, outbox: bool) -> None:
    """Refuse to send without a sender, unless the coordinator asked for .eml files (--outbox)."""
    if settings.configured:
        return
    if smtp is not None and not outbox:
        raise MessageError("Avsändaradressen saknas, så e-postservern kan inte skicka något. " + MAIL_SETUP)
    if not outbox:
        raise MessageError("Det finns ingen avsändare: course.toml saknar [mail] med from. Inget har skickats. "
                           + MAIL_SETUP)


def deliver(
    root: Path | str,
    messages: list[Message],
    *,
    smtp: SmtpSettings | None = None,
    retry_uncertain: bool = False,
    outbox: bool = False,
) -> DeliveryResult:
    """Send each message once: by SMTP when `smtp` is given (and not `outbox`), else as .eml files in outbox/.

    Without a sender in course.toml ([mail] from) nothing is sent unless `outbox` (the coordinator asked for
    .eml files explicitly). Each (message, learner) is claimed in the sent-log before it is sent and marked
    sent after. A claim left behind by a run that was killed mid-send counts as "uncertain" and is not resent
    unless `retry_uncertain` (the coordinator has checked that it did not arrive).
    """
    root = Path(root)
    course = load_course(root)
    settings = load_mail_settings(root)
    check_sender(settings, smtp=smtp, outbox=outbox)
    transport = _SmtpTransport(smtp) if smtp is not None and not outbox else _OutboxTransport(root)
    result = DeliveryResult(channel=transport.channel)
    pending = []
    with closing(open_log(root)) as log:
        for message in messages:
            status = status_of(log, message)
            if status is None or (status == STATUS_SENDING and retry_uncertain):
                pending.append(message)
            elif status == STATUS_SENT:
                result.already_sent.append(message.learner_id)
            else:
                result.uncertain.append(message.learner_id)
        if not pending:
            return result
        transport.open()
        try:
            for message in pending:
                mail = to_email(message, settings, course.id, course.timezone)
                if not claim(log, message, mail["Message-ID"], transport.channel, replace_uncertain=retry_uncertain):
                    # Another run claimed it between our look and our claim: it is theirs to send.
                    result.already_sent.append(message.learner_id)
                    continue
                try:
                    transport.send(mail, message)
                except _DEFINITE_FAILURES as exc:
                    withdraw(log, message)
                    result.failed[message.learner_id] = str(exc)
                    continue
                except (OSError, smtplib.SMTPException) as exc:
                    # The connection broke: we cannot know whether the server took the message.
                    result.uncertain.append(message.learner_id)
                    result.failed[message.learner_id] = str(exc)
                    result.not_attempted = [m.learner_id for m in pending[pending.index(message) + 1:]]
                    break
                mark_sent(log, message)
                result.sent.append(message.learner_id)
        finally:
            transport.close()
    return result


def format_delivery(result: DeliveryResult, root: Path | str) -> str:
    where = "via e-postservern" if result.channel == "smtp" else f"som .eml-filer i {Path(root) / OUTBOX_FOLDER}"
    lines = []
    if result.sent:
        lines.append(f"Skickade {count_noun(len(result.sent), 'meddelande', 'meddelanden')} {where}.")
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

