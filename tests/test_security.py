"""Nobody sees or changes what is not theirs: the shared exchange with real OS accounts, no secret in the
repository, and the demo login on this machine's loopback address only.

The exchange test creates two learner accounts with useradd and acts as each with runuser, as the
hub's learners are separate accounts; the coordinator is this (root) process. What a single-account
setup cannot enforce is written down in docs/security.md.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import textwrap
from pathlib import Path

import pytest

from ensak.course.instance import repo_root
from ensak.hub.auth import LoopbackDemoAuthenticator, NotLoopbackError
from ensak.sync import sync

pytest.register_assert_rewrite("fixtures_coordinator")
from fixtures_coordinator import sync_template  # noqa: E402,F401
from fixtures_hub import python_for_other_accounts  # noqa: E402

ANNA, BO = "ensak-test-anna", "ensak-test-bo"
TASK = "00-start"

# What a learner's JupyterLab does, run as that learner's account: fetch, answer, submit, fetch
# feedback; and what a curious or malicious colleague might try in the shared exchange.
LEARNER_SCRIPT = textwrap.dedent('''
    import json, os, sys
    from pathlib import Path
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange.default import ExchangeFetchAssignment, ExchangeFetchFeedback
    from traitlets.config import Config
    from ensak.learner.answers import AnswerStore
    from ensak.nbgrader.exchange import PrivateSubmit

    action, exchange, home, learner = sys.argv[1:5]
    targets = json.loads(sys.argv[5]) if len(sys.argv) > 5 else {}
    config = Config()
    config.Exchange.root = exchange
    config.Exchange.cache = str(Path(home) / "cache")
    config.CourseDirectory.course_id = "testkurs"

    def step(cls, student=learner):
        coursedir = CourseDirectory(config=config)
        coursedir.course_id, coursedir.assignment_id, coursedir.student_id = "testkurs", "00-start", student
        s = cls(coursedir=coursedir, authenticator=Authenticator(config=config), config=config)
        s.assignment_dir = home
        return s.start()

    def attempt(do):
        try:
            do()
            return "allowed"
        except PermissionError:
            return "refused"

    outcome = {}
    if action == "submit":
        step(ExchangeFetchAssignment)
        AnswerStore(Path(home) / "00-start").save("00-start-svar", 42)
        step(PrivateSubmit)
    elif action == "pry":
        inbound = Path(exchange, "testkurs", "inbound")
        outcome["list inbound"] = attempt(lambda: os.listdir(inbound))
        other = Path(targets["submission"])
        outcome["read submission"] = attempt(lambda: (other / "00-start.ipynb").read_bytes())
        outcome["change submission"] = attempt(lambda: (other / "00-start.ipynb").write_text("{}"))
        outcome["add to submission"] = attempt(lambda: (other / "extra.txt").write_text("x"))
        outcome["rename submission"] = attempt(lambda: other.rename(inbound / other.name.replace(
            targets["owner"], learner, 1)))
        # nbgrader lets anyone submit in any name: the coordinator's collect must see through it.
        step(PrivateSubmit, student=targets["owner"])
        outcome["submitted in the other's name"] = "done"
    elif action == "feedback":
        outcome["list feedback"] = attempt(lambda: os.listdir(Path(exchange, "testkurs", "feedback")))
        step(ExchangeFetchFeedback)
        outcome["feedback"] = sorted(str(p.relative_to(home)) for p in Path(home).rglob("*.html"))
    print(json.dumps(outcome))
''')


def run_as(user: str, *args: str, env_home: Path) -> dict:
    python = python_for_other_accounts()
    env = {"PATH": f"{python.parent}:/usr/bin:/bin", "HOME": str(env_home), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([shutil.which("runuser"), "-u", user, "--", str(python), *args], env=env, capture_output=True,
                          text=True, timeout=120, cwd=env_home)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def can_make_accounts() -> str:
    if os.geteuid() != 0:
        return "needs root to create learner accounts"
    if not shutil.which("useradd") or not shutil.which("runuser"):
        return "needs useradd and runuser"
    return ""


@pytest.fixture(scope="module")
def accounts():
    reason = can_make_accounts()
    if reason:
        pytest.skip(reason)
    made = []
    for user in (ANNA, BO):
        try:
            pwd.getpwnam(user)
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user],
                           check=True, capture_output=True)
            made.append(user)
    try:
        yield ANNA, BO
    finally:
        for user in made:
            subprocess.run(["userdel", user], check=False, capture_output=True)


@pytest.fixture(scope="module")
def shared_exchange(accounts, sync_template):
    """The course in a folder every account can reach (pytest's own is closed to all but root)."""
    root = Path(tempfile.mkdtemp(prefix="ensak-security-"))
    root.chmod(0o755)
    course = root / "kurs"
    shutil.copytree(sync_template, course)
    course.chmod(0o755)
    (root / "learner.py").write_text(LEARNER_SCRIPT, encoding="utf-8")
    homes = {}
    for user in accounts:
        home = root / user
        home.mkdir()
        shutil.chown(home, user, user)
        home.chmod(0o700)
        homes[user] = home
    exchange = course / "exchange"
    # Release once more through ensak's release, which gives the inbound folder its sticky bit.
    from ensak.nbgrader.release import release_tasks

    shutil.rmtree(exchange / "testkurs" / "outbound" / TASK)
    assert release_tasks(course, [TASK]).released == [TASK]
    exchange.chmod(0o777)
    try:
        yield {"root": root, "course": course, "exchange": exchange, "homes": homes}
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def pried(shared_exchange):
    """Anna submits; Bo submits, then tries his colleague's submission; the coordinator syncs."""
    ex = shared_exchange
    learner = str(ex["root"] / "learner.py")

    def as_learner(user, action, targets=None):
        args = [learner, action, str(ex["exchange"]), str(ex["homes"][user]), user]
        return run_as(user, *args, *([json.dumps(targets)] if targets else []), env_home=ex["homes"][user])

    as_learner(ANNA, "submit")
    as_learner(BO, "submit")
    inbound = ex["exchange"] / "testkurs" / "inbound"
    annas = next(inbound.glob(f"{ANNA}+{TASK}+*"))
    outcome = as_learner(BO, "pry", {"submission": str(annas), "owner": ANNA})
    summary = sync(ex["course"], workers=1)
    feedback = {user: as_learner(user, "feedback") for user in (ANNA, BO)}
    outcome["list feedback"] = feedback[BO]["list feedback"]
    return {"outcome": outcome, "summary": summary, "feedback": {u: f["feedback"] for u, f in feedback.items()},
            "inbound": inbound, "annas": annas}


def test_can_a_learner_neither_list_nor_read_nor_change_a_colleagues_submission(pried):
    outcome = pried["outcome"]
    for attempt in ("list inbound", "list feedback", "read submission", "change submission", "add to submission",
                    "rename submission"):
        assert outcome[attempt] == "refused", (attempt, outcome)
    assert pried["annas"].exists()


def test_is_a_submission_in_a_colleagues_name_not_collected_and_reported(pried, shared_exchange):
    spoofed = [p for p in pried["inbound"].glob(f"{ANNA}+{TASK}+*") if p.stat().st_uid == pwd.getpwnam(BO).pw_uid]
    assert len(spoofed) == 1, "Bo's submission in Anna's name is in the exchange"
    problems = [p for p in pried["summary"].problems if p.startswith(f"{ANNA} {TASK}:")]
    assert len(problems) == 1 and f"gjordes av kontot {BO}" in problems[0], pried["summary"].problems
    collected = shared_exchange["course"] / "submitted" / ANNA / TASK / "timestamp.txt"
    assert collected.read_text() == (pried["annas"] / "timestamp.txt").read_text(), "Anna's own submission counts"
    assert sorted(pried["summary"].graded) == [(ANNA, TASK), (BO, TASK)]


def test_does_each_learner_fetch_only_their_own_feedback(pried):
    assert sorted(pried["summary"].feedback) == [(ANNA, TASK), (BO, TASK)]
    for user in (ANNA, BO):
        assert len(pried["feedback"][user]) == 1, pried["feedback"]
        assert pried["feedback"][user][0].startswith(f"{TASK}/feedback/")


def test_is_the_submission_closed_to_other_accounts_on_disk(pried):
    for path in [pried["annas"], *pried["annas"].rglob("*")]:
        assert path.stat().st_mode & 0o007 == 0, f"{path} is open to other accounts"
    assert pried["inbound"].stat().st_mode & 0o1000, "inbound has the sticky bit"


# --- no secret in the repository -----------------------------------------------------------------

# Assembled from parts so that this file does not match its own patterns.
KEY_HEADER = "-----BEGIN " + r"[A-Z ]*PRIVATE KEY" + "-----"
TOKEN_PATTERNS = {
    "private key": KEY_HEADER,
    "AWS access key": r"\bAKIA[0-9A-Z]{16}\b",
    "GitHub token": r"\bgh[pousr]_[A-Za-z0-9]{36,}\b",
    "Slack token": r"\bxox[abprs]-[A-Za-z0-9-]{10,}",
    "API key (sk-)": r"\bsk-[A-Za-z0-9_-]{20,}",
    "Google API key": r"\bAIza[0-9A-Za-z_-]{35}\b",
    "password in a URL": r"[a-z+]+://[^/\s:@'\"]+:[^/\s:@'\"{}$<>]{3,}@",
}
# An assignment of a literal to something named like a credential (Swedish too). Test fixtures may
# hold throw-away passwords for servers they start on loopback themselves, so tests/ is exempt.
ASSIGNMENT = re.compile(r"(?i)\b(?P<name>[\w.]*(password|passwd|lösenord|secret|token|api_?key)[\w]*)\s*[:=]\s*"
                        r"['\"](?P<value>[^'\"\s]{6,})['\"]")
# Names, not values: a file a secret is kept in, or the environment variable that holds it.
NOT_A_VALUE = re.compile(r"^([\w.-]+\.(txt|json|db|sqlite|csv|toml|html|md|py)|[A-Z][A-Z0-9_]+)$")
NAMES_A_PLACE = re.compile(r"(?i)(_file|_path|_dir|_name|_env|_var)$")


def credential_assignments(text: str) -> list[str]:
    return [m.group(0)[:60] for m in ASSIGNMENT.finditer(text)
            if not NOT_A_VALUE.match(m.group("value")) and not NAMES_A_PLACE.search(m.group("name"))]


def tracked_files() -> list[Path]:
    root = repo_root()
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True).stdout
    return [root / name for name in listed.decode().split("\0") if name and (root / name).is_file()]


def test_is_no_private_key_token_or_password_committed():
    found = []
    for path in tracked_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        relative = path.relative_to(repo_root())
        for label, pattern in TOKEN_PATTERNS.items():
            if path.name != Path(__file__).name and re.search(pattern, text):
                found.append(f"{relative}: {label}")
        if relative.parts[0] != "tests":
            found += [f"{relative}: {hit}" for hit in credential_assignments(text)]
    assert found == []


@pytest.mark.parametrize("sample, label", [
    ("-----BEGIN RSA PRIVATE KEY-----\nMIIE", "private key"),
    ("-----BEGIN OPENSSH PRIVATE KEY-----", "private key"),
    ("aws = 'AKIAABCDEFGHIJKLMNOP'", "AWS access key"),
    ("smtp://kursledare:hemligt123@smtp.bibliotek.example", "password in a URL"),
])
def test_would_the_scan_catch_a_real_secret(sample, label):
    assert re.search(TOKEN_PATTERNS[label], sample)


def test_would_the_scan_catch_a_password_written_into_code():
    assert credential_assignments('SMTP_PASSWORD = "Sommar2027!"')
    assert credential_assignments("lösenord: 'biblioteket123'")
    assert not credential_assignments('password = os.environ.get("ENSAK_SMTP_PASSWORD", "")')
    assert not credential_assignments('SECRET_FILE = "submission_secret.txt"')
    assert not credential_assignments('TOKEN_FILE = "coordinator-token"')


@pytest.mark.parametrize("name", ["roster.csv", "gradebook/gradebook.db", "gradebook/sync-state.db", "outbox/x.eml",
                                  "submitted/anna/00-valkommen/svar.json", "feedback/anna/x.html", "exchange/x",
                                  "reports/rapport.html", "backups/ensak-backup.tar.gz", "restore-20270101-120000/x",
                                  "blog/kursbloggen.db", "blog/local-token", ".env"])
def test_are_personal_data_and_secrets_kept_out_of_git(name):
    """Is every file ensak writes with personal data (or a secret) ignored by git in the course directory?"""
    ignored = subprocess.run(["git", "check-ignore", "-q", name], cwd=repo_root())
    assert ignored.returncode == 0, f"{name} could be committed"


# --- the demo login ------------------------------------------------------------------------------


@pytest.mark.parametrize("bind_url, hub_bind_url", [
    ("http://0.0.0.0:8000", ""), ("http://:8000", ""), ("http://[::]:8000", ""),
    ("http://192.168.1.20:8000", ""), ("http://bibliotek.example:8000", ""),
    ("http://127.0.0.1:8000", "http://0.0.0.0:8081"),
])
def test_does_the_demo_login_refuse_any_address_but_loopback(bind_url, hub_bind_url):
    """JupyterHub's own configuration object, checked by the authenticator as at hub start-up."""
    from jupyterhub.app import JupyterHub

    hub = JupyterHub(bind_url=bind_url, hub_bind_url=hub_bind_url)
    authenticator = LoopbackDemoAuthenticator(parent=hub, user_password="ett-langt-demolosenord",
                                              allowed_users={"anna"})
    with pytest.raises(NotLoopbackError, match="vägrar starta"):
        authenticator.check_allow_config()
    ok = LoopbackDemoAuthenticator(parent=JupyterHub(bind_url="http://127.0.0.1:8000",
                                                     hub_bind_url="http://127.0.0.1:8081"),
                                   user_password="ett-langt-demolosenord", allowed_users={"anna"})
    ok.check_allow_config()
