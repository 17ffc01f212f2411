"""Kursbloggen as a JupyterHub service: `python -m ensak.outreach.kursbloggen --course-dir DIR`.

The hub starts it with the service's environment (JUPYTERHUB_SERVICE_URL to listen on, JUPYTERHUB_SERVICE_PREFIX
for its pages, JUPYTERHUB_API_TOKEN and JUPYTERHUB_CLIENT_ID for OAuth), and proxies /services/kursbloggen/ to it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import urllib.parse
from pathlib import Path

from ensak.outreach.kursbloggen.database import BLOG_FOLDER

COOKIE_SECRET_FILE = "cookie-secret"


# A hex secret of 32 bytes, as cookie_secret makes and as `openssl rand -hex 32` gives for a Kubernetes Secret.
MIN_SECRET_CHARS = 32


class CookieSecretError(ValueError):
    """The cookie secret given cannot be used; the message says what to do."""


def cookie_secret(folder: Path) -> bytes:
    """Kept between restarts, so that a restarted service neither logs anyone out nor rejects a form being filled in."""
    return cookie_secret_from_file(folder / COOKIE_SECRET_FILE)


def cookie_secret_from_file(path: Path) -> bytes:
    """The secret kept in `path`, made (readable by its owner only) on first use.

    On Kubernetes the file is a key of a Secret mounted read-only (deploy/kursbloggen.yaml): it exists, and a
    restarted or moved pod signs cookies with the same secret.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32), encoding="ascii")
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < MIN_SECRET_CHARS:
        raise CookieSecretError(f"The cookie secret in {path} is shorter than {MIN_SECRET_CHARS} characters; "
                                "make one with `openssl rand -hex 32`.")
    return secret.encode()


def main(argv: list[str] | None = None) -> None:
    from ensak.outreach.kursbloggen.app import make_app
    from ensak.outreach.kursbloggen.settings import load_settings, open_settings_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course-dir", type=Path, required=True)
    parser.add_argument("--listen-ip", default="127.0.0.1",
                        help="Address to listen on (the hub's proxy reaches the service there; every request is "
                        "authenticated by the hub).")
    parser.add_argument("--cookie-secret-file", type=Path, default=None,
                        help="File holding the secret that signs the blog's cookies (default: blog/cookie-secret in the "
                        "course directory, made on first start). On Kubernetes a mounted Secret, since the course "
                        "directory there is read-only.")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[Kursbloggen %(levelname)s %(asctime)s] %(message)s")

    service_url = urllib.parse.urlsplit(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10101"))
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/kursbloggen/")
    settings = load_settings(args.course_dir, prefix=prefix)
    secret = cookie_secret_from_file(args.cookie_secret_file) if args.cookie_secret_file else \
        cookie_secret(settings.course_dir / BLOG_FOLDER)
    engine = open_settings_database(settings)
    app = make_app(settings, engine, hub=True, cookie_secret=secret)

    async def serve():
        app.listen(service_url.port or 80, address=args.listen_ip, xheaders=True)
        logging.info("Kursbloggen for %s at %s (database %s)", settings.course_id, prefix,
                     engine.url.render_as_string(hide_password=True))
        await asyncio.Event().wait()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
