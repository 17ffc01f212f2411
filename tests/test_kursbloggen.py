"""Kursbloggen without a browser: its storage and migrations, sanitising, who may do what, what is new,
digests, forget/export/backup, and the public export, through the running application on loopback."""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from ensak.learner.blog_client import BlogClientError, blog_url_from_environment
from ensak.outreach.kursbloggen import care, digest, queries, store
from ensak.outreach.kursbloggen.database import (
    current_revision,
    downgrade_database,
    open_blog_database,
    upgrade_database,
)
from ensak.outreach.kursbloggen.export import ExportError, write_public_export
from ensak.outreach.kursbloggen.local import BackgroundBlog
from ensak.outreach.kursbloggen.markdown import render_markdown
from ensak.outreach.kursbloggen.schema import VERSION_TABLE
from ensak.outreach.kursbloggen.settings import BlogSettingsError, load_settings
from fixtures_kursbloggen import COORDINATOR, START, Clock, RunningBlog, make_blog_course

KICKOFF, BLOGS = "00-valkommen", "02-bloggar"
ANNA = store.Member("anna.ek", "Anna Ek")
BO = store.Member("bo.ahl", "Bo Åhl")
KARIN = store.Member(COORDINATOR, "Karin Lund", coordinator=True)


@pytest.fixture
def blog(tmp_path):
    """A course of its own with the blog running on loopback, its clock standing at START."""
    course_dir = make_blog_course(tmp_path)
    settings = load_settings(course_dir)
    clock = Clock()
    with BackgroundBlog(settings, clock=clock) as running:
        yield RunningBlog(url=running.url, token=running.token, clock=clock, course_dir=course_dir,
                          engine=running.engine, settings=settings)


class Browser:
    """A person with cookies, as a browser without JavaScript: picks a name, reads pages, sends forms."""

    def __init__(self, blog: RunningBlog, learner: str):
        self.blog = blog
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        page = self.get("logga-in")[1]
        self.post("logga-in", {"vem": learner, "_xsrf": self.xsrf(page)})

    def open(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.blog.url + path, data=body, timeout=10) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def get(self, path: str = "") -> tuple[int, str]:
        return self.open(path)

    def post(self, path: str, data: dict) -> tuple[int, str]:
        return self.open(path, data)

    @staticmethod
    def xsrf(page: str) -> str:
        return re.search(r'name="_xsrf" value="([^"]+)"', page).group(1)


# --- storage and migrations ---------------------------------------------------------------------------


def test_do_the_migrations_make_only_prefixed_tables_with_their_own_version_table(tmp_path):
    engine = open_blog_database(f"sqlite:///{tmp_path / 'delad.db'}")
    with engine.begin() as conn:  # nbgrader's own bookkeeping in the same database
        conn.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(sa.text("INSERT INTO alembic_version VALUES ('nbgraderrev')"))
    tables = set(sa.inspect(engine).get_table_names())
    assert {"kursbloggen_posts", "kursbloggen_comments", "kursbloggen_members", "kursbloggen_digest_items",
            "kursbloggen_roster", VERSION_TABLE} <= tables
    assert current_revision(engine) == "0002_roster"
    upgrade_database(engine)   # again: nothing to do
    downgrade_database(engine)
    assert set(sa.inspect(engine).get_table_names()) == {"alembic_version", VERSION_TABLE}
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "nbgraderrev"


def test_does_the_course_choose_a_database_file_of_its_own_next_to_the_gradebook(tmp_path, monkeypatch):
    from ensak.outreach.kursbloggen.database import blog_db_url

    monkeypatch.delenv("ENSAK_BLOG_DB_URL", raising=False)
    assert blog_db_url(tmp_path, f"sqlite:///{tmp_path}/gradebook/gradebook.db") == \
        f"sqlite:///{tmp_path.resolve()}/blog/kursbloggen.db"
    server = "postgresql+psycopg://ensak@db/gradebook_ensak"
    assert blog_db_url(tmp_path, server) == server, "a server gradebook is shared, the tables are prefixed"
    monkeypatch.setenv("ENSAK_BLOG_DB_URL", "postgresql+psycopg://ensak@db/blogg")
    assert blog_db_url(tmp_path, server) == "postgresql+psycopg://ensak@db/blogg"


def test_is_a_wrong_blog_table_in_course_toml_told_in_swedish(tmp_path):
    course_dir = make_blog_course(tmp_path, blog_table='[blog]\ncoordinators = "karin"\n')
    with pytest.raises(BlogSettingsError, match="lista med användarnamn"):
        load_settings(course_dir)


# --- sanitising -----------------------------------------------------------------------------------------


class Elements(HTMLParser):
    """Every element and attribute a browser would build from the HTML, and the text it would show."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text += data


def active_parts(html: str) -> list[str]:
    """What in `html` could run or load something: scripts, frames, images, event handlers, script links."""
    found = []
    for tag, attrs in Elements(html).tags:
        if tag in ("script", "iframe", "object", "embed", "img", "style", "form"):
            found.append(tag)
        found += [f"{tag} {name}" for name in attrs if name.startswith("on") or name == "style"]
        href = (attrs.get("href") or "").strip().lower()
        if href and not href.startswith(("http://", "https://", "mailto:", "#")):
            found.append(f"{tag} href={href}")
    return found


@pytest.mark.parametrize("typed", [
    "<script>alert(1)</script>",
    "[klicka](javascript:alert(1))",
    "[klicka](JaVaScRiPt:alert(1))",
    "[klicka](&#106;avascript:alert(1))",
    "<img src=x onerror=alert(1)>",
    '<a href="https://x.se" onclick="alert(1)">x</a>',
    "[data](data:text/html;base64,PHNjcmlwdD4=)",
    "<iframe src=https://x.se></iframe>",
    "<p style=\"position:fixed\">x</p>",
])
def test_is_harmful_markup_shown_inert(typed):
    html = str(render_markdown(f"Hej {typed}"))
    assert active_parts(html) == []
    if typed.startswith("<"):
        assert typed in Elements(html).text, "typed HTML is shown as the text it is"


def test_are_entities_shown_as_typed_and_markdown_kept():
    html = str(render_markdown("# Rubrik\n\n&lt;b&gt;fet&lt;/b&gt; **riktigt fet** [länk](https://bibliotek.se)"))
    assert "&amp;lt;b&amp;gt;fet" in html, "the entity is shown as the learner typed it"
    assert "<h3>Rubrik</h3>" in html, "a learner's heading sits under the post's own"
    assert "<strong>riktigt fet</strong>" in html
    assert 'href="https://bibliotek.se"' in html and "noopener" in html


def test_are_remote_images_links_unless_the_course_allows_them():
    refused = str(render_markdown("![omslag](https://bilder.example/omslag.jpg)"))
    assert "<img" not in refused and 'href="https://bilder.example/omslag.jpg"' in refused and "Bild: omslag" in refused
    allowed = str(render_markdown("![omslag](https://bilder.example/omslag.jpg)", remote_images=True))
    assert '<img src="https://bilder.example/omslag.jpg" alt="omslag">' in allowed


# --- the conversation through the API -------------------------------------------------------------------


def test_does_a_shared_reflection_reach_a_colleague_at_once_and_a_comment_come_back(blog):
    anna, bo = blog.client("anna.ek"), blog.client("bo.ahl")
    shared = anna.share_reflection(KICKOFF, "Jag lärde mig att en sak i taget räcker.", share=True)
    assert shared["share"] and shared["id"]
    seen = bo.posts()["posts"]
    assert [p["text"] for p in seen] == ["Jag lärde mig att en sak i taget räcker."]
    assert bo.unread() == {"posts": 1, "replies": 0, "total": 1, "since": None, "url": "/"}
    blog.clock.advance(minutes=5)
    first = bo.comment(shared["id"], "Bra skrivet, Anna!")
    assert anna.unread()["replies"] == 1 and anna.unread()["posts"] == 0, "her own post is not news to her"
    blog.clock.advance(minutes=5)
    anna.comment(shared["id"], "Tack Bo!", parent=first)
    assert bo.unread()["replies"] == 1, "an answer to his comment counts for Bo"
    comments = bo.comments(shared["id"])
    assert [(c["author"], c["parent"]) for c in comments] == [("bo.ahl", None), ("anna.ek", first)]


def test_does_sharing_again_replace_the_reflection_and_saying_no_to_both_remove_it(blog):
    anna, bo = blog.client("anna.ek"), blog.client("bo.ahl")
    first = anna.share_reflection(KICKOFF, "Första versionen.", share=True)
    again = anna.share_reflection(KICKOFF, "Andra versionen.", share=True, publish=True)
    assert again["id"] == first["id"]
    assert [p["text"] for p in bo.posts()["posts"]] == ["Andra versionen."]
    only_public = anna.share_reflection(KICKOFF, "Andra versionen.", share=False, publish=True)
    assert only_public["id"] == first["id"] and bo.posts()["total"] == 0, "publishing is not sharing with the course"
    gone = anna.share_reflection(KICKOFF, "Andra versionen.", share=False, publish=False)
    assert gone["id"] is None
    with blog.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM kursbloggen_posts")).scalar() == 0


def test_are_questions_and_tips_written_with_or_without_a_task(blog):
    bo = blog.client("bo.ahl")
    bo.ask("Hur lägger man till en bild?", "Jag hittar inte knappen.", task=BLOGS)
    bo.tip("Bra poddar", "Lyssna på Biblioteksbladet.")
    posts = {p["title"]: p for p in blog.client("anna.ek").posts()["posts"]}
    assert posts["Hur lägger man till en bild?"]["kind"] == "fraga" and posts["Hur lägger man till en bild?"]["task"] == BLOGS
    assert posts["Bra poddar"]["kind"] == "tips" and posts["Bra poddar"]["task"] is None
    with pytest.raises(BlogClientError) as refused:
        bo.write_post("nyhet", "Rubrik", "Text")
    assert refused.value.status == 400 and "fråga eller ett tips" in str(refused.value)
    with pytest.raises(BlogClientError) as unknown:
        bo.ask("Rubrik", "Text", task="99-finns-inte")
    assert unknown.value.status == 400


def test_is_a_simulated_time_taken_only_where_the_demo_allows_it(blog, tmp_path):
    later = START + dt.timedelta(days=3)
    post_id = blog.client("bo.ahl").ask("Fråga", "Text", at=later)
    with blog.engine.connect() as conn:
        created = conn.execute(sa.text("SELECT created FROM kursbloggen_posts WHERE id = :i"), {"i": post_id}).scalar()
    assert str(created).startswith("2027-01-20 09:00"), "an ordinary blog writes at its own clock's time"
    with BackgroundBlog(blog.settings, clock=blog.clock, client_clock=True) as demo:
        from ensak.learner.blog_client import BlogClient

        demo_id = BlogClient(demo.url, demo.token, "bo.ahl").ask("Fråga", "Text", at=later)
    with blog.engine.connect() as conn:
        created = conn.execute(sa.text("SELECT created FROM kursbloggen_posts WHERE id = :i"), {"i": demo_id}).scalar()
    assert str(created).startswith("2027-01-23 09:00")


def test_do_non_members_and_those_who_left_get_403(blog):
    from ensak.course.roster import load_roster, write_roster

    with pytest.raises(BlogClientError) as outsider:
        blog.client("okand.person").unread()
    assert outsider.value.status == 403 and "deltagarlista" in str(outsider.value)
    assert blog.client("cecilia.oberg").unread()["total"] == 0
    roster = load_roster(blog.course_dir)
    write_roster(blog.course_dir, roster[roster["id"] != "cecilia.oberg"], today=dt.date(2027, 2, 1))
    with pytest.raises(BlogClientError) as left:
        blog.client("cecilia.oberg").unread()
    assert left.value.status == 403, "the roster is read again when it changes"
    assert blog.client(COORDINATOR).me()["coordinator"] is True, "the coordinator belongs without being a learner"


def test_can_a_learner_change_only_their_own_posts_and_comments(blog):
    anna, bo = Browser(blog, "anna.ek"), Browser(blog, "bo.ahl")
    post_id = blog.client("anna.ek").ask("Min fråga", "Originaltext")
    comment_id = blog.client("anna.ek").comment(post_id, "Min kommentar")
    page = bo.get(f"inlagg/{post_id}")[1]
    assert "Ändra inlägget" not in page and f"kommentar/{comment_id}/andra" not in page
    token = Browser.xsrf(page)
    assert bo.get(f"inlagg/{post_id}/andra")[0] == 403
    status, refused = bo.post(f"inlagg/{post_id}/andra", {"text": "Bo skrev över", "rubrik": "X", "_xsrf": token})
    assert status == 403 and "Bara den som skrev inlägget" in refused
    assert bo.post(f"inlagg/{post_id}/ta-bort", {"_xsrf": token})[0] == 403
    assert bo.post(f"kommentar/{comment_id}/andra", {"text": "Bo igen", "_xsrf": token})[0] == 403
    assert bo.post(f"kommentar/{comment_id}/ta-bort", {"_xsrf": token})[0] == 403
    assert "Originaltext" in bo.get(f"inlagg/{post_id}")[1] and "Min kommentar" in bo.get(f"inlagg/{post_id}")[1]
    own = anna.get(f"inlagg/{post_id}/andra")[1]
    status, _ = anna.post(f"inlagg/{post_id}/andra", {"rubrik": "Min fråga", "text": "Ändrad text",
                                                       "_xsrf": Browser.xsrf(own)})
    assert status == 200 and "Ändrad text" in anna.get(f"inlagg/{post_id}")[1]
    assert "ändrat" in anna.get(f"inlagg/{post_id}")[1]


def test_is_a_form_without_its_xsrf_token_refused(blog):
    bo = Browser(blog, "bo.ahl")
    post_id = blog.client("anna.ek").ask("Fråga", "Text")
    status, page = bo.post(f"inlagg/{post_id}/kommentera", {"text": "Utan token"})
    assert status == 403 and "Formuläret" in page
    status, page = bo.post(f"inlagg/{post_id}/kommentera", {"text": "Fel token", "_xsrf": "2|00|00|00"})
    assert status == 403
    assert "Utan token" not in bo.get(f"inlagg/{post_id}")[1]
    token = Browser.xsrf(bo.get(f"inlagg/{post_id}")[1])
    status, page = bo.post(f"inlagg/{post_id}/kommentera", {"text": "Med token", "_xsrf": token})
    assert status == 200 and "Med token" in page


def test_does_a_comment_form_keep_the_words_and_say_what_is_wrong(blog):
    bo = Browser(blog, "bo.ahl")
    post_id = blog.client("anna.ek").ask("Fråga", "Text")
    token = Browser.xsrf(bo.get(f"inlagg/{post_id}")[1])
    status, page = bo.post(f"inlagg/{post_id}/kommentera", {"text": "x" * 2001, "_xsrf": token})
    assert status == 400 and "högst 2000 tecken" in page and 'role="alert"' in page
    assert "x" * 2001 in page, "the words are kept for the learner to shorten"


def test_does_the_coordinator_hide_with_a_reason_only_the_author_and_she_see(blog):
    post_id = blog.client("bo.ahl").tip("Tips", "Något olämpligt")
    karin, bo, anna = Browser(blog, COORDINATOR), Browser(blog, "bo.ahl"), Browser(blog, "anna.ek")
    assert anna.get(f"inlagg/{post_id}/dolj")[0] == 403
    form = karin.get(f"inlagg/{post_id}/dolj")[1]
    status, _ = karin.post(f"inlagg/{post_id}/dolj", {"skal": "Namnger en låntagare.", "atgard": "dolj",
                                                       "_xsrf": Browser.xsrf(form)})
    assert status == 200
    assert anna.get(f"inlagg/{post_id}")[0] == 404 and "Något olämpligt" not in anna.get("")[1]
    own = bo.get(f"inlagg/{post_id}")[1]
    assert "Namnger en låntagare." in own and "Något olämpligt" in own
    assert blog.client("anna.ek").posts()["total"] == 0
    form = karin.get(f"inlagg/{post_id}/dolj")[1]
    karin.post(f"inlagg/{post_id}/dolj", {"atgard": "visa", "_xsrf": Browser.xsrf(form)})
    assert "Något olämpligt" in anna.get(f"inlagg/{post_id}")[1]


def test_are_the_coordinators_comments_marked(blog):
    post_id = blog.client("anna.ek").ask("Fråga", "Text")
    blog.client(COORDINATOR).comment(post_id, "Bra fråga, jag svarar på måndag.")
    page = Browser(blog, "anna.ek").get(f"inlagg/{post_id}")[1]
    assert re.search(r'class="kommentar niva-0 fran-kursledaren".*?Kursledare', page, re.DOTALL)
    assert blog.client("anna.ek").comments(post_id)[0]["by_coordinator"] is True


def test_is_new_since_last_visit_kept_through_a_reload_and_gone_after_a_break(blog):
    anna = Browser(blog, "anna.ek")
    start = anna.get("")[1]
    assert "första gång" in start
    blog.clock.advance(hours=1)
    blog.client("bo.ahl").ask("Ny fråga efter besöket", "Text")
    assert blog.client("anna.ek").unread()["posts"] == 1
    blog.clock.advance(minutes=10)
    news = anna.get("")[1]
    assert "Nytt sedan du var här" in news and "Ny fråga efter besöket</a> av Bo Åhl" in news
    assert blog.client("anna.ek").unread()["total"] == 0, "the visit has been counted"
    blog.clock.advance(minutes=5)
    assert "Ny fråga efter besöket</a> av Bo Åhl" in anna.get("")[1], "a reload keeps the news"
    blog.clock.advance(hours=2)
    assert "Inget nytt sedan du var här" in anna.get("")[1]


def test_are_pages_paginated_newest_first_and_tasks_have_pages_of_their_own(blog):
    bo = blog.client("bo.ahl")
    for number in range(45):
        blog.clock.advance(minutes=1)
        bo.ask(f"Fråga {number}", "Text", task=BLOGS if number % 3 == 0 else None)
    anna = Browser(blog, "anna.ek")
    first, second = anna.get("")[1], anna.get("?sida=3")[1]
    assert "Fråga 44" in first and "Fråga 25" in first and "Fråga 24" not in first
    assert "Sida 1 av 3" in first and "Fråga 4<" in second and "Fråga 5<" not in second
    task_page = anna.get(f"uppgift/{BLOGS}")[1]
    assert "15 inlägg om uppgiften" in task_page and "Fråga 3<" in task_page and "Fråga 4<" not in task_page
    assert anna.get("uppgift/99-finns-inte")[0] == 404
    status, missing = anna.get("finns/inte")
    assert status == 404 and "Hittades inte" in missing and 'lang="sv"' in missing


# --- digests --------------------------------------------------------------------------------------------


def test_does_the_digest_carry_each_new_item_once_and_only_to_those_who_asked(blog):
    engine = blog.engine
    anna_post = store.create_post(engine, ANNA, kind="fraga", title="Före", body="Innan hon ville ha mejl", now=START)
    store.set_digest(engine, "anna.ek", True, now=START + dt.timedelta(minutes=1))
    moment = START + dt.timedelta(minutes=2)
    for title in ("Ett", "Två", "Tre"):
        store.create_post(engine, BO, kind="tips", title=title, body="Text", now=moment)
    store.add_comment(engine, BO, anna_post, "Svar ett", now=moment)
    store.add_comment(engine, KARIN, anna_post, "Svar två", now=moment)
    pending = digest.pending_digests(engine, moment + dt.timedelta(minutes=1))
    assert [d.member for d in pending] == ["anna.ek"], "Bo did not ask for a digest"
    assert pending[0].summary == "3 nya inlägg och 2 svar på ditt inlägg"
    assert digest.pending_digests(engine, moment - dt.timedelta(seconds=1)) == [], "nothing from the future"
    sent = digest.take_digests(engine, moment + dt.timedelta(minutes=1))
    assert len(sent[0].posts) == 3 and len(sent[0].replies) == 2
    assert digest.pending_digests(engine, moment + dt.timedelta(hours=1)) == [], "never the same item twice"
    assert digest.record_digests_sent(engine, sent, moment) == 0
    store.create_post(engine, BO, kind="tips", title="Fyra", body="Text", now=moment + dt.timedelta(hours=2))
    assert digest.pending_digests(engine, moment + dt.timedelta(hours=3))[0].summary == "1 nytt inlägg"


def test_does_the_settings_page_opt_in_and_out(blog):
    bo = Browser(blog, "bo.ahl")
    page = bo.get("installningar")[1]
    assert 'id="sammanfattning"' in page and "checked" not in page.split('id="sammanfattning"')[1].split(">")[0]
    bo.post("installningar", {"sammanfattning": "ja", "_xsrf": Browser.xsrf(page)})
    assert store.member_settings(blog.engine, "bo.ahl")["digest"] is True
    bo.post("installningar", {"_xsrf": Browser.xsrf(page)})
    assert store.member_settings(blog.engine, "bo.ahl")["digest"] is False


def test_digest_summary_words():
    assert digest.digest_summary(1, 0, 0) == "1 nytt inlägg"
    assert digest.digest_summary(0, 1, 2) == "1 svar på ditt inlägg och 2 svar på dina kommentarer"
    assert digest.digest_summary(2, 1, 1) == "2 nya inlägg, 1 svar på ditt inlägg och 1 svar på din kommentar"


# --- care: forget, export, backup -----------------------------------------------------------------------


def test_does_erasing_a_member_remove_their_words_and_notes_but_keep_colleagues_replies(blog):
    engine = blog.engine
    bo_post = store.create_post(engine, BO, kind="fraga", title="Bos fråga", body="Bo undrar", now=START)
    anna_post = store.share_reflection(engine, ANNA, KICKOFF, "Annas reflektion", share=True, publish=True, now=START)
    anna_comment = store.add_comment(engine, ANNA, bo_post, "Annas svar", now=START)
    bo_reply = store.add_comment(engine, BO, bo_post, "Bos svar till Anna", parent_id=anna_comment, now=START)
    store.add_comment(engine, BO, anna_post, "Bos kommentar på Annas reflektion", now=START)
    bo_tip = store.create_post(engine, BO, kind="tips", title="Tips från Anna Ek", body="Anna tipsade om poddar.",
                               now=START)
    store.set_digest(engine, "anna.ek", True, now=START - dt.timedelta(hours=1))
    store.set_digest(engine, "bo.ahl", True, now=START - dt.timedelta(hours=1))
    digest.take_digests(engine, START + dt.timedelta(minutes=1))
    exported = care.export_member(engine, "anna.ek")
    assert [p["body"] for p in exported["posts"]] == ["Annas reflektion"]
    assert [c["body"] for c in exported["comments"]] == ["Annas svar"]
    assert exported["digest_items"] and exported["settings"][0]["digest"] is True

    erased = care.erase_member(engine, "anna.ek", ["Anna", "Ek", "Anna Ek"])
    assert (erased.posts, erased.comments, erased.comments_under_posts) == (1, 1, 1)
    assert care.mentions(engine, "anna.ek") == 0
    with engine.connect() as conn:
        texts = "\n".join(conn.execute(sa.text("SELECT body FROM kursbloggen_comments")).scalars())
        notes = conn.execute(sa.text("SELECT member, item_kind, item_id FROM kursbloggen_digest_items")).all()
    assert "Annas" not in texts and "Bos svar till [namn borttaget]" in texts, "Bo's reply stays, moved up a level"
    assert queries.get_comment(engine, bo_reply).parent_id is None
    assert all(member != "anna.ek" for member, _, _ in notes)
    assert ("bo.ahl", "post", anna_post) not in notes, "no note about her post is left in anyone's ledger"
    assert erased.names_removed == 2 and "namnet är borttaget" in str(erased)
    tip = queries.get_post(engine, BO, bo_tip)
    assert (tip.title, tip.body) == ("Tips från [namn borttaget]", "[namn borttaget] tipsade om poddar.")


def test_does_a_dump_of_the_blog_load_back_the_same(blog, tmp_path):
    engine = blog.engine
    post_id = store.create_post(engine, BO, kind="tips", title="Tips", body="Å ä ö", now=START)
    store.add_comment(engine, ANNA, post_id, "Tack!", now=START)
    dump = care.dump_blog(engine)
    other = open_blog_database(f"sqlite:///{tmp_path / 'aterstalld.db'}")
    assert care.load_blog(other, dump) == 2
    assert care.dump_blog(other) == dump
    again = store.create_post(other, BO, kind="tips", title="Nytt", body="Efter återställningen", now=START)
    assert again > post_id


def test_does_the_public_export_hold_only_consented_posts_and_honour_a_withdrawal(blog, tmp_path):
    engine, settings = blog.engine, blog.settings
    store.share_reflection(engine, ANNA, KICKOFF, "Anna publicerar gärna.", share=True, publish=True, now=START)
    store.share_reflection(engine, BO, KICKOFF, "Bo delar bara i kursen.", share=True, publish=False, now=START)
    tip = store.create_post(engine, BO, kind="tips", title="Ett tips", body="Får publiceras.", publish=True, now=START)
    hidden = store.create_post(engine, BO, kind="tips", title="Dolt", body="Dolt av kursledaren.", publish=True,
                               now=START)
    store.hide_post(engine, KARIN, hidden, "Fel plats.", now=START)
    store.add_comment(engine, BO, tip, "En kollegas ord", now=START)
    out = tmp_path / "publik"
    written = write_public_export(settings, engine, out)
    everything = "\n".join(path.read_text(encoding="utf-8") for path in written)
    assert len(written) == 2 and "Anna publicerar gärna." in everything and "Får publiceras." in everything
    assert 'author: "Anna"' in everything and "Ek" not in everything.replace("Ett tips", "")
    for private in ("Bo delar bara", "Dolt av kursledaren", "En kollegas ord", "anna.ek"):
        assert private not in everything
    store.share_reflection(engine, ANNA, KICKOFF, "Anna publicerar gärna.", share=True, publish=False, now=START)
    assert len(write_public_export(settings, engine, out)) == 1 and len(list(out.glob("*.md"))) == 1
    foreign = tmp_path / "annat"
    foreign.mkdir()
    (foreign / "viktigt.md").write_text("mitt", encoding="utf-8")
    with pytest.raises(ExportError):
        write_public_export(settings, engine, foreign)
    assert (foreign / "viktigt.md").exists()


# --- the sharing widget's address -----------------------------------------------------------------------


def test_does_a_learners_server_find_the_blog_from_its_environment():
    assert blog_url_from_environment({"ENSAK_BLOG_URL": "http://127.0.0.1:8000/services/kursbloggen"}) == \
        "http://127.0.0.1:8000/services/kursbloggen/"
    assert blog_url_from_environment({"JUPYTERHUB_PUBLIC_URL": "https://hub.bibliotek.se/user/anna/",
                                      "JUPYTERHUB_SERVICE_PREFIX": "/user/anna/", "JUPYTERHUB_BASE_URL": "/"}) == \
        "https://hub.bibliotek.se/services/kursbloggen/"
    assert blog_url_from_environment({"JUPYTERHUB_SERVICE_PREFIX": "/user/anna/"}) is None


# --- the coordinator's formgrader comment ---------------------------------------------------------------


def test_does_the_coordinators_formgrader_comment_appear_under_a_shared_reflection(blog):
    from nbgrader.api import Gradebook

    with Gradebook(blog.settings.gradebook_url, blog.settings.course_id) as gradebook:
        gradebook.add_assignment(KICKOFF)
        gradebook.add_notebook(KICKOFF, KICKOFF)
        gradebook.add_grade_cell("reflektion", KICKOFF, KICKOFF, max_score=1, cell_type="markdown")
        gradebook.add_solution_cell("reflektion", KICKOFF, KICKOFF)
        for learner in ("anna.ek", "bo.ahl"):
            gradebook.add_student(learner)
            gradebook.add_submission(KICKOFF, learner)
        gradebook.find_comment("reflektion", KICKOFF, KICKOFF, "anna.ek").manual_comment = "Tack Anna, **fint**!"
        gradebook.db.commit()
    anna_post = blog.client("anna.ek").share_reflection(KICKOFF, "Annas reflektion", share=True)["id"]
    bo_post = blog.client("bo.ahl").share_reflection(KICKOFF, "Bos reflektion", share=True)["id"]
    reader = Browser(blog, "cecilia.oberg")
    page = reader.get(f"inlagg/{anna_post}")[1]
    assert "Kursledarens kommentar" in page and "Tack Anna, <strong>fint</strong>!" in page
    assert "Kursledarens kommentar" not in reader.get(f"inlagg/{bo_post}")[1]
    task_page = reader.get(f"uppgift/{KICKOFF}")[1]
    assert task_page.count("<strong>Kursledarens kommentar</strong>") == 1


# --- the command line -----------------------------------------------------------------------------------


def test_does_ensak_blog_tell_what_it_holds_and_export_what_may_be_published(tmp_path):
    from typer.testing import CliRunner

    from ensak.cli import app
    from ensak.outreach.kursbloggen.settings import open_course_blog

    course_dir = make_blog_course(tmp_path)
    runner = CliRunner()
    empty = runner.invoke(app, ["blog", "-C", str(course_dir)])
    assert empty.exit_code == 0 and "Kursbloggen är tom" in empty.output
    assert not (course_dir / "blog").exists(), "looking creates nothing"
    _, engine = open_course_blog(course_dir)
    post = store.share_reflection(engine, ANNA, KICKOFF, "Får publiceras.", share=True, publish=True, now=START)
    store.add_comment(engine, BO, post, "Stannar i kursen.", now=START)
    engine.dispose()
    told = runner.invoke(app, ["blog", "-C", str(course_dir)])
    assert told.exit_code == 0 and "1 inlägg och 1 kommentarer" in told.output
    exported = runner.invoke(app, ["blog", "-C", str(course_dir), "--export", str(tmp_path / "ut")])
    assert exported.exit_code == 0 and "1 inlägg med publiceringsmedgivande" in exported.output
    assert len(list((tmp_path / "ut").glob("*.md"))) == 1


def test_does_ensak_blog_serve_answer_on_loopback_until_ctrl_c(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from ensak.hub.runner import free_port

    course_dir = make_blog_course(tmp_path)
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "ensak.cli", "blog", "serve", "-C", str(course_dir),
                                "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=dict(os.environ, PYTHONUNBUFFERED="1"))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/logga-in", timeout=5) as answer:
                    page = answer.read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, process.stdout.read()
                time.sleep(0.2)
        assert "Anna Ek" in page and "Vem är du?" in page
        listening = [line.split()[1] for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
                     if line.split()[3] == "0A" and int(line.split()[1].split(":")[1], 16) == port]
        assert listening == ["0100007F:" + f"{port:04X}"], "on 127.0.0.1 only"
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=30)[0]
    assert process.returncode == 0 and "Kursbloggen är igång" in output and "stoppad" in output


def test_does_ensak_message_kursbloggen_mail_each_new_item_once_to_those_who_asked(tmp_path):
    from typer.testing import CliRunner

    from ensak.cli import app
    from ensak.outreach.kursbloggen.settings import open_course_blog

    course_dir = make_blog_course(tmp_path)
    _, engine = open_course_blog(course_dir)
    store.set_digest(engine, "anna.ek", True, now=START)
    anna_post = store.create_post(engine, ANNA, kind="fraga", title="Annas fråga", body="Hur gör ni?",
                                  now=START + dt.timedelta(hours=1))
    for title in ("Ett", "Två", "Tre"):
        store.create_post(engine, BO, kind="tips", title=f"Bos tips {title}", body="Text", now=START + dt.timedelta(hours=2))
    store.add_comment(engine, BO, anna_post, "Så här!", now=START + dt.timedelta(hours=3))
    store.add_comment(engine, KARIN, anna_post, "Och så här.", now=START + dt.timedelta(hours=3))
    engine.dispose()
    runner = CliRunner()
    day = ["--today", "2027-01-20", "-C", str(course_dir)]
    preview = runner.invoke(app, ["message", "kursbloggen", *day])
    assert preview.exit_code == 0, preview.output
    assert "Kursbloggen: 3 nya inlägg och 2 svar på ditt inlägg" in preview.output and "Anna Ek" in preview.output
    assert "Bos tips Två, av Bo Åhl: http://127.0.0.1:8765/inlagg/" in preview.output
    assert "Kursledaren svarade på ”Annas fråga”" in preview.output
    assert not (course_dir / "outbox").exists(), "a preview sends nothing"
    # The course has no [mail] sender: the coordinator asks for .eml files to send from her own mail program.
    sent = runner.invoke(app, ["message", "kursbloggen", "--send", "--outbox", *day])
    assert sent.exit_code == 0, sent.output
    mails = list((course_dir / "outbox").glob("*/*.eml"))
    assert len(mails) == 1
    again = runner.invoke(app, ["message", "kursbloggen", "--send", "--outbox", *day])
    assert "Inget att skicka" in again.output and len(list((course_dir / "outbox").glob("*/*.eml"))) == 1
    _, engine = open_course_blog(course_dir)
    store.create_post(engine, BO, kind="tips", title="Bos fjärde tips", body="Text", now=START + dt.timedelta(hours=5))
    engine.dispose()
    later = runner.invoke(app, ["message", "kursbloggen", *day])
    assert "Kursbloggen: 1 nytt inlägg" in later.output and "Bos tips Ett" not in later.output


def test_is_nothing_written_when_the_roster_cannot_reach_the_blogs_database(tmp_path, monkeypatch):
    """With the gradebook (and so the blog) in a server database, a roster change that cannot be published there
    is refused in Swedish before roster.csv changes: the blog on Kubernetes and the file never disagree."""
    from ensak.course.roster import load_roster, roster_path, write_roster
    from ensak.outreach.kursbloggen.members import RosterNotPublished

    course_dir = make_blog_course(tmp_path)
    before = roster_path(course_dir).read_bytes()
    monkeypatch.setenv("ENSAK_DB_URL", "postgresql+psycopg://ensak@127.0.0.1:1/gradebook_{course_id}")
    with pytest.raises(RosterNotPublished, match="Inget har sparats"):
        write_roster(course_dir, load_roster(course_dir).head(1))
    assert roster_path(course_dir).read_bytes() == before


def test_does_the_hub_service_refuse_a_cookie_secret_too_short_to_sign_with(tmp_path):
    from ensak.outreach.kursbloggen.__main__ import CookieSecretError, cookie_secret, cookie_secret_from_file

    made = cookie_secret(tmp_path / "blog")
    assert len(made) == 64 and cookie_secret(tmp_path / "blog") == made, "kept between starts"
    short = tmp_path / "secret"
    short.write_text("kort\n", encoding="ascii")
    with pytest.raises(CookieSecretError, match="openssl rand -hex 32"):
        cookie_secret_from_file(short)
