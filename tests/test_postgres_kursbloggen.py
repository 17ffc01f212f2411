"""Kursbloggen in the gradebook's PostgreSQL database: its prefixed tables and own alembic version table beside
nbgrader's, the queries, backup and erase on a real server."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from ensak.outreach.kursbloggen import care, digest, queries, store
from ensak.outreach.kursbloggen.database import blog_db_url, current_revision, downgrade_database, open_blog_database

pytestmark = pytest.mark.postgres
pytest_plugins = ["fixtures_postgres"]

START = dt.datetime(2027, 1, 20, 9, tzinfo=dt.timezone.utc)
ANNA, BO = store.Member("anna.ek", "Anna Ek"), store.Member("bo.ahl", "Bo Åhl")
KICKOFF = "00-valkommen"


def test_does_the_blog_live_beside_nbgraders_tables_in_the_gradebook_database(postgres, tmp_path, monkeypatch):
    from nbgrader.api import Gradebook

    monkeypatch.delenv("ENSAK_BLOG_DB_URL", raising=False)
    gradebook = postgres.create_database("kursbloggen_delad")
    with Gradebook(gradebook, "ensak") as nbgrader_gradebook:
        nbgrader_gradebook.add_student("anna.ek")
    url = blog_db_url(tmp_path, gradebook)
    assert url == gradebook
    engine = open_blog_database(url)
    try:
        with engine.connect() as conn:
            nbgrader_version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        assert current_revision(engine) == "0002_roster"

        post_id = store.share_reflection(engine, ANNA, "00-valkommen", "Å ä ö på PostgreSQL", share=True,
                                         publish=True, now=START)
        comment = store.add_comment(engine, BO, post_id, "Svar", now=START + dt.timedelta(minutes=1))
        store.add_comment(engine, ANNA, post_id, "Svar på svaret", parent_id=comment, now=START + dt.timedelta(minutes=2))
        assert queries.unread(engine, ANNA).replies == 1 and queries.unread(engine, BO).replies == 1
        assert [depth for _, depth in queries.thread(queries.post_comments(engine, post_id))] == [0, 1]
        store.set_digest(engine, "anna.ek", True, now=START)
        assert digest.take_digests(engine, START + dt.timedelta(hours=1))[0].summary == "1 svar på ditt inlägg"

        dump = care.dump_blog(engine)
        care.load_blog(engine, dump)
        later = store.create_post(engine, BO, kind="tips", title="Efter återställning", body="Text", now=START)
        assert later > post_id, "the id sequences continue after restored rows"

        assert care.erase_member(engine, "anna.ek").posts == 1 and care.mentions(engine, "anna.ek") == 0
        downgrade_database(engine)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == nbgrader_version
        tables = set(sa.inspect(engine).get_table_names())
        assert "student" in tables and not any(t.startswith("kursbloggen_") and t != "kursbloggen_alembic_version"
                                               for t in tables)
    finally:
        engine.dispose()


# --- the blog as a pod of its own (deploy/kursbloggen.yaml): no roster.csv, the course database ----------


def pod_course_dir(coordinators_course: Path, folder: Path) -> Path:
    """What deploy/kursbloggen.yaml mounts from the ConfigMap: course.toml and nbgrader_config.py, nothing else,
    laid out as Kubernetes lays out a ConfigMap (each file a link into a dated folder, through `..data`)."""
    from ensak.nbgrader.api import CONFIG_FILE, PLAN_FILE

    dated = folder / "..2027_01_20_09_00_00.000000001"
    dated.mkdir(parents=True)
    (folder / "..data").symlink_to(dated.name)
    for name in (CONFIG_FILE, PLAN_FILE):
        shutil.copy(coordinators_course / name, dated / name)
        (folder / name).symlink_to(Path("..data") / name)
    return folder


def test_does_a_blog_without_roster_csv_admit_the_roster_the_coordinator_published(postgres, tmp_path, monkeypatch):
    """The coordinator's roster changes reach a blog that cannot read her roster.csv, through the database, and
    her formgrader comments from the gradebook there show under a shared reflection."""
    from nbgrader.api import Gradebook

    from ensak.course.roster import load_roster, remove_learner, write_roster
    from ensak.learner.blog_client import LEARNER_HEADER, BlogClient, BlogClientError
    from ensak.outreach.kursbloggen import members
    from ensak.outreach.kursbloggen.local import BackgroundBlog
    from ensak.outreach.kursbloggen.settings import load_settings
    from fixtures_kursbloggen import make_blog_course

    monkeypatch.delenv("ENSAK_BLOG_DB_URL", raising=False)
    monkeypatch.setenv("ENSAK_DB_URL", postgres.create_database("kursbloggen_pod"))
    monkeypatch.setattr(members, "ROSTER_RECHECK_SECONDS", 0)
    coordinators_course = make_blog_course(tmp_path)          # her `ensak roster import` writes roster.csv
    pod = pod_course_dir(coordinators_course, tmp_path / "pod")
    assert not (pod / "roster.csv").exists()
    settings = load_settings(pod)
    with Gradebook(settings.gradebook_url, settings.course_id) as gradebook:
        gradebook.add_assignment(KICKOFF)
        gradebook.add_notebook(KICKOFF, KICKOFF)
        gradebook.add_grade_cell("reflektion", KICKOFF, KICKOFF, max_score=1, cell_type="markdown")
        gradebook.add_solution_cell("reflektion", KICKOFF, KICKOFF)
        gradebook.add_student("anna.ek")
        gradebook.add_submission(KICKOFF, "anna.ek")
        gradebook.find_comment("reflektion", KICKOFF, KICKOFF, "anna.ek").manual_comment = "Tack Anna!"
        gradebook.db.commit()

    with BackgroundBlog(settings) as running:
        def me(learner: str) -> dict:
            return BlogClient(running.url, running.token, learner).me()

        def page(learner: str, path: str) -> str:
            asked = urllib.request.Request(f"{running.url}{path}", headers={
                "Authorization": f"token {running.token}", LEARNER_HEADER: learner})
            with urllib.request.urlopen(asked, timeout=10) as answer:
                return answer.read().decode("utf-8")

        assert me("anna.ek")["display_name"] == "Anna Ek"
        assert me("cecilia.oberg")["display_name"] == "Cecilia Öberg"
        with pytest.raises(BlogClientError) as refused:
            me("okand.person")
        assert refused.value.status == 403
        reflection = BlogClient(running.url, running.token, "anna.ek").share_reflection(KICKOFF, "Annas", share=True)
        assert "Tack Anna!" in page("bo.ahl", f"inlagg/{reflection['id']}")
        post = store.create_post(running.engine, store.Member("cecilia.oberg", "Cecilia Öberg"), kind="tips",
                                 title="Tips", body="Text", now=START)

        # She leaves the course: the blog turns her away at its next look, and her post keeps her name.
        staying = load_roster(coordinators_course)
        write_roster(coordinators_course, staying.loc[staying["id"] != "cecilia.oberg"])
        with pytest.raises(BlogClientError) as gone:
            me("cecilia.oberg")
        assert gone.value.status == 403
        assert "Cecilia Öberg" in page("anna.ek", f"inlagg/{post}")

    # Forgotten (ensak forget removes her from roster.csv): her name leaves the database's copy with her.
    remove_learner(coordinators_course, "cecilia.oberg")
    assert "cecilia.oberg" not in members.published_roster(running.engine)[1]


def test_does_importing_an_unchanged_roster_publish_it_for_the_blog(postgres, tmp_path, monkeypatch):
    """A course whose roster was imported before the blog read it from the database: the next import, even of
    the same file, gives the blog the roster."""
    from ensak.course.instance import create_instance
    from ensak.course.roster import import_roster
    from ensak.outreach.kursbloggen.members import published_roster
    from ensak.outreach.kursbloggen.schema import roster
    from fixtures_coordinator import ROSTER_CSV, write_text

    monkeypatch.delenv("ENSAK_BLOG_DB_URL", raising=False)
    gradebook = postgres.create_database("kursbloggen_import")
    monkeypatch.setenv("ENSAK_DB_URL", gradebook)
    course_dir = create_instance(tmp_path / "kurs")
    staff = write_text(tmp_path / "personal.csv", ROSTER_CSV)
    assert import_roster(course_dir, staff).written
    engine = sa.create_engine(gradebook)
    try:
        active, names = published_roster(engine)
        assert len(active) == 3 and ("Åsa", "Lindström-Öberg") in names.values()
        with engine.begin() as conn:
            conn.execute(sa.delete(roster))
        report = import_roster(course_dir, staff)
        assert not report.written and published_roster(engine)[0] == active
    finally:
        engine.dispose()


def test_does_the_hub_service_start_in_a_read_only_course_folder_with_its_cookie_secret(postgres, tmp_path,
                                                                                           monkeypatch):
    """`python -m ensak.outreach.kursbloggen` as the pod runs it: nbgrader's tables first, then the blog's,
    and the cookies it sets are signed with the secret from the mounted file (the same after a restart)."""
    from tornado.web import decode_signed_value

    from ensak.nbgrader.api import NBGRADER_VERSION_TABLE
    from ensak.outreach.kursbloggen.schema import VERSION_TABLE
    from fixtures_kursbloggen import make_blog_course
    from fixtures_postgres import free_port

    monkeypatch.delenv("ENSAK_DB_URL", raising=False)
    coordinators_course = make_blog_course(tmp_path)
    pod = pod_course_dir(coordinators_course, tmp_path / "pod")
    pod.chmod(stat.S_IRUSR | stat.S_IXUSR)    # read-only, as a ConfigMap is
    secret_file = tmp_path / "secret" / "cookie-secret"
    secret_file.parent.mkdir()
    secret = "0123456789abcdef" * 4
    secret_file.write_text(secret + "\n", encoding="ascii")
    gradebook = postgres.create_database("kursbloggen_tjanst")
    port = free_port()
    prefix = "/services/kursbloggen/"
    env = {**os.environ, "ENSAK_DB_URL": gradebook, "JUPYTERHUB_SERVICE_NAME": "kursbloggen",
           "JUPYTERHUB_SERVICE_URL": f"http://127.0.0.1:{port}", "JUPYTERHUB_SERVICE_PREFIX": prefix,
           "JUPYTERHUB_API_URL": "http://127.0.0.1:9/hub/api", "JUPYTERHUB_API_TOKEN": "x" * 32,
           "JUPYTERHUB_CLIENT_ID": "service-kursbloggen", "PYTHONUNBUFFERED": "1",
           "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    env.pop("ENSAK_BLOG_DB_URL", None)
    service = subprocess.Popen([sys.executable, "-m", "ensak.outreach.kursbloggen", "--course-dir", str(pod),
                                "--cookie-secret-file", str(secret_file)], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        deadline = time.monotonic() + 60
        while True:
            assert service.poll() is None, service.stdout.read().decode(errors="replace")
            try:
                opener.open(f"http://127.0.0.1:{port}{prefix}static/kursbloggen.css", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "the service never answered"
                time.sleep(0.2)
        with pytest.raises(urllib.error.HTTPError) as redirected:
            opener.open(f"http://127.0.0.1:{port}{prefix}", timeout=5)
        answer = redirected.value
        assert answer.code == 302 and "/hub/api/oauth2/authorize" in answer.headers["Location"]
        cookies = [header.split(";")[0].split("=", 1) for header in answer.headers.get_all("Set-Cookie")]
        state = [(name, value.strip('"')) for name, value in cookies if "oauth-state" in name]
        assert state, cookies
        name, value = state[0]
        assert decode_signed_value(secret.encode(), name, value) is not None
        assert decode_signed_value(b"another secret" * 3, name, value) is None
    finally:
        service.terminate()
        service.wait(10)
    assert not (pod / "blog").exists(), "the service wrote into the course folder"
    engine = sa.create_engine(gradebook)
    try:
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {NBGRADER_VERSION_TABLE, VERSION_TABLE, "student", "kursbloggen_roster"} <= tables
