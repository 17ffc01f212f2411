"""Backups of a course's state in one archive, and restoring one: the gradebook, the collected,
graded and fed-back submissions, the exchange, the roster with its history, the journals of sync and
messages, Kursbloggen's rows (in JSON, whatever database it lives in), and the coordinator's own
settings (course.toml and the message templates she edited in messages/), so that a restore into a
fresh checkout is the same course.

The gradebook goes in as it is stored: an SQLite gradebook as a consistent copy taken with SQLite's
backup API (safe while formgrader has it open), a PostgreSQL gradebook as its rows, table by table,
in JSON. Restoring copies rows into whatever gradebook the course is configured for, so an archive
from SQLite can also start a course on PostgreSQL and the other way round. Nothing runs during a
backup that could change it halfway: it holds the course lock, as `ensak sync` does.

The archive is personal data: keep it where the gradebook itself may be kept, and no longer.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from traitlets.config import Config

from ensak.course.lock import BusyError, course_lock
from ensak.course.roster import read_stored
from ensak.nbgrader.api import course_settings, ensure_gradebook, load_config, sqlite_file
from ensak.outreach.kursbloggen.members import RosterNotPublished, publish_course_roster

FORMAT = 1
MANIFEST = "manifest.json"
# The course's state (git-ignored): a restore puts it back only into a course without any, or with --replace.
# Kursbloggen's data goes in as rows (BLOG_ROWS), whatever database it lives in: never its files.
COURSE_FOLDERS = ("submitted", "autograded", "feedback", "outbox")
COURSE_FILES = ("roster.csv",)
# The coordinator's own settings. A fresh checkout has the repository's course.toml: a restore replaces it
# (and her templates) with the archived ones, setting aside what differs, without asking for --replace.
SETTINGS_FILES = ("course.toml",)
SETTINGS_FOLDERS = ("messages",)
# What the coordinator is told was restored, by path.
DESCRIPTIONS = {
    "gradebook": "rättningsboken",
    "submitted": "inlämningarna (submitted/)",
    "autograded": "de rättade inlämningarna (autograded/)",
    "feedback": "återkopplingen (feedback/)",
    "outbox": "skickade meddelanden och loggen över dem (outbox/)",
    "kursbloggen": "Kursbloggen (inlägg, kommentarer och deltagarnas inställningar)",
    "roster.csv": "deltagarlistan med historik (roster.csv)",
    "course.toml": "kursens plan och inställningar (course.toml: start, organisation, avsändare)",
    "messages": "dina redigerade meddelandemallar (messages/)",
    "exchange": "utbytesmappen (utlämnade uppgifter, inlämningar, återkoppling)",
}
GRADEBOOK_SQLITE = "gradebook/gradebook.db"
GRADEBOOK_ROWS = "gradebook/rows.json"
# Other SQLite files beside the gradebook (the sync journal): copied with the backup API as well.
JOURNALS_FOLDER = "gradebook"
EXCHANGE_PREFIX = "exchange"
BLOG_ROWS = "blog/kursbloggen.json"


class BackupError(Exception):
    """A backup cannot be made or restored. The message is Swedish and says what to do."""


@dataclass
class RestoreResult:
    archive: Path
    created: str
    gradebook: str          # "sqlite" or "rows"
    files: int
    set_aside: Path | None = None   # where what was in the course before went
    notes: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)   # what was put back, in Swedish


# --- the gradebook as rows ---------------------------------------------------------------------


def _encode(value):
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"timedelta": value.total_seconds()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, bytes):
        return {"bytes": base64.b64encode(value).decode()}
    return value


def _decode(value):
    if isinstance(value, dict) and len(value) == 1:
        (kind, text), = value.items()
        if kind == "datetime":
            return dt.datetime.fromisoformat(text)
        if kind == "timedelta":
            return dt.timedelta(seconds=text)
        if kind == "date":
            return dt.date.fromisoformat(text)
        if kind == "bytes":
            return base64.b64decode(text)
    return value


def _gradebook_tables():
    """nbgrader's tables in an order that satisfies their foreign keys, plus alembic's version table."""
    import sqlalchemy as sa
    from nbgrader.api import Base

    version = sa.Table("alembic_version", sa.MetaData(), sa.Column("version_num", sa.String(32)))
    return [*Base.metadata.sorted_tables, version]


def gradebook_rows(db_url: str) -> dict[str, list[dict]]:
    """Every row of every nbgrader table, as JSON-ready dicts, by table name."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    try:
        existing = set(sa.inspect(engine).get_table_names())
        rows = {}
        with engine.connect() as connection:
            for table in _gradebook_tables():
                if table.name in existing:
                    result = connection.execute(sa.select(table))
                    rows[table.name] = [{k: _encode(v) for k, v in row._mapping.items()} for row in result]
        return rows
    finally:
        engine.dispose()


def write_gradebook_rows(db_url: str, rows: dict[str, list[dict]]) -> None:
    """Replace everything in the gradebook at `db_url` with `rows` (nbgrader creates the tables)."""
    import sqlalchemy as sa

    ensure_gradebook(db_url)  # nbgrader's schema, whole, where it is missing
    tables = _gradebook_tables()
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as connection:
            for table in reversed(tables):
                connection.execute(table.delete())
            for table in tables:
                records = [{k: _decode(v) for k, v in row.items()} for row in rows.get(table.name, [])]
                if records:
                    connection.execute(table.insert(), records)
    finally:
        engine.dispose()


def _copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (other connections may keep writing meanwhile)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source, timeout=60)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


# --- backup --------------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def blog_rows(course_dir: Path) -> dict | None:
    """Kursbloggen's rows (ensak.outreach.kursbloggen.care.dump_blog), or None while the blog is empty."""
    from ensak.outreach.kursbloggen.care import dump_blog
    from ensak.outreach.kursbloggen.settings import open_course_blog

    opened = open_course_blog(course_dir, create=False)
    if opened is None:
        return None
    _, engine = opened
    try:
        dump = dump_blog(engine)
    finally:
        engine.dispose()
    return dump if any(dump["tables"].values()) else None


def write_blog_rows(course_dir: Path, dump: dict) -> None:
    """Replace Kursbloggen's rows with `dump` (its tables are made where missing)."""
    from ensak.outreach.kursbloggen.care import load_blog
    from ensak.outreach.kursbloggen.settings import open_course_blog

    _, engine = open_course_blog(course_dir)
    try:
        load_blog(engine, dump)
    finally:
        engine.dispose()


def _write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _stage(course_dir: Path, config: Config, staging: Path) -> dict:
    """Lay out everything to archive in `staging`; return the manifest."""
    settings = course_settings(config)
    db_url = settings.db_url
    gradebook_file = sqlite_file(db_url)
    if gradebook_file is not None:
        kind = "sqlite"
        if gradebook_file.exists():
            _copy_sqlite(gradebook_file, staging / GRADEBOOK_SQLITE)
    else:
        kind = "rows"
        target = staging / GRADEBOOK_ROWS
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(gradebook_rows(db_url), ensure_ascii=False), encoding="utf-8")
    for journal in sorted((course_dir / JOURNALS_FOLDER).glob("*.db")):
        if gradebook_file is None or journal.resolve() != gradebook_file.resolve():
            _copy_sqlite(journal, staging / JOURNALS_FOLDER / journal.name)
    for name in (*COURSE_FOLDERS, *SETTINGS_FOLDERS):
        if (course_dir / name).is_dir():
            shutil.copytree(course_dir / name, staging / name, symlinks=True,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    for copied in (staging / "outbox").glob("*.sqlite") if (staging / "outbox").is_dir() else []:
        # The sent-log may be written while we copy: take it again through the backup API.
        copied.unlink()
        _copy_sqlite(course_dir / "outbox" / copied.name, copied)
    for name in (*COURSE_FILES, *SETTINGS_FILES):
        if (course_dir / name).is_file():
            shutil.copy2(course_dir / name, staging / name)
    exchange = settings.exchange_root / settings.course_id
    if exchange.is_dir():
        shutil.copytree(exchange, staging / EXCHANGE_PREFIX, symlinks=True)
    blog = blog_rows(course_dir)
    if blog is not None:
        _write_json(staging / BLOG_ROWS, blog)
    files = {str(p.relative_to(staging)): _sha256(p) for p in sorted(staging.rglob("*"))
             if p.is_file() and not p.is_symlink()}
    return {"format": FORMAT, "course_id": settings.course_id, "gradebook": kind,
            "created": dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds"), "files": files}


def default_archive_name(course_id: str) -> str:
    return f"ensak-backup-{course_id}-{dt.datetime.now():%Y%m%d-%H%M%S}.tar.gz"


def write_backup(course_dir: Path | str, out: Path | str | None = None, *, config: Config | None = None,
                 wait_s: float = 0, on_wait=None) -> Path:
    """Write the course's state into one .tar.gz archive and return its path.

    `out` is a file name or a folder (default: backups/ in the course). The archive appears only
    when it is complete. Holds the course lock (waiting up to `wait_s` seconds for it).
    """
    course_dir = Path(course_dir).resolve()
    config = config if config is not None else load_config(course_dir)
    out = Path(out) if out is not None else course_dir / "backups"
    if out.is_dir() or out.suffix == "":
        out = out / default_archive_name(course_settings(config).course_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with course_lock(course_dir, "backup", wait_s=wait_s, on_wait=on_wait), \
                tempfile.TemporaryDirectory(prefix="ensak-backup-") as tmp:
            staging = Path(tmp) / "content"
            staging.mkdir()
            manifest = _stage(course_dir, config, staging)
            fd, partial = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
            os.close(fd)
            try:
                with tarfile.open(partial, "w:gz") as archive:
                    data = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
                    info = tarfile.TarInfo(MANIFEST)
                    info.size, info.mtime = len(data), int(dt.datetime.now().timestamp())
                    archive.addfile(info, io.BytesIO(data))
                    for path in sorted(staging.iterdir()):
                        archive.add(path, arcname=path.name)
                os.chmod(partial, 0o600)  # personal data: for the coordinator's account only
                os.replace(partial, out)
            except BaseException:
                Path(partial).unlink(missing_ok=True)
                raise
    except BusyError as busy:
        raise BackupError(str(busy)) from None
    return out


# --- restore -------------------------------------------------------------------------------------


def read_manifest(archive: Path | str) -> dict:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            return json.loads(member.read().decode("utf-8"))
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(f"{archive} är inte en säkerhetskopia från ensak eller är skadad ({exc}).") from None


def _unpack(archive: Path, target: Path) -> dict:
    manifest = read_manifest(archive)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Säkerhetskopian har format {manifest.get('format')}, den här versionen av ensak "
                          f"läser format {FORMAT}.")
    with tarfile.open(archive, "r:gz") as tar:
        members = tar.getmembers()
        for member in members:
            # Only plain files and folders inside the target: an archive is data, never a way to
            # write elsewhere (Python 3.11.2 has no tarfile data filter to do this for us).
            parts = Path(member.name).parts
            if not (member.isfile() or member.isdir()) or member.name.startswith("/") or ".." in parts:
                raise BackupError(f"Säkerhetskopian innehåller {member.name!r}, som inte hör hemma i en "
                                  "säkerhetskopia från ensak. Inget har återställts.")
        tar.extractall(target, members=members)
    for name, digest in manifest["files"].items():
        path = target / name
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(f"Säkerhetskopian är skadad: {name} stämmer inte med innehållsförteckningen. "
                              "Inget har återställts.")
    return manifest


def _present(course_dir: Path, config: Config, course_id: str) -> list[Path]:
    """The state a restore would replace, where it exists (settings are not state: see SETTINGS_FILES)."""
    paths = [course_dir / name for name in (*COURSE_FOLDERS, *COURSE_FILES)]
    paths += sorted((course_dir / JOURNALS_FOLDER).glob("*.db"))
    paths.append(course_settings(config).exchange_root / course_id)
    return [p for p in paths if p.exists()]


def _course_id_after(content: Path, config: Config) -> str:
    """The course id the course will have once the archived course.toml is back, as nbgrader_config.py
    works it out: ENSAK_COURSE_ID if set, else [course] id in course.toml."""
    import tomllib

    plan = content / "course.toml"
    if "ENSAK_COURSE_ID" in os.environ or not plan.is_file():
        return course_settings(config).course_id
    try:
        return str(tomllib.loads(plan.read_text(encoding="utf-8"))["course"]["id"])
    except (tomllib.TOMLDecodeError, KeyError, TypeError, UnicodeDecodeError):
        return course_settings(config).course_id


def _tree_digest(path: Path) -> str | None:
    if path.is_file():
        return _sha256(path)
    if not path.is_dir():
        return None
    return hashlib.sha256(json.dumps([(str(p.relative_to(path)), _sha256(p)) for p in sorted(path.rglob("*"))
                                      if p.is_file()]).encode()).hexdigest()


def _relative(path: Path, course_dir: Path) -> Path:
    return path.relative_to(course_dir) if path.is_relative_to(course_dir) else Path(EXCHANGE_PREFIX)


def restore_backup(course_dir: Path | str, archive: Path | str, *, config: Config | None = None,
                   replace: bool = False, wait_s: float = 0, on_wait=None) -> RestoreResult:
    """Put the archive's state back into the course, and the coordinator's settings with it.

    A course that already holds state is refused unless `replace`; then what was there is moved
    aside into restore-<time>/ in the course (nothing is deleted) and the gradebook is overwritten.
    course.toml and messages/ are put back in any case; the ones there before are set aside if they
    differ. Holds the course lock (waiting up to `wait_s` seconds for it).
    """
    course_dir = Path(course_dir).resolve()
    archive = Path(archive).resolve()
    given_config = config
    config = config if config is not None else load_config(course_dir)
    try:
        with course_lock(course_dir, "restore", wait_s=wait_s, on_wait=on_wait), \
                tempfile.TemporaryDirectory(prefix="ensak-restore-") as tmp:
            content = Path(tmp)
            manifest = _unpack(archive, content)
            course_id = _course_id_after(content, config)
            if manifest["course_id"] != course_id:
                raise BackupError(f"Säkerhetskopian gäller kursen {manifest['course_id']}, inte {course_id}. "
                                  "Inget har återställts.")
            db_url = course_settings(config).db_url
            present = _present(course_dir, config, course_id)
            # A server gradebook holding learners counts as content; tasks alone can be generated again.
            server_rows = sqlite_file(db_url) is None and any(
                gradebook_rows(db_url).get(t) for t in ("student", "submitted_assignment"))
            blog = blog_rows(course_dir)
            if (present or server_rows or blog) and not replace:
                listing = ", ".join([str(_relative(p, course_dir)) for p in present]
                                    + (["rättningsboken i databasen"] if server_rows else [])
                                    + (["Kursbloggen"] if blog else []))
                raise BackupError(f"Kursen har redan innehåll ({listing}). Lägg till --replace för att ersätta "
                                  "det; det som finns nu flyttas då undan till en mapp restore-… i kursen.")
            result = RestoreResult(archive, manifest["created"], manifest["gradebook"], len(manifest["files"]))
            set_aside = course_dir / f"restore-{dt.datetime.now():%Y%m%d-%H%M%S}"

            def move_aside(path: Path) -> None:
                destination = set_aside / _relative(path, course_dir)
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(path), destination)
                result.set_aside = set_aside

            for name in (*SETTINGS_FILES, *SETTINGS_FOLDERS):
                archived, current = content / name, course_dir / name
                if not archived.exists():
                    continue
                if _tree_digest(archived) != _tree_digest(current):
                    if current.exists():
                        move_aside(current)
                    shutil.move(str(archived), current)
                result.restored.append(DESCRIPTIONS[name])
            if given_config is None and (content / SETTINGS_FILES[0]).exists():
                config = load_config(course_dir)  # the archived course.toml may name another course id
                db_url = course_settings(config).db_url
            for path in present:
                move_aside(path)
            if server_rows:
                # A server gradebook is overwritten in place: keep its rows beside the rest.
                aside = set_aside / GRADEBOOK_ROWS
                aside.parent.mkdir(parents=True, exist_ok=True)
                aside.write_text(json.dumps(gradebook_rows(db_url), ensure_ascii=False), encoding="utf-8")
                result.set_aside = set_aside
            if blog:
                _write_json(set_aside / BLOG_ROWS, blog)
                result.set_aside = set_aside
            _restore_gradebook(content, manifest, db_url, result)
            result.restored.insert(0, DESCRIPTIONS["gradebook"])
            if (content / BLOG_ROWS).is_file():
                write_blog_rows(course_dir, json.loads((content / BLOG_ROWS).read_text(encoding="utf-8")))
                result.restored.append(DESCRIPTIONS["kursbloggen"])
            elif blog:
                # The archived course's blog was empty: so is the restored one.
                write_blog_rows(course_dir, {**blog, "tables": {}})
            for journal in sorted((content / JOURNALS_FOLDER).glob("*.db")):
                if journal.name != Path(GRADEBOOK_SQLITE).name:
                    _copy_sqlite(journal, course_dir / JOURNALS_FOLDER / journal.name)
            for name in (*COURSE_FOLDERS, *COURSE_FILES):
                if (content / name).exists():
                    (course_dir / name).parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(str(content / name), course_dir / name)
                    result.restored.append(DESCRIPTIONS[name])
            if (course_dir / "roster.csv").exists():
                # A blog in a server database reads its own copy of the roster (Kursbloggen on Kubernetes):
                # it follows the restored roster.csv, as it follows every roster the commands write.
                try:
                    publish_course_roster(course_dir, read_stored(course_dir))
                except RosterNotPublished:
                    result.notes.append("Kursbloggens kopia av deltagarlistan kunde inte uppdateras. Kör ensak roster "
                                        "import med den senaste listan från HR när databasen går att nå igen.")
            if (content / EXCHANGE_PREFIX).is_dir():
                exchange = course_settings(config).exchange_root / course_id
                exchange.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(content / EXCHANGE_PREFIX), exchange)
                result.restored.append(DESCRIPTIONS["exchange"])
    except BusyError as busy:
        raise BackupError(str(busy)) from None
    return result


def _restore_gradebook(content: Path, manifest: dict, db_url: str, result: RestoreResult) -> None:
    target_file = sqlite_file(db_url)
    if manifest["gradebook"] == "sqlite":
        source = content / GRADEBOOK_SQLITE
        if not source.exists():
            return
        if target_file is not None:
            target_file.unlink(missing_ok=True)
            _copy_sqlite(source, target_file)
            return
        rows = gradebook_rows(f"sqlite:///{source}")
        result.notes.append("Rättningsboken fanns i SQLite och är nu kopierad rad för rad till PostgreSQL.")
    else:
        rows = json.loads((content / GRADEBOOK_ROWS).read_text(encoding="utf-8"))
        if target_file is not None:
            result.notes.append("Rättningsboken fanns i PostgreSQL och är nu kopierad rad för rad till SQLite.")
    if target_file is not None:
        target_file.parent.mkdir(parents=True, exist_ok=True)
        target_file.unlink(missing_ok=True)
    write_gradebook_rows(db_url, rows)
