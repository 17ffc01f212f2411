"""What a running Kursbloggen needs to know about its course: ids, titles, database, gradebook, who coordinates.

From course.toml's optional `[blog]` table:

    [blog]
    coordinators = ["karin.lund"]   # hub names marked as the coordinator (hub admins always are)
    remote_images = false           # true: images from other websites are shown in posts
    group = "ensak-kurs"            # a JupyterHub group whose members belong to the course besides the roster
    url = "https://hub.bibliotek.se/services/kursbloggen/"   # where people reach it (links in reports)

Without `url`, links go to the hub ([mail] hub_url or ENSAK_HUB_URL) + /services/kursbloggen/, or else to
`ensak blog serve`'s address on this machine.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ensak.learner.blog_client import SERVICE_NAME
from ensak.nbgrader.api import ensure_gradebook
from ensak.outreach.kursbloggen.database import blog_db_url

LOCAL_URL = "http://127.0.0.1:8765/"   # `ensak blog serve`'s default address


class BlogSettingsError(ValueError):
    """course.toml's [blog] cannot be used; the message is Swedish and says what to change."""


@dataclass(frozen=True)
class BlogSettings:
    course_dir: Path
    course_id: str
    course_title: str
    db_url: str
    tasks: dict[str, str] = field(default_factory=dict)     # task id -> title, in course order
    gradebook_url: str | None = None
    coordinators: frozenset[str] = frozenset()
    remote_images: bool = False
    group: str | None = None
    url: str | None = None                                  # where people reach the blog, for links
    prefix: str = "/"                                       # the path the pages live under (the hub's service prefix)


def read_blog_table(course_dir: Path | str) -> dict:
    """course.toml's [blog] table, checked."""
    path = Path(course_dir) / "course.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8")).get("blog", {})
    if not isinstance(data, dict):
        raise BlogSettingsError("[blog] i course.toml ska vara en tabell, till exempel:\n[blog]\ncoordinators = [\"karin.lund\"]")
    coordinators = data.get("coordinators", [])
    if not isinstance(coordinators, list) or not all(isinstance(c, str) and c for c in coordinators):
        raise BlogSettingsError("[blog] coordinators i course.toml ska vara en lista med användarnamn, till exempel "
                                "coordinators = [\"karin.lund\"].")
    if not isinstance(data.get("remote_images", False), bool):
        raise BlogSettingsError("[blog] remote_images i course.toml ska vara true eller false.")
    group = data.get("group")
    if group is not None and (not isinstance(group, str) or not group):
        raise BlogSettingsError("[blog] group i course.toml ska vara namnet på en grupp i JupyterHub.")
    url = data.get("url")
    if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        raise BlogSettingsError("[blog] url i course.toml ska vara en webbadress som börjar med https://.")
    return {"coordinators": frozenset(coordinators), "remote_images": data.get("remote_images", False),
            "group": group, "url": url}


def load_settings(course_dir: Path | str, *, prefix: str = "/", db_url: str | None = None) -> BlogSettings:
    """The settings for a course directory, as nbgrader_config.py and course.toml give them."""
    from ensak.course.plan import load_course
    from ensak.nbgrader.api import load_config

    course_dir = Path(course_dir).resolve()
    course = load_course(course_dir)
    config = load_config(course_dir)
    gradebook = str(config.CourseDirectory.db_url)
    return BlogSettings(course_dir=course_dir, course_id=str(config.CourseDirectory.course_id),
                        course_title=course.title, tasks={task.id: task.title for task in course.tasks},
                        db_url=db_url or blog_db_url(course_dir, gradebook), gradebook_url=gradebook,
                        prefix=prefix if prefix.endswith("/") else prefix + "/", **read_blog_table(course_dir))


def open_course_blog(course_dir: Path | str, *, create: bool = True):
    """(settings, engine) for a course's blog, migrated; with create=False None if the blog has no database yet."""
    import sqlalchemy as sa

    from ensak.outreach.kursbloggen.database import create_blog_engine
    from ensak.outreach.kursbloggen.schema import posts

    settings = load_settings(course_dir)
    if not create:
        url = sa.engine.make_url(settings.db_url)
        if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
            return None
        engine = create_blog_engine(settings.db_url)
        if posts.name not in sa.inspect(engine).get_table_names():
            engine.dispose()
            return None
        engine.dispose()
    return settings, open_settings_database(settings)


def open_settings_database(settings: BlogSettings):
    """The blog's database for these settings, migrated (the hub service's start and open_course_blog share it)."""
    from ensak.outreach.kursbloggen.database import open_blog_database

    if settings.db_url == settings.gradebook_url:
        # Beside the gradebook in one server database: nbgrader's tables first, or nbgrader would take the
        # blog's tables for a gradebook it had made and never stamp its own schema version.
        ensure_gradebook(settings.db_url)
    return open_blog_database(settings.db_url)


def blog_overview(course_dir: Path | str) -> dict | None:
    """For the coordinator's report: where the blog is reached and how much it holds; None if it is still empty.

    {"href": address, "local": True when it must first be started with `ensak blog serve`, "posts", "comments"}
    """
    from ensak.outreach.kursbloggen.queries import totals

    opened = open_course_blog(course_dir, create=False)
    if opened is None:
        return None
    settings, engine = opened
    try:
        posts, comments = totals(engine)
    finally:
        engine.dispose()
    if not posts:
        return None
    href = blog_address(settings)
    return {"href": href, "local": href == LOCAL_URL, "posts": posts, "comments": comments}


def blog_address(settings: BlogSettings) -> str:
    """Where people reach the blog: [blog] url, else the hub's address ([course] url or ENSAK_HUB_URL) and
    /services/kursbloggen/, else `ensak blog serve`'s address on this machine."""
    if settings.url:
        return settings.url if settings.url.endswith("/") else settings.url + "/"
    from ensak.outreach.messages import load_mail_settings

    hub = load_mail_settings(settings.course_dir).hub_url
    return f"{hub.rstrip('/')}/services/{SERVICE_NAME}/" if hub else LOCAL_URL
