"""A real PostgreSQL server for the gradebook tests: Debian's server binaries, a throw-away cluster.

The cluster lives in a temporary folder, listens on 127.0.0.1 at a free port only, and is stopped and
removed when the session ends. PostgreSQL refuses to run as root, so as root the server runs as the
`postgres` account (scripts/bootstrap --for-tests installs the package, which creates it).

Test modules load this file with `pytest_plugins = ["fixtures_postgres"]`; every database they ask
for is a fresh one on the same server, so nothing carries over between modules.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

SUPERUSER = "postgres"


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian: /usr/lib/postgresql/<major>/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PostgresServer:
    port: int
    data: Path

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new, empty database; returns its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", SUPERUSER, "--", *command] if os.geteuid() == 0 else command


def start_server(bin_dir: Path, folder: Path) -> PostgresServer:
    data = folder / "data"
    if os.geteuid() == 0:
        account = pwd.getpwnam(SUPERUSER)
        os.chown(folder, account.pw_uid, account.pw_gid)
    run = dict(check=True, capture_output=True, text=True)
    # Trust authentication is safe here only because the server listens on loopback alone and is
    # thrown away with the session; fsync off because nothing here has to survive a power cut.
    subprocess.run(_as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust",
                                    "-E", "UTF8", "--no-locale", "--no-sync"]), **run)
    port = free_port()
    options = f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off -c full_page_writes=off"
    subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"),
                                    "-o", options, "-w", "-t", "60", "start"]), **run)
    return PostgresServer(port=port, data=data)


def stop_server(bin_dir: Path, server: PostgresServer) -> None:
    subprocess.run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(server.data), "-m", "fast", "-w", "stop"]),
                   check=False, capture_output=True)


@pytest.fixture(scope="session")
def postgres() -> PostgresServer:
    """A running PostgreSQL server on 127.0.0.1, for the whole session."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (scripts/bootstrap --for-tests installs it)")
    # Not under pytest's own temporary folder: that one is closed to every account but root's.
    folder = Path(tempfile.mkdtemp(prefix="ensak-pg-"))
    try:
        server = start_server(bin_dir, folder)
    except subprocess.CalledProcessError as error:
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start: {error.stderr or error.stdout}") from error
    try:
        yield server
    finally:
        stop_server(bin_dir, server)
        shutil.rmtree(folder, ignore_errors=True)


def released_course_on_postgres(postgres: PostgresServer, root: Path, database: str,
                                task_ids: list[str] | None = None) -> Path:
    """A course instance whose gradebook is a fresh PostgreSQL database, with `task_ids` (default:
    all) generated into it by nbgrader and released to the instance's own exchange."""
    from ensak.course.instance import repo_root
    from ensak.course.plan import load_course
    from fixtures_reliability import released_course

    return released_course(root, task_ids or load_course(repo_root()).task_ids, postgres.create_database(database))


def copy_course_on_postgres(source: Path, target: Path, postgres: PostgresServer, database: str,
                            *, with_rows: bool = True) -> Path:
    """A copy of a course with a gradebook of its own: a fresh database, holding the source's rows
    unless `with_rows` is False (copied with ensak.care.backup's table copy)."""
    from ensak.analytics.gradebook import gradebook_url
    from ensak.care.backup import gradebook_rows, write_gradebook_rows
    from fixtures_reliability import point_course_at

    shutil.copytree(source, target, symlinks=True)
    url = postgres.create_database(database)
    if with_rows:
        write_gradebook_rows(url, gradebook_rows(gradebook_url(source)))
    point_course_at(target, url)
    return target


@pytest.fixture(scope="session")
def pg_graded_course(postgres, tmp_path_factory) -> Path:
    """fixtures_reliability's small graded course, its gradebook on PostgreSQL. Never changed: tests
    work on copy_course_on_postgres() of it."""
    from fixtures_reliability import build_graded_course

    return build_graded_course(tmp_path_factory.mktemp("graded-pg") / "kurs", tmp_path_factory.mktemp("homes-pg"),
                               postgres.create_database("graded"))


def text_rows_mentioning(db_url: str, words: list[str]) -> list[str]:
    """`table.column` for every text value in the database that contains one of `words`."""
    import sqlalchemy as sa

    engine = sa.create_engine(db_url)
    hits = []
    try:
        inspector = sa.inspect(engine)
        with engine.connect() as connection:
            for table in inspector.get_table_names():
                for column in inspector.get_columns(table):
                    if not isinstance(column["type"], (sa.String, sa.Text, sa.Enum)):
                        continue
                    for word in words:
                        found = connection.execute(sa.text(
                            f'SELECT count(*) FROM "{table}" WHERE CAST("{column["name"]}" AS TEXT) LIKE :pattern'),
                            {"pattern": f"%{word}%"}).scalar()
                        if found:
                            hits.append(f"{table}.{column['name']}: {word}")
    finally:
        engine.dispose()
    return hits
