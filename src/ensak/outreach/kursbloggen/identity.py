"""Who is asking: the hub's OAuth (every request under a real JupyterHub) or the local identity of `ensak blog serve`.

Under the hub, HubOAuthenticated identifies a browser by the cookie the hub's OAuth hand-over set, and the
learner's kernel or server by its own hub token (`Authorization: token $JUPYTERHUB_API_TOKEN`). Cookie
requests that change something must carry the XSRF token; token requests need none (a browser cannot be
tricked into sending a token header).

On one machine without a hub (`ensak blog serve`, loopback only) a person picks their name from the roster
(no password: whoever can use this computer's loopback is trusted, as with the hub's demo login), and a
program (the demo's colleagues) sends the local token from blog/local-token with `X-Ensak-Learner: <id>`.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path

from jupyterhub.services.auth import HubOAuthenticated

LOCAL_COOKIE = "ensak-kursbloggen"
LOCAL_TOKEN_FILE = "local-token"
LEARNER_HEADER = "X-Ensak-Learner"


class HubIdentity(HubOAuthenticated):
    """JupyterHub's OAuth; the user model gives the name, the admin flag and the groups."""

    def check_xsrf_cookie(self):
        # Tornado checks XSRF before anyone is identified; identifying a token request first lets
        # JupyterHub's check know that no XSRF token is needed for it.
        if "Authorization" in self.request.headers:
            self.current_user  # noqa: B018 - identifies and caches
        return super().check_xsrf_cookie()


class LocalIdentity:
    """Loopback only: a signed cookie from the name picker, or the local token for programs."""

    _token_authenticated = False

    def get_current_user(self):
        header = self.request.headers.get("Authorization", "")
        if header:
            scheme, _, token = header.partition(" ")
            expected = self.settings["blog"].local_token
            learner = self.request.headers.get(LEARNER_HEADER, "").strip()
            if scheme.lower() in ("token", "bearer") and expected and learner and \
                    hmac.compare_digest(token.strip().encode(), expected.encode()):
                self._token_authenticated = True
                return {"name": learner, "admin": False, "groups": []}
            return None
        name = self.get_signed_cookie(LOCAL_COOKIE)
        return {"name": name.decode(), "admin": False, "groups": []} if name else None

    def get_login_url(self):
        return self.settings["blog"].settings.prefix + "logga-in"

    def check_xsrf_cookie(self):
        if "Authorization" in self.request.headers:
            self.current_user  # noqa: B018
            if self._token_authenticated:
                return None
        return super().check_xsrf_cookie()


def local_token(folder: Path) -> str:
    """The local token in `folder` (made on first use, readable by its owner only)."""
    path = Path(folder) / LOCAL_TOKEN_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32), encoding="ascii")
    return path.read_text(encoding="ascii").strip()
