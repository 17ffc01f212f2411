"""Kursbloggen under a real JupyterHub, with learners in Chromium: the blog is a hub service behind the hub's OAuth.

One `ensak hub --exchange ngshare` runs two courses (two learners and one who will leave in the north, one learner
in the south), each with its Kursbloggen service. Anna shares a reflection through the API with her own server's
hub token, as the sharing widget does; Bertil, in the browser, sees it at once and comments; Anna sees the
comment and her unread count. The south's learner and someone who left the course get 403; nobody edits
another's post; harmful markup is shown inert; forms refuse a request without their XSRF token.
"""

from __future__ import annotations

import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.register_assert_rewrite("fixtures_hub")
from fixtures_hub import (  # noqa: E402
    HubSession,
    RunningHub,
    processes_running,
    remove_hub_traces,
    require_hub_prerequisites,
    server_environment,
    shared_base_dir,
    start_ensak_hub,
    stop_ensak_hub,
)

pytest_plugins = ["fixtures_hub"]
pytestmark = [pytest.mark.slow, pytest.mark.browser]

NORTH, SOUTH = "blogg_norr", "blogg_syd"
TASK = "00-valkommen"
BLOG = "/services/kursbloggen/"
# What Anna's reflection holds besides her words: every kind of markup that must stay inert.
HARMFUL = ("Jag testade att skriva <script>window.hacked = 'script'</script> och "
           "[en länk](javascript:window.hacked='link') och <img src=x onerror=\"window.hacked='img'\"> "
           "och &lt;b&gt;inte fet&lt;/b&gt; och **fet på riktigt**.")


@dataclass
class BlogHub:
    hub: RunningHub
    north: Path
    south: Path
    anna: str
    bertil: str
    david: str
    cecilia: str


def make_course(folder: Path, course_id: str, learners: dict[str, tuple[str, str]]) -> Path:
    import pandas as pd

    from ensak.course.instance import create_instance
    from ensak.course.roster import write_roster

    folder.mkdir(mode=0o755)
    course_dir = create_instance(folder / "kurs")
    plan = course_dir / "course.toml"
    plan.write_text(plan.read_text(encoding="utf-8").replace('id = "ensak"', f'id = "{course_id}"', 1),
                    encoding="utf-8")
    write_roster(course_dir, pd.DataFrame([{"id": i, "first_name": f, "last_name": last,
                                            "email": f"{i}@bibliotek.example"} for i, (f, last) in learners.items()]))
    return course_dir




@pytest.fixture(scope="module")
def blog_hub():
    require_hub_prerequisites()
    tag = secrets.token_hex(2)
    north = {f"anna-{tag}": ("Anna", "Åberg"), f"bertil-{tag}": ("Bertil", "Öst"), f"david-{tag}": ("David", "Ek")}
    south = {f"cecilia-{tag}": ("Cecilia", "Lind")}
    base = shared_base_dir("ensak-blogghub-")
    everyone = [*north, *south]
    hub = None
    try:
        north_dir = make_course(base / "norr", NORTH, north)
        south_dir = make_course(base / "syd", SOUTH, south)
        hub = start_ensak_hub(north_dir, base, everyone, release="none", timeout=150,
                              extra=("--exchange", "ngshare", "--with-course", str(south_dir)))
        anna, bertil, david = north
        yield BlogHub(hub, north_dir, south_dir, anna, bertil, david, *south)
    finally:
        leftovers = stop_ensak_hub(hub) if hub is not None else []
        services = processes_running("ensak.outreach.kursbloggen", str(base))
        if hub is not None:
            remove_hub_traces(hub, base)
        else:
            from ensak.hub.accounts import remove_learner_accounts

            remove_learner_accounts(everyone)
            shutil.rmtree(base, ignore_errors=True)
        assert not leftovers, f"the hub left processes running after Ctrl-C: {leftovers}"
        assert not services, f"Kursbloggen kept running after the hub stopped: {services}"


def wait_for_blog(url: str, timeout: float = 60) -> None:
    """The hub answers before its services do: wait until the blog's own redirect to the hub's OAuth comes."""
    import urllib.error
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            opener.open(url, timeout=5)
        except urllib.error.HTTPError as answer:
            if answer.code == 302 and "oauth2/authorize" in answer.headers.get("Location", ""):
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def browser_login(chromium, hub: RunningHub, learner: str, next_path: str = BLOG):
    """A fresh browser context logged in through the hub's form, landing on `next_path` (through the OAuth)."""
    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"{hub.url}/hub/login?next={next_path}")
    page.fill("input[name=username]", learner)
    page.fill("input[name=password]", hub.password)
    with page.expect_navigation(url=f"**{next_path}*", timeout=60_000):
        page.click("input[type=submit], button[type=submit]")
    return context, page


@pytest.fixture(scope="module")
def shared(blog_hub, chromium):
    """Bertil reads the blog in Chromium; then Anna shares her reflection with her server's own hub token."""
    from ensak.learner.blog_client import BlogClient, blog_url_from_environment

    hub = blog_hub.hub
    wait_for_blog(f"{hub.url}{BLOG}")
    bertil_context, bertil = browser_login(chromium, hub, blog_hub.bertil)
    assert "Ingen har skrivit något ännu" in bertil.content()

    session = HubSession(hub.url)
    session.login(blog_hub.anna, hub.password)
    session.wait_for_server(blog_hub.anna)
    environment = server_environment(blog_hub.anna)
    assert blog_url_from_environment(environment, NORTH) == f"{hub.url}{BLOG}"
    # As the widget does when it cannot tell its course: the blog that knows Anna.
    anna_api = BlogClient.from_environment(environment)
    assert anna_api.base_url == f"{hub.url}{BLOG}"
    started = time.monotonic()
    answer = anna_api.share_reflection(TASK, HARMFUL, share=True)
    bertil.reload()
    bertil.get_by_text("fet på riktigt").first.wait_for(timeout=2_000)
    seen_after = time.monotonic() - started
    yield {"anna_api": anna_api, "post": answer["id"], "bertil": bertil, "bertil_context": bertil_context,
           "seen_after": seen_after}
    bertil_context.close()


def test_does_bertil_see_annas_reflection_within_two_seconds_without_fetching(shared):
    assert shared["seen_after"] < 2.0
    assert "Anna Åberg" in shared["bertil"].content()


def test_is_harmful_markup_in_a_post_shown_inert(shared):
    bertil = shared["bertil"]
    dialogs = []
    bertil.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    bertil.goto(bertil.url.split(BLOG)[0] + f"{BLOG}inlagg/{shared['post']}")
    text = bertil.locator("article .text").first
    assert bertil.evaluate("window.hacked") is None and dialogs == []
    assert text.locator("script, img, iframe").count() == 0
    assert text.locator("[onerror], [onclick], a[href^='javascript']").count() == 0
    shown = text.inner_text()
    assert "<script>window.hacked = 'script'</script>" in shown, "typed HTML is shown as the text it is"
    assert "&lt;b&gt;inte fet&lt;/b&gt;" in shown, "entities are shown as typed"
    assert text.locator("strong").inner_text() == "fet på riktigt"


def test_does_bertils_comment_reach_anna_with_her_unread_count(blog_hub, shared, chromium):
    bertil = shared["bertil"]
    bertil.goto(bertil.url.split(BLOG)[0] + f"{BLOG}inlagg/{shared['post']}")
    bertil.get_by_label("Din kommentar till Anna Åberg").fill("Bra skrivet, Anna! Testade du podden också?")
    bertil.get_by_role("button", name="Skicka kommentaren").click()
    bertil.locator("#kommentarer").get_by_text("Testade du podden också?").wait_for(timeout=5_000)

    unread = shared["anna_api"].unread()
    assert unread["replies"] == 1 and unread["posts"] == 0 and unread["total"] == 1
    assert unread["url"] == BLOG
    context, anna = browser_login(chromium, blog_hub.hub, blog_hub.anna)
    try:
        news = anna.locator("section.nytt")
        assert "Bertil Öst svarade på" in news.inner_text()
        news.get_by_role("link", name="Bertil Öst svarade på").click()
        assert anna.locator("#kommentarer").get_by_text("Testade du podden också?").is_visible()
        assert shared["anna_api"].unread()["total"] == 0, "opening the blog counts as reading it"
        # The page's own script asks the same question with the hub's cookie and the page's XSRF token.
        asked = anna.evaluate("""() => fetch(document.getElementById('nytt-meddelande').dataset.url,
            {headers: {'X-XSRFToken': document.querySelector('input[name=_xsrf]').value}})
            .then(answer => answer.json())""")
        assert asked["total"] == 0 and asked["url"] == BLOG
    finally:
        context.close()


def test_can_bertil_not_edit_annas_post(shared):
    bertil = shared["bertil"]
    base = bertil.url.split(BLOG)[0] + BLOG
    answer = bertil.goto(f"{base}inlagg/{shared['post']}/andra")
    assert answer.status == 403
    bertil.goto(f"{base}inlagg/{shared['post']}")
    assert bertil.get_by_role("link", name="Ändra inlägget").count() == 0
    token = bertil.locator("input[name=_xsrf]").first.get_attribute("value")
    refused = bertil.request.post(f"{base}inlagg/{shared['post']}/andra",
                                  form={"_xsrf": token, "text": "Bertil skrev över", "rubrik": "x"})
    assert refused.status == 403
    assert "Bertil skrev över" not in bertil.request.get(f"{base}inlagg/{shared['post']}").text()


def test_is_a_form_without_its_xsrf_token_refused(shared):
    bertil = shared["bertil"]
    base = bertil.url.split(BLOG)[0] + BLOG
    refused = bertil.request.post(f"{base}inlagg/{shared['post']}/kommentera", form={"text": "Utan XSRF"})
    assert refused.status == 403
    forged = bertil.request.post(f"{base}inlagg/{shared['post']}/kommentera",
                                 form={"text": "Förfalskad", "_xsrf": "2|00000000|0000|0"})
    assert forged.status == 403
    page = bertil.request.get(f"{base}inlagg/{shared['post']}").text()
    assert "Utan XSRF" not in page and "Förfalskad" not in page


def test_do_a_member_of_another_course_and_someone_who_left_get_403(blog_hub, shared, chromium):
    from ensak.course.roster import load_roster, write_roster

    hub = blog_hub.hub
    context, cecilia = browser_login(chromium, hub, blog_hub.cecilia, next_path=f"/services/kursbloggen-{SOUTH}/")
    try:
        assert cecilia.get_by_role("heading", name="Kursbloggen", exact=True).is_visible(), "her own course's blog"
        answer = cecilia.goto(f"{hub.url}{BLOG}")
        assert answer.status == 403 and "finns inte med i den kursens deltagarlista" in cecilia.content()
        assert "fet på riktigt" not in cecilia.content()
    finally:
        context.close()

    roster = load_roster(blog_hub.north)
    write_roster(blog_hub.north, roster[roster["id"] != blog_hub.david])
    context, david = browser_login(chromium, hub, blog_hub.david, next_path="/hub/home")
    try:
        answer = david.goto(f"{hub.url}{BLOG}")
        assert answer.status == 403 and "fet på riktigt" not in david.content()
    finally:
        context.close()
