"""Messages to learners: invitation to a new task, nudge, last call and thank-you.

The texts are Swedish jinja2 templates (templates.py); a coordinator edits her own copies in the course's
messages/ folder (`ensak message KIND --edit` puts them there). Who gets which message and when is in
recipients.py; the sent-log that makes every message go once in sent_log.py; SMTP and .eml delivery in
delivery.py. This package's names are the ones the CLI, the coordinator panel and the care tools use.
"""

from ensak.outreach.messages.command import Outcome, message_command
from ensak.outreach.messages.delivery import (
    DeliveryResult,
    MailSettings,
    SmtpSettings,
    deliver,
    format_delivery,
    load_mail_settings,
    mailbox,
    message_id,
    to_email,
)
from ensak.outreach.messages.model import KIND_LABELS, KINDS, Message, MessageError
from ensak.outreach.messages.recipients import (
    build_messages,
    check_task_released,
    current_period,
    format_preview,
    learners_not_finished,
    nudges_from_progress,
    problems_before_sending,
    send,
)
from ensak.outreach.messages.sent_log import (
    OUTBOX_FOLDER,
    SENT_LOG_FILE,
    already_sent,
    read_sent_log,
    sent_log_path,
)
from ensak.outreach.messages.templates import (
    PACKAGE_TEMPLATES,
    SUBJECT_PREFIX,
    TEMPLATE_FOLDER,
    copy_default_templates,
    render,
    template_environment,
)

__all__ = [
    "KINDS", "KIND_LABELS", "OUTBOX_FOLDER", "PACKAGE_TEMPLATES", "SENT_LOG_FILE", "SUBJECT_PREFIX",
    "TEMPLATE_FOLDER", "DeliveryResult", "MailSettings", "Message", "MessageError", "Outcome", "SmtpSettings",
    "already_sent", "build_messages", "check_task_released", "copy_default_templates", "current_period",
    "deliver", "format_delivery", "format_preview", "learners_not_finished", "load_mail_settings", "mailbox",
    "message_command", "message_id", "nudges_from_progress", "problems_before_sending", "read_sent_log", "render",
    "send", "sent_log_path", "template_environment", "to_email",
]
