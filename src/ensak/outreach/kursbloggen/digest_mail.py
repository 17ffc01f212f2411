"""The e-mail digest as messages: `ensak message kursbloggen` previews them, `--send` delivers them through
ensak's messages (SMTP or outbox/, each claimed in the sent-log) and notes every delivered item in the blog's
digest ledger, so that nobody gets the same post or reply twice."""

from __future__ import annotations

import datetime as dt
import hashlib

from ensak.outreach.kursbloggen.digest import Digest, pending_digests, record_digests_sent
from ensak.outreach.kursbloggen.members import Membership
from ensak.outreach.kursbloggen.queries import posts_by_ids
from ensak.outreach.kursbloggen.settings import blog_address, open_course_blog
from ensak.outreach.kursbloggen.views import post_title
from ensak.outreach.messages import DeliveryResult, Message, deliver, load_mail_settings, render, template_environment

DIGEST_KIND = "kursbloggen"


def digest_key(digest: Digest) -> str:
    """The same items make the same key: the sent-log then refuses to send them twice, as for any message."""
    items = ",".join([f"p{post.id}" for post in digest.posts] + [f"c{reply.id}" for reply in digest.replies])
    return f"{DIGEST_KIND}:{hashlib.sha256(items.encode()).hexdigest()[:16]}"


def digest_messages(course_dir, now: dt.datetime) -> tuple[list[Message], dict[str, Digest]]:
    """One message per active learner with an e-mail address whose digest has something new; and the digests."""
    from ensak.course.plan import load_course
    from ensak.course.roster import load_roster

    opened = open_course_blog(course_dir, create=False)
    if opened is None:
        return [], {}
    settings, engine = opened
    try:
        digests = {digest.member: digest for digest in pending_digests(engine, now)}
        titled = posts_by_ids(engine, sorted({reply.post_id for d in digests.values() for reply in d.replies}))
    finally:
        engine.dispose()
    roster = {row["id"]: row for row in load_roster(course_dir).to_dict("records") if row["email"]}
    membership = Membership(settings.course_dir, settings.coordinators, settings.group)
    course, mail = load_course(course_dir), load_mail_settings(course_dir)
    address = blog_address(settings)
    environment = template_environment(course_dir)
    messages = []
    for learner, digest in digests.items():
        if learner not in roster:
            continue
        context = {
            "learner": roster[learner], "course": course, "summary": digest.summary, "blog_url": address,
            "sender_name": mail.sender_name,
            "posts": [{"title": post_title(settings, post), "author": membership.name(post.author),
                       "url": f"{address}inlagg/{post.id}"} for post in digest.posts],
            "replies": [{"title": post_title(settings, titled[reply.post_id]) if reply.post_id in titled else "",
                         "author": membership.name(reply.author),
                         "url": f"{address}inlagg/{reply.post_id}#kommentar-{reply.id}"} for reply in digest.replies],
        }
        subject, body = render(environment, DIGEST_KIND, context)
        person = roster[learner]
        messages.append(Message(kind=DIGEST_KIND, key=digest_key(digest), learner_id=learner,
                                to_name=f"{person['first_name']} {person['last_name']}".strip(),
                                to_email=person["email"], subject=subject, body=body, note=digest.summary))
    return messages, digests


def send_digests(course_dir, now: dt.datetime, *, smtp=None, outbox: bool = False) -> DeliveryResult:
    """Deliver the pending digests and note what they carried, so no item is ever mailed twice (`outbox`: as
    .eml files even without a [mail] sender, as `ensak message --outbox` asks)."""
    messages, digests = digest_messages(course_dir, now)
    result = deliver(course_dir, messages, smtp=smtp, outbox=outbox)
    delivered = [digests[learner] for learner in (*result.sent, *result.already_sent) if learner in digests]
    if delivered:
        _, engine = open_course_blog(course_dir)
        try:
            record_digests_sent(engine, delivered, now)
        finally:
            engine.dispose()
    return result
