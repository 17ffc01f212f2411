"""ensak.hub: the local JupyterHub, run for real (JupyterHub, configurable-http-proxy, OS accounts), no browser."""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ensak.cli import app
from ensak.hub.accounts import (
    AccountError,
    check_usernames,
    ensure_learner_accounts,
    is_learner_account,
)
from ensak.hub.auth import NotLoopbackError, is_loopback, require_loopback
from ensak.hub.environment import blocked_for_others
from ensak.hub.runner import hub_processes

# The fixtures module is loaded as a plugin, so its session-scoped hub is one hub for every test module.
pytest.register_assert_rewrite("fixtures_hub")
from fixtures_hub import (  # noqa: E402
    FIRST_TASK,
    HubSession,
    make_hub_course,
    missing_or_skip,
    remove_hub_traces,
    require_hub_prerequisites,
    shared_base_dir,
    start_ensak_hub,
    stop_ensak_hub,
)

pytest_plugins = ["fixtures_hub"]

REPO = Path(__file__).resolve().parents[1]


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize("host, expected", [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("0.0.0.0", False), ("", False), (None, False), ("::", False), ("192.168.1.20", False),
    ("bibliotek.example", False),
])
def test_which_addresses_count_as_this_machine_only(host, expected):
    """Is only a loopback address accepted, and 'every interface' (empty, 0.0.0.0, ::) refused?"""
    assert is_loopback(host) is expected


def test_require_loopback_reads_the_host_out_of_a_url():
    """Does a bind URL without a host (JupyterHub's default, all interfaces) get refused with a Swedish reason?"""
    require_loopback("http://127.0.0.1:8000", "hubben")
    with pytest.raises(NotLoopbackError, match="alla nätverkskort"):
        require_loopback("http://:8000", "hubben")


def test_ensak_hub_refuses_a_public_address_before_touching_anything(tmp_path):
    """Does `ensak hub --ip 0.0.0.0` stop with the reason, before reading the course or making accounts?"""
    result = CliRunner().invoke(app, ["hub", "-C", str(tmp_path), "--ip", "0.0.0.0",
                                      "--home-root", str(tmp_path / "h")])
    assert result.exit_code == 1
    assert "vägrar starta" in result.output and "0.0.0.0" in result.output
    assert not (tmp_path / "h").exists()


@pytest.mark.slow
def test_jupyterhub_itself_refuses_the_demo_login_on_all_interfaces(tmp_path):
    """Does a hand-written config with the demo login on every interface make JupyterHub exit, listening nowhere?"""
    port = 40000 + os.getpid() % 20000
    config = {
        "JupyterHub": {"bind_url": f"http://0.0.0.0:{port}",
                       "authenticator_class": "ensak.hub.auth.LoopbackDemoAuthenticator",
                       "db_url": f"sqlite:///{tmp_path / 'hub.sqlite'}",
                       "cookie_secret_file": str(tmp_path / "secret")},
        "Authenticator": {"allowed_users": ["anna"]},
        "SharedPasswordAuthenticator": {"user_password": "ett-langt-losenord"},
    }
    (tmp_path / "config.json").write_text(json.dumps(config))
    done = subprocess.run([sys.executable, "-m", "jupyterhub", "-f", str(tmp_path / "config.json")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "Demoinloggningen vägrar starta" in done.stdout + done.stderr
    assert not listening(port)


def test_usernames_must_work_as_linux_accounts():
    """Are roster ids that cannot be Linux user names refused, all named in one message?"""
    assert check_usernames(["anna", "bertil_ek", "c-3"]) == ["anna", "bertil_ek", "c-3"]
    with pytest.raises(AccountError) as refused:
        check_usernames(["anna", "Bertil", "1cecilia", "d" * 33, "e f"])
    for bad in ("Bertil", "1cecilia", "e f"):
        assert bad in str(refused.value)
    assert "anna," not in str(refused.value)


def test_a_roster_id_never_takes_over_an_existing_account(tmp_path):
    """Is a learner id that is already a system account (here `daemon`) refused rather than reused?"""
    if os.geteuid() != 0:
        pytest.skip("making accounts needs root")
    with pytest.raises(AccountError, match="daemon"):
        ensure_learner_accounts(["daemon"], tmp_path / "homes")
    assert not is_learner_account("daemon")
    assert pwd.getpwnam("daemon").pw_dir != str(tmp_path / "homes" / "daemon")


def test_a_folder_closed_to_others_is_named_as_the_obstacle():
    """Does the environment check name the folder that keeps learner accounts out, and pass an open path?"""
    base = shared_base_dir("ensak-perm-")
    try:
        target = base / "closed" / "inner" / "file.py"
        target.parent.mkdir(parents=True)
        target.write_text("x = 1\n")
        (base / "closed").chmod(0o700)
        assert blocked_for_others(target) == base / "closed"
        (base / "closed").chmod(0o755)
        assert blocked_for_others(target) is None
        target.chmod(0o600)
        assert blocked_for_others(target) == target
    finally:
        shutil.rmtree(base)


@pytest.mark.slow
def test_a_learner_gets_a_server_of_their_own_with_the_learner_setup(running_hub):
    """Does a learner's JupyterLab run under their own account, list the course's tasks, and hide instructor tools?"""
    learner, other = running_hub.learners[1], running_hub.learners[0]
    session = HubSession(running_hub.url)
    assert session.login(learner, running_hub.password)
    session.wait_for_server(learner)

    account = pwd.getpwnam(learner)
    processes = hub_processes([learner], running_hub.state_dir / "jupyterhub-proxy.pid")
    owners = {os.stat(f"/proc/{pid}").st_uid for pid in processes}
    assert account.pw_uid in owners
    home = Path(account.pw_dir)
    assert home == running_hub.home(learner)
    assert stat.S_IMODE(home.stat().st_mode) == 0o700

    # The shared exchange: the learner's nbgrader sees the released task under the course id.
    status, body = session.get(f"/user/{learner}/assignments?course_id=ensak")
    assert status == 200, body
    listed = json.loads(body)
    assert listed["success"], listed
    assert FIRST_TASK in {a["assignment_id"] for a in listed["value"]}

    # Instructor tools and distractions are off for learners.
    status, page = session.get(f"/user/{learner}/lab")
    config = json.loads(re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', page, re.S).group(1))
    for plugin in ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                   "@jupyterlab/apputils-extension:announcements"):
        assert plugin in config["disabledExtensions"]
    assert session.get(f"/user/{learner}/formgrader")[0] == 404
    assert session.get(f"/user/{learner}/api/terminals")[0] == 404

    # JupyterLab in Swedish: the pack is installed where the learner's server runs, the account starts with the
    # Swedish setting, and so the server translates what it serves (the file browser's "Open With" menu).
    status, body = session.get(f"/user/{learner}/lab/api/translations/sv_SE")
    assert status == 200 and json.loads(body)["data"]["jupyterlab"]["menu\x04File"] == ["Arkiv"], body[:300]
    status, body = session.get(f"/user/{learner}/lab/api/settings/@jupyterlab/translation-extension:plugin")
    assert json.loads(body)["settings"]["locale"] == "sv_SE", body[:300]
    status, body = session.get(f"/user/{learner}/lab/api/settings/@jupyterlab/filebrowser-extension:open-with")
    assert json.loads(body)["schema"]["jupyter.lab.menus"]["context"][0]["submenu"]["label"] == "Öppna med"

    # Someone else's running server is not theirs to open.
    other_session = HubSession(running_hub.url)
    other_session.login(other, running_hub.password)
    other_session.wait_for_server(other)
    assert session.get(f"/user/{other}/lab")[0] == 403
    assert session.get(f"/user/{other}/api/contents")[0] == 403


@pytest.mark.slow
def test_ctrl_c_stops_the_hub_the_proxy_and_every_learners_server():
    """After Ctrl-C, is nothing left of the hub: no proxy, no learner server, nothing listening?"""
    require_hub_prerequisites()
    learner = f"cilla-{os.getpid() % 10000}"
    base = shared_base_dir("ensak-hubstop-")
    hub = None
    try:
        course_dir = make_hub_course(base, {learner: ("Cilla", "Ärlig", "Assistent")}, [])
        hub = start_ensak_hub(course_dir, base, [learner], release="none")
        session = HubSession(hub.url)
        session.login(learner, hub.password)
        session.wait_for_server(learner)
        port = int(hub.url.rsplit(":", 1)[1])
        running = hub_processes([learner], hub.state_dir / "jupyterhub-proxy.pid")
        assert len(running) >= 2, "expected the proxy and the learner's server to be running"

        hub.process.send_signal(signal.SIGINT)
        assert hub.process.wait(60) == 0
        time.sleep(0.5)
        assert hub_processes([learner], hub.state_dir / "jupyterhub-proxy.pid") == []
        assert not listening(port)
        assert "Hubben är stoppad." in hub.log_tail()
    finally:
        if hub is not None:
            leftovers = stop_ensak_hub(hub)
            remove_hub_traces(hub, base)
            assert leftovers == []


@pytest.mark.slow
def test_a_learner_environment_can_be_built_where_other_accounts_can_run_it():
    """When the clone is closed to others (e.g. under /root), can a separate environment be built from uv.lock
    that another account (here `nobody`) runs, with ensak and the learners' settings installed in it?"""
    from ensak.hub import lab_extension
    from ensak.hub.environment import (
        build_shared_environment,
        environment_problem,
        find_uv,
    )
    from ensak.hub.runner import learner_config_dir

    if find_uv() is None:
        missing_or_skip("uv is not installed")
    if os.geteuid() != 0:
        pytest.skip("running a program as another account needs root")
    base = shared_base_dir("ensak-learnerenv-")
    try:
        env = build_shared_environment(base / "venv")
        assert environment_problem(env) is None
        assert (learner_config_dir(env) / "labconfig" / "page_config.json").exists()
        # The task panel too: uv installs Python packages only, the extension is copied from this clone's build.
        assert lab_extension.problem(env) is None
        done = subprocess.run(["runuser", "-u", "nobody", "--", str(env / "bin" / "python"), "-c",
                               "import ensak.hub.auth, ensak.learner, jupyterhub, nbgrader; print(ensak.__file__);"
                               "from jupyterlab_server.translation_utils import get_language_pack as p;"
                               "assert p('sv_SE')[0]['jupyterlab']['menu\\x04File'] == ['Arkiv']"],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(str(env))  # ensak itself, not a path back into the clone
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_the_production_config_uses_single_sign_on_and_keeps_instructor_tools_to_coordinators(tmp_path, monkeypatch):
    """Does hub/jupyterhub_config.production.py load, log in through OAuth (never the demo login), allow exactly
    the roster plus coordinators, and give the learner setup to learners only?"""
    from types import SimpleNamespace

    import pandas as pd
    from traitlets.config.loader import PyFileConfigLoader

    from ensak.course.instance import create_instance
    from ensak.course.roster import write_roster
    from ensak.hub.runner import HubError, find_proxy

    try:
        find_proxy()
    except HubError as error:
        missing_or_skip(str(error))
    course_dir = create_instance(tmp_path / "kurs")
    write_roster(course_dir, pd.DataFrame([
        {"id": "anna_aberg", "first_name": "Anna", "last_name": "Åberg", "email": "anna.aberg@bibliotek.example",
         "unit": "Huvudbiblioteket", "role": "Bibliotekarie"}]))
    for name, value in {"ENSAK_COURSE_DIR": str(course_dir), "ENSAK_EXCHANGE": "/srv/nbgrader/exchange",
                        "ENSAK_HUB_URL": "https://kurs.bibliotek.example", "ENSAK_COORDINATORS": "kursledare",
                        "ENSAK_TLS_CERT": "/etc/ssl/kurs.pem", "ENSAK_TLS_KEY": "/etc/ssl/kurs.key"}.items():
        monkeypatch.setenv(name, value)
    loader = PyFileConfigLoader("jupyterhub_config.production.py", path=str(REPO / "hub"))
    config = loader.load_config()

    assert config.JupyterHub.authenticator_class == "oauthenticator.generic.GenericOAuthenticator"
    assert config.JupyterHub.bind_url.startswith("https://")
    assert set(config.Authenticator.allowed_users) == {"anna_aberg", "kursledare"}
    assert set(config.Authenticator.admin_users) == {"kursledare"}
    # The identity provider's e-mail address is mapped to the roster id; strangers get a name not allowed in.
    assert config.GenericOAuthenticator.username_claim({"email": "Anna.Aberg@Bibliotek.example"}) == "anna_aberg"
    assert config.GenericOAuthenticator.username_claim({"email": "okand@bibliotek.example"}) not in \
        config.Authenticator.allowed_users
    environment = config.Spawner.pre_spawn_hook.__globals__["person_environment"]
    learner = environment(SimpleNamespace(user=SimpleNamespace(name="anna_aberg")))
    coordinator = environment(SimpleNamespace(user=SimpleNamespace(name="kursledare")))
    assert Path(learner["JUPYTER_CONFIG_PATH"], "labconfig", "page_config.json").exists()
    assert "JUPYTER_CONFIG_PATH" not in coordinator
    assert learner["ENSAK_EXCHANGE"] == coordinator["ENSAK_EXCHANGE"] == "/srv/nbgrader/exchange"
