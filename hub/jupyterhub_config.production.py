# JupyterHub for the real course: the library's single sign-on (OAuth/OpenID Connect), HTTPS, one OS
# account per learner, learners' JupyterLab as in `ensak hub`, the coordinator with formgrader.
# docs/hub.md explains each choice. Run as root:  jupyterhub -f hub/jupyterhub_config.production.py
#
# Needs, besides ensak's environment:  uv pip install oauthenticator jupyterhub-idle-culler
# and these environment variables (e.g. in the systemd unit, never in this file):
#   ENSAK_COURSE_DIR        the course directory (course.toml, roster.csv), e.g. /srv/ensak/kurs
#   ENSAK_EXCHANGE          the shared exchange, e.g. /srv/nbgrader/exchange (the same for `ensak sync`)
#   ENSAK_HUB_URL           the public address, e.g. https://kurs.bibliotek.example
#   ENSAK_COORDINATORS      comma-separated user names with formgrader and hub admin rights
#   OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, OAUTH2_AUTHORIZE_URL, OAUTH2_TOKEN_URL, OAUTH2_USERDATA_URL
#   ENSAK_TLS_CERT, ENSAK_TLS_KEY   unless a reverse proxy in front terminates HTTPS
import os
import sys
from pathlib import Path

from ensak.course.roster import load_roster
from ensak.hub.accounts import DEFAULT_HOME_ROOT, ensure_learner_accounts
from ensak.hub.blog_service import blog_hub_config, blog_services
from ensak.hub.runner import find_proxy, learner_config_dir
from ensak.nbgrader.api import load_config

c = get_config()  # noqa: F821  (JupyterHub provides get_config)

course_dir = Path(os.environ["ENSAK_COURSE_DIR"])
exchange = os.environ["ENSAK_EXCHANGE"]
public_url = os.environ["ENSAK_HUB_URL"]
coordinators = {name.strip() for name in os.environ.get("ENSAK_COORDINATORS", "").split(",") if name.strip()}
learners = set(load_roster(course_dir)["id"])  # active learners only: who has left cannot log in
state = Path(os.environ.get("ENSAK_HUB_STATE", "/var/lib/ensak-hub"))

# --- where the hub listens ------------------------------------------------------------------
c.JupyterHub.bind_url = "https://0.0.0.0:443" if os.environ.get("ENSAK_TLS_CERT") else "http://127.0.0.1:8000"
if os.environ.get("ENSAK_TLS_CERT"):
    c.JupyterHub.ssl_cert = os.environ["ENSAK_TLS_CERT"]
    c.JupyterHub.ssl_key = os.environ["ENSAK_TLS_KEY"]
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.command = [find_proxy()]
c.ConfigurableHTTPProxy.pid_file = str(state / "jupyterhub-proxy.pid")
# A hub restart (an upgrade, a new roster) must not throw learners out of a half-written reflection.
c.JupyterHub.cleanup_servers = False

# --- who may log in -------------------------------------------------------------------------
c.JupyterHub.authenticator_class = "oauthenticator.generic.GenericOAuthenticator"
c.GenericOAuthenticator.oauth_callback_url = f"{public_url}/hub/oauth_callback"
c.GenericOAuthenticator.scope = ["openid", "profile", "email"]
# The hub user name must equal the roster id (and so the OS account and nbgrader's learner id), so
# the e-mail address the identity provider vouches for is looked up in the roster. Anyone not in it
# gets a name that is not allowed, and is turned away.
roster = load_roster(course_dir)
id_by_email = {email.strip().lower(): learner for email, learner in zip(roster["email"], roster["id"])}
c.GenericOAuthenticator.username_claim = lambda user: id_by_email.get(
    user["email"].strip().lower(), user["email"].split("@")[0].lower())
c.Authenticator.allowed_users = learners | coordinators
c.Authenticator.admin_users = coordinators
# Alternative without single sign-on (see docs/hub.md): learners sign up, the coordinator approves.
#   c.JupyterHub.authenticator_class = "nativeauthenticator.NativeAuthenticator"
#   c.NativeAuthenticator.open_signup = False
#   c.NativeAuthenticator.check_common_password = True

# --- each person's JupyterLab ---------------------------------------------------------------
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [str(Path(sys.prefix) / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.env_keep = []
course_id = load_config(course_dir).CourseDirectory.course_id
# Kursbloggen, the course's closed blog, as a hub service at /services/kursbloggen/ (docs/kursbloggen.md):
# learners reach it through the hub's OAuth, their servers' own token may call its API (the sharing widget).
BLOG_PORT = int(os.environ.get("ENSAK_BLOG_PORT", "10101"))
blogs = blog_hub_config(blog_services({course_dir: course_id}, [BLOG_PORT]), public_url.rstrip("/"),
                        sorted(learners | coordinators))
c.Spawner.server_token_scopes = blogs.server_token_scopes


def person_environment(spawner):
    """Learners get the learner setup (no formgrader); coordinators the full JupyterLab in the course directory."""
    env = {"PATH": f"{Path(sys.prefix) / 'bin'}:/usr/local/bin:/usr/bin:/bin", "VIRTUAL_ENV": sys.prefix,
           "LANG": "C.UTF-8", "ENSAK_EXCHANGE": exchange, "ENSAK_COURSE_ID": course_id, **blogs.spawner_environment}
    if spawner.user.name not in coordinators:
        env["JUPYTER_CONFIG_PATH"] = str(learner_config_dir(Path(sys.prefix)))
    return env


def make_account(spawner):
    """An OS account on first login, made the way `ensak hub` makes them (never taking over another account).

    Coordinators use their own existing accounts, with write access to the course directory.
    """
    if spawner.user.name in learners:
        ensure_learner_accounts([spawner.user.name], DEFAULT_HOME_ROOT)
    spawner.environment = person_environment(spawner)


c.Spawner.pre_spawn_hook = make_account
c.LocalProcessSpawner.notebook_dir = "~"

# --- keep the machine free for those who are working ----------------------------------------
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler", "--timeout=3600"],
}, *blogs.services]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}, *blogs.roles]
