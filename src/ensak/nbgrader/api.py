"""One way to drive nbgrader from Python: its own API object, configured by the course's nbgrader_config.py.

Starting an `nbgrader` command costs about four seconds; the API in one process costs that once.
"""

from __future__ import annotations

import logging
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"
PLAN_FILE = "course.toml"  # ensak.course.plan.COURSE_FILE; nbgrader_config.py reads the course id from it


class NbgraderStepError(RuntimeError):
    """An nbgrader step reported failure; the message carries nbgrader's own log."""


class NotACourseError(FileNotFoundError):
    """The folder is not a course directory. The message is Swedish and says what to do."""


class GradebookSetupError(RuntimeError):
    """nbgrader's gradebook cannot be created here. The message is Swedish and says what to do."""


def course_dir_problem(root: Path | str) -> str | None:
    """Why `root` is not a course directory (Swedish), or None if it is one."""
    root = Path(root).resolve()
    missing = [name for name in (CONFIG_FILE, PLAN_FILE) if not (root / name).is_file()]
    if not missing:
        return None
    return (f"{root} är ingen kursmapp: där finns ingen {' och ingen '.join(missing)}. Gå till kursmappen "
            "(där course.toml och nbgrader_config.py ligger) eller ange den med -C /sökväg/till/kursen, "
            "och försök igen. Inget har sparats.")


def load_config(root: Path | str, **overrides: dict) -> Config:
    """The course's nbgrader configuration, with `overrides` ({"Section": {"trait": value}}) on top."""
    root = Path(root).resolve()
    problem = course_dir_problem(root)
    if problem:
        raise NotACourseError(problem)
    config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    for section, values in overrides.items():
        for trait, value in values.items():
            config[section][trait] = value
    return config


def make_api(root: Path | str, config: Config | None = None, quiet: bool = True):
    """An NbGraderAPI for the course directory `root`."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = config if config is not None else load_config(root)
    coursedir = CourseDirectory(config=config)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    if quiet:
        api.log.setLevel(logging.ERROR)
    return api


def require_success(result: dict, step: str) -> dict:
    """Turn nbgrader's {'success': False, 'log': ...} into an exception that says which step failed."""
    if not result.get("success", False):
        detail = (result.get("error") or result.get("log") or "").strip()
        raise NbgraderStepError(f"nbgrader {step} failed:\n{detail}")
    return result


@dataclass(frozen=True)
class CourseSettings:
    """Where nbgrader keeps a course's things, as nbgrader itself works them out from a configuration."""

    course_id: str
    db_url: str
    root: Path
    exchange_root: Path   # the folder exchange's root (unused when the exchange is ngshare)
    cache: Path           # the submission cache of whoever runs this process (each learner has their own)


def course_settings(config: Config) -> CourseSettings:
    """The settings nbgrader would use with `config`, defaults included.

    A trait that the configuration does not set reads as a LazyConfigValue from the Config object, not
    as nbgrader's default, so ensak never reads traits from a Config directly: nbgrader's own classes
    are made from it and asked, and they fill in their defaults as they do in `nbgrader` commands.
    """
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default.exchange import Exchange

    coursedir = CourseDirectory(config=config)
    exchange = Exchange(coursedir=coursedir, authenticator=None, config=config)
    return CourseSettings(course_id=str(coursedir.course_id), db_url=str(coursedir.db_url),
                          root=Path(coursedir.root), exchange_root=Path(exchange.root), cache=Path(exchange.cache))


def sqlite_file(db_url: str) -> Path | None:
    """The file of an SQLite gradebook URL (query such as ?timeout= dropped); None for a server database."""
    prefix = "sqlite:///"
    if not db_url.startswith(prefix):
        return None
    return Path(db_url[len(prefix):].split("?", 1)[0])


def _setup_error(exc: BaseException, where: str) -> GradebookSetupError:
    if isinstance(exc, subprocess.CalledProcessError) or (isinstance(exc, FileNotFoundError)
                                                         and "alembic" in str(exc)):
        return GradebookSetupError(
            "Rättningsboken kunde inte skapas: nbgrader behöver programmet alembic, som ligger bredvid ensak "
            f"({exc}). Kör ensak med hela sökvägen till kursens .venv/bin/ensak, eller kör ./scripts/bootstrap "
            "i kursmappen om .venv saknas. Inget har sparats.")
    return GradebookSetupError(f"Rättningsboken kunde inte skapas i {where} ({exc}). Kontrollera att du får "
                               "skriva där och att disken inte är full, och försök igen. Inget har sparats.")


def _is_half_made(path: Path) -> bool:
    """A gradebook left by nbgrader when alembic failed: its tables but no version, and nothing in them.
    `nbgrader db upgrade` cannot repair one; it is safe to make it again."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(path)) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables or "alembic_version" in tables:
            return not tables
        return all(db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] == 0 for table in tables)


def ensure_gradebook(db_url: str) -> None:
    """Create nbgrader's gradebook at `db_url` if there is none yet: whole, or not at all.

    nbgrader creates the tables first and then asks the `alembic` executable for the schema version;
    if that fails, what is left is a gradebook `nbgrader db upgrade` cannot repair. An SQLite
    gradebook is therefore made beside its place and renamed into it; for a server database alembic is
    asked before anything is created.
    """
    from nbgrader.api import Gradebook, get_alembic_version

    path = sqlite_file(db_url)
    if path is None:
        import sqlalchemy as sa

        engine = sa.create_engine(db_url)
        try:
            if sa.inspect(engine).get_table_names():
                return
        finally:
            engine.dispose()
        try:
            get_alembic_version()
        except (OSError, subprocess.CalledProcessError) as exc:
            raise _setup_error(exc, "databasen") from None
        Gradebook(db_url).close()
        return
    if path.exists() and not _is_half_made(path):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.creating-{os.getpid()}")
    partial.unlink(missing_ok=True)
    try:
        Gradebook(f"sqlite:///{partial}").close()
        os.replace(partial, path)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise _setup_error(exc, str(path.parent)) from None
    finally:
        partial.unlink(missing_ok=True)


def nbgrader_gradebook(config: Config):
    """nbgrader's Gradebook for the course (to use in a `with`), created whole first if it is missing."""
    from nbgrader.api import Gradebook

    settings = course_settings(config)
    ensure_gradebook(settings.db_url)
    return Gradebook(settings.db_url, settings.course_id)
