"""Members' Markdown as safe HTML: mistune renders (raw HTML typed in a post is shown as text), then nh3, a
maintained allowlist sanitiser, keeps only the tags and attributes below. No scripts, no event handlers, no
`javascript:` links, no styles; remote images only where course.toml's [blog] remote_images allows them,
otherwise an image becomes a plain link to it. HTML entities a member types are shown as typed.
"""

from __future__ import annotations

import mistune
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {"p", "br", "strong", "em", "del", "a", "ul", "ol", "li", "blockquote", "code", "pre",
                "h3", "h4", "h5", "h6", "hr", "img"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
# A post sits under its own h2 on the page: a member's "# Rubrik" becomes an h3, and so on down.
HEADING_OFFSET = 2


class _BlogRenderer(mistune.HTMLRenderer):
    def __init__(self, remote_images: bool):
        super().__init__(escape=True)
        self.remote_images = remote_images

    def heading(self, text: str, level: int, **attrs) -> str:
        level = min(6, level + HEADING_OFFSET)
        return f"<h{level}>{text}</h{level}>\n"

    def image(self, text: str, url: str, title: str | None = None) -> str:
        if self.remote_images:
            return super().image(text, url, title)
        label = mistune.escape(f"Bild: {text}" if text else "Bild")
        return f'<a href="{self.safe_url(url)}">{label}</a>'


def _markdown(remote_images: bool):
    return mistune.create_markdown(renderer=_BlogRenderer(remote_images), plugins=["strikethrough", "url"])


_RENDERERS = {flag: _markdown(flag) for flag in (False, True)}


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    # mistune marks a refused link "#harmful-link"; a link that goes nowhere is better than a broken one.
    if attribute == "href" and value == "#harmful-link":
        return None
    return value


def sanitise(html: str, *, remote_images: bool = False) -> str:
    """Only what the allowlist keeps; links open nothing but the web page they name."""
    tags = ALLOWED_TAGS if remote_images else ALLOWED_TAGS - {"img"}
    return nh3.clean(html, tags=tags, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer nofollow ugc", attribute_filter=_keep_attribute,
                     strip_comments=True)


def render_markdown(text: str, *, remote_images: bool = False) -> Markup:
    """A post's or comment's Markdown as HTML that is safe to put into a page."""
    return Markup(sanitise(_RENDERERS[remote_images](text or ""), remote_images=remote_images))
