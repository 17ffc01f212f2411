"""Who belongs to a course's blog, and by what name colleagues see them.

A member is on the course's roster (active), in the course's hub group ([blog] group), or the coordinator
(a hub admin or a name in [blog] coordinators). Names come from the roster, including people who have
left, so that their earlier posts keep a name.

The roster is roster.csv in the course directory, read again whenever it changes. A blog that runs where
the course directory's roster.csv is not (on Kubernetes it is on the coordinator's own volume, and the blog
is a pod of its own beside the gradebook's PostgreSQL database) reads the copy the coordinator's commands
publish into the blog's database with every change of roster.csv (`publish_roster`, called by
ensak.course.roster.store), and looks at it again every ROSTER_RECHECK_SECONDS.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ensak.outreach.kursbloggen.store import Member

COORDINATOR_NAME = "Kursledaren"
log = logging.getLogger(__name__)
# How soon a blog reading the published roster notices a change (someone new, someone who left).
ROSTER_RECHECK_SECONDS = 10.0


class RosterNotPublished(RuntimeError):
    """The roster could not be written to the blog's database; the message is Swedish and says what to do."""


class Membership:
    def __init__(self, course_dir: Path, coordinators: frozenset[str] = frozenset(), group: str | None = None, *,
                 engine: Engine | None = None, recheck_seconds: float | None = None):
        """`engine`: the blog's database, whose published roster counts when the course directory has no roster.csv."""
        self.course_dir = Path(course_dir)
        self.coordinators = coordinators
        self.group = group
        self.engine = engine
        self.recheck_seconds = ROSTER_RECHECK_SECONDS if recheck_seconds is None else recheck_seconds
        self._stamp: tuple[float, int] | None = None
        self._published_read_at: float | None = None
        self._warned_empty = False
        self._active: set[str] = set()
        self._names: dict[str, tuple[str, str]] = {}

    def _refresh(self) -> None:
        from ensak.course.roster import roster_path

        path = roster_path(self.course_dir)
        try:
            stat = path.stat()
        except FileNotFoundError:
            if self.engine is not None:
                self._refresh_from_database()
                return
            stat = None
        stamp = (stat.st_mtime_ns, stat.st_size) if stat else (0.0, -1)
        if stamp == self._stamp:
            return
        self._read_roster_file()
        self._stamp = stamp

    def _read_roster_file(self) -> None:
        from ensak.course.roster import load_roster

        everyone = load_roster(self.course_dir, include_inactive=True)
        self._active = set(everyone.loc[everyone["left"] == "", "id"])
        self._names = {row.id: (row.first_name, row.last_name) for row in everyone.itertuples()}

    def _refresh_from_database(self) -> None:
        now = time.monotonic()
        if self._published_read_at is not None and now - self._published_read_at < self.recheck_seconds:
            return
        self._active, self._names = published_roster(self.engine)
        self._published_read_at = now
        if not self._names and not self._warned_empty:
            self._warned_empty = True
            log.warning("No roster.csv in %s and no roster published in the blog's database: only coordinators and "
                        "the [blog] group get in until the coordinator runs `ensak roster import`", self.course_dir)
        self._stamp = None   # a roster.csv that appears later is read at once

    def name(self, member_id: str) -> str:
        self._refresh()
        first, last = self._names.get(member_id, ("", ""))
        if not (first or last) and member_id in self.coordinators:
            return COORDINATOR_NAME   # a coordinator is rarely on the learners' roster
        return f"{first} {last}".strip() or member_id

    def first_name(self, member_id: str) -> str:
        self._refresh()
        return self._names.get(member_id, ("", ""))[0]

    def member(self, user_id: str, *, admin: bool = False, groups: list[str] | tuple[str, ...] = ()) -> Member | None:
        """The Member for a hub (or local) user, or None if they do not belong to this course."""
        self._refresh()
        coordinator = admin or user_id in self.coordinators
        belongs = coordinator or user_id in self._active or (self.group is not None and self.group in groups)
        return Member(id=user_id, name=self.name(user_id), coordinator=coordinator) if belongs else None

    def active_ids(self) -> list[str]:
        self._refresh()
        return sorted(self._active)


# --- the roster published into the blog's database ----------------------------------------------------


def published_roster(engine: Engine) -> tuple[set[str], dict[str, tuple[str, str]]]:
    """(active ids, {id: (first name, last name)} of everyone, leavers included) as last published."""
    from ensak.outreach.kursbloggen.schema import roster

    with engine.connect() as conn:
        rows = conn.execute(sa.select(roster.c.id, roster.c.first_name, roster.c.last_name, roster.c.active)).all()
    return {row.id for row in rows if row.active}, {row.id: (row.first_name, row.last_name) for row in rows}


def publish_roster(engine: Engine, frame: pd.DataFrame) -> int:
    """Make the blog's copy of the roster exactly `frame` (roster.csv's columns, `left` empty while active),
    in one transaction, so that a blog reading it never sees half a roster. Returns how many rows it holds."""
    from ensak.outreach.kursbloggen.schema import roster

    frame = frame.reindex(columns=["id", "first_name", "last_name", "left"], fill_value="").fillna("").astype(str)
    rows = [{"id": r["id"], "first_name": r["first_name"], "last_name": r["last_name"], "active": r["left"] == ""}
            for r in frame.to_dict("records")]
    with engine.begin() as conn:
        conn.execute(sa.delete(roster))
        if rows:
            conn.execute(sa.insert(roster), rows)
    return len(rows)


def blog_reads_published_roster(environ: dict[str, str] | None = None) -> bool:
    """Whether a course's blog may live in a server database, where a blog elsewhere reads the published roster.

    Only then is the course's configuration read to find out: a course with the default SQLite gradebook keeps
    its blog beside roster.csv and publishes nothing (and pays nothing for it).
    """
    from ensak.outreach.kursbloggen.database import BLOG_DB_VARIABLE

    environ = os.environ if environ is None else environ
    return any(environ.get(name) and not environ[name].startswith("sqlite") for name in (BLOG_DB_VARIABLE, "ENSAK_DB_URL"))


def publish_course_roster(course_dir: Path | str, frame: pd.DataFrame) -> int | None:
    """Publish `frame` as the roster of the course's blog when that blog lives in a server database; else None.

    Called before roster.csv is written: if the database cannot be reached, nothing is written at all.
    """
    if not blog_reads_published_roster():
        return None
    from ensak.outreach.kursbloggen.settings import load_settings, open_course_blog

    if sa.engine.make_url(load_settings(course_dir).db_url).get_backend_name() == "sqlite":
        return None
    try:
        _, engine = open_course_blog(course_dir)
    except sa.exc.SQLAlchemyError as error:
        raise RosterNotPublished(
            "Deltagarlistan kunde inte sparas i kursens databas (där Kursbloggen läser vilka som är med i kursen): "
            f"{error.__class__.__name__}. Kontrollera att databasen går att nå (ENSAK_DB_URL) och försök igen. "
            "Inget har sparats.") from error
    try:
        return publish_roster(engine, frame)
    except sa.exc.SQLAlchemyError as error:
        raise RosterNotPublished(
            "Deltagarlistan kunde inte sparas i kursens databas (där Kursbloggen läser vilka som är med i kursen): "
            f"{error.__class__.__name__}. Försök igen om en stund. Inget har sparats.") from error
    finally:
        engine.dispose()
