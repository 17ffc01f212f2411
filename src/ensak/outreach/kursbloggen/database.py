"""Where Kursbloggen keeps its data, and bringing that database to the newest schema (alembic, its own version table).

The blog lives in the course's database:
- `ENSAK_BLOG_DB_URL` if set (any SQLAlchemy URL);
- else, when the gradebook is a server database (ENSAK_DB_URL, PostgreSQL), that same database: every blog
  table is prefixed `kursbloggen_` and alembic's bookkeeping is `kursbloggen_alembic_version`, so nbgrader's
  own tables and migrations never meet the blog's;
- else a SQLite file of its own, `blog/kursbloggen.db` in the course directory, so that a busy blog never
  holds the gradebook file's write lock while `ensak sync` grades.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

BLOG_DB_VARIABLE = "ENSAK_BLOG_DB_URL"
BLOG_FOLDER = "blog"          # git-ignored: learners' names and words
BLOG_DB_FILE = "kursbloggen.db"
MIGRATIONS = Path(__file__).parent / "migrations"

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def stored_time(moment: dt.datetime) -> dt.datetime:
    """An aware time as the database keeps it: naive UTC."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def aware(stored: dt.datetime | None) -> dt.datetime | None:
    """A time read from the database, as aware UTC."""
    return stored.replace(tzinfo=dt.timezone.utc) if stored is not None else None


def blog_db_url(course_dir: Path | str, gradebook_url: str | None = None) -> str:
    """The blog's database for a course (see the module's docstring for the order of choices)."""
    explicit = os.environ.get(BLOG_DB_VARIABLE)
    if explicit:
        return explicit
    if gradebook_url and not gradebook_url.startswith("sqlite"):
        return gradebook_url
    return f"sqlite:///{Path(course_dir).resolve() / BLOG_FOLDER / BLOG_DB_FILE}"


def _sqlite_settings(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # Deleting a post removes its comments; readers and the one writer do not block each other.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_blog_engine(db_url: str) -> Engine:
    """An engine on the blog's database (the SQLite file's folder is made, closed to other accounts)."""
    url = sa.engine.make_url(db_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            folder = Path(url.database).parent
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        engine = sa.create_engine(url)
        sa.event.listen(engine, "connect", _sqlite_settings)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _alembic_config(connection: sa.Connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Bring the blog's tables to `revision` (default: the newest); a database already there is left as it is."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), revision)


def downgrade_database(engine: Engine, revision: str = "base") -> None:
    """Undo the blog's migrations down to `revision` (base: no blog tables at all)."""
    from alembic import command

    with engine.begin() as connection:
        command.downgrade(_alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    from ensak.outreach.kursbloggen.schema import VERSION_TABLE

    with engine.connect() as connection:
        return MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_revision()


def open_blog_database(db_url: str) -> Engine:
    """An engine on the blog's database, migrated to the newest schema."""
    engine = create_blog_engine(db_url)
    upgrade_database(engine)
    return engine
