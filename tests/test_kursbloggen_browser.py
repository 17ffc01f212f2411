"""Kursbloggen's pages in Chromium, on loopback without a hub: accessible (language, landmarks, labels, skip link,
visible focus, underlined links, contrast, reflow at 320 px) and usable without JavaScript."""

from __future__ import annotations

import pytest

from fixtures_kursbloggen import Clock, make_blog_course

# The session's one Chromium (fixtures_hub's `chromium`), shared with the hub tests.
pytest_plugins = ["fixtures_hub"]
pytestmark = pytest.mark.browser
KICKOFF = "00-valkommen"

# The WCAG contrast of two computed CSS colours, in the page (no library: the formula is short).
CONTRAST = """([fg, bg]) => {
  const parse = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = parse(c).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""
# The colour behind an element: the first ancestor with a background that is not transparent.
BACKGROUND = """el => { for (let n = el; n; n = n.parentElement) { const c = getComputedStyle(n).backgroundColor;
  if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c; } return 'rgb(255, 255, 255)'; }"""


@pytest.fixture(scope="module")
def blog(tmp_path_factory):
    from ensak.learner.blog_client import BlogClient
    from ensak.outreach.kursbloggen.local import BackgroundBlog
    from ensak.outreach.kursbloggen.settings import load_settings

    course_dir = make_blog_course(tmp_path_factory.mktemp("blogg"))
    clock = Clock()
    with BackgroundBlog(load_settings(course_dir), clock=clock, poll_seconds=0.5) as running:
        anna = BlogClient(running.url, running.token, "anna.ek")
        post = anna.share_reflection(KICKOFF, "Min reflektion med en [länk](https://bibliotek.example) och "
                                     "ett_mycket_långt_ord_utan_mellanrum_" * 3, share=True)["id"]
        BlogClient(running.url, running.token, "karin.lund").comment(post, "Tack Anna, fint skrivet!")
        yield {"url": running.url, "token": running.token, "post": post, "clock": clock}


def visit(chromium, blog, path="", *, width=1024, javascript=True, learner="bo.ahl"):
    context = chromium.new_context(viewport={"width": width, "height": 800}, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(blog["url"] + "logga-in")
    page.get_by_label("Bo Åhl").check()
    page.get_by_role("button", name="Fortsätt").click()
    page.goto(blog["url"] + path)
    return context, page


@pytest.mark.parametrize("path", ["", "inlagg/{post}", "nytt", "uppgifter", f"uppgift/{KICKOFF}", "installningar"])
def test_is_each_page_swedish_labelled_and_readable(chromium, blog, path):
    context, page = visit(chromium, blog, path.format(post=blog["post"]))
    try:
        assert page.locator("html").get_attribute("lang") == "sv"
        assert page.locator("h1").count() == 1 and page.locator("main#innehall").count() == 1
        unlabelled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), textarea, select')]
            .filter(el => !(el.labels && el.labels.length)).map(el => el.outerHTML)""")
        assert unlabelled == []
        for selector in ("main p", "main a", "label", ".kursledare", ".sidhuvud a", "button", ".rad", ".hjalp"):
            for element in page.locator(selector).element_handles()[:5]:
                colour = element.evaluate("el => getComputedStyle(el).color")
                ratio = page.evaluate(CONTRAST, [colour, element.evaluate(BACKGROUND)])
                assert ratio >= 4.5, f"{selector}: contrast {ratio:.2f}"
        underlined = page.evaluate("""() => [...document.querySelectorAll('main a')]
            .filter(a => !getComputedStyle(a).textDecorationLine.includes('underline')).map(a => a.outerHTML)""")
        assert underlined == []
    finally:
        context.close()


def test_does_the_skip_link_come_first_and_focus_show(chromium, blog):
    context, page = visit(chromium, blog, f"inlagg/{blog['post']}")
    try:
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent")
        assert focused == "Hoppa till innehållet"
        assert page.evaluate("document.activeElement.getBoundingClientRect().top") >= 0, "visible when focused"
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash") == "#innehall"
        page.get_by_label("Din kommentar till Anna Ek").focus()
        outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline not in ("none", "")
    finally:
        context.close()


@pytest.mark.parametrize("path", ["", "inlagg/{post}", "nytt"])
def test_does_each_page_reflow_at_320_pixels(chromium, blog, path):
    context, page = visit(chromium, blog, path.format(post=blog["post"]), width=320)
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
    finally:
        context.close()


def test_can_a_learner_write_and_comment_without_javascript(chromium, blog):
    context, page = visit(chromium, blog, "nytt", javascript=False)
    try:
        page.get_by_label("Tips").check()
        page.get_by_label("Rubrik").fill("Ett tips utan JavaScript")
        page.get_by_label("Inlägget", exact=True).fill("Formulär fungerar **ändå**.")
        page.get_by_role("button", name="Publicera i Kursbloggen").click()
        assert page.get_by_role("heading", name="Ett tips utan JavaScript").is_visible()
        page.get_by_label("Din kommentar till Bo Åhl").fill("Och en kommentar.")
        page.get_by_role("button", name="Skicka kommentaren").click()
        assert page.locator("#kommentarer").get_by_text("Och en kommentar.").is_visible()
        page.goto(blog["url"] + f"inlagg/{blog['post']}")
        page.locator("summary", has_text="Svara Kursledaren").click()
        page.get_by_label("Ditt svar till Kursledaren").fill("Tack själv!")
        page.get_by_role("button", name="Skicka svaret").click()
        reply = page.locator("li.niva-1", has_text="Tack själv!")
        assert reply.is_visible(), "the reply sits under the coordinator's comment"
    finally:
        context.close()


def test_does_an_open_page_say_when_something_new_arrives(chromium, blog):
    from ensak.learner.blog_client import BlogClient

    context, page = visit(chromium, blog, f"inlagg/{blog['post']}")
    try:
        notice = page.locator("#nytt-meddelande")
        page.wait_for_timeout(1_500)   # the page has counted what was there when it opened
        assert notice.inner_text() == ""
        blog["clock"].advance(minutes=1)
        BlogClient(blog["url"], blog["token"], "cecilia.oberg").ask("En ny fråga", "Medan Bo läser")
        notice.get_by_text("Det har kommit något nytt").wait_for(timeout=5_000)
        notice.get_by_role("link", name="Visa det nya").click()
        assert page.get_by_role("heading", level=1).inner_text() != ""
    finally:
        context.close()
