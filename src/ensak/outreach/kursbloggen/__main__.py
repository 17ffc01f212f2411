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

COOKIE_SECRET_FILE = "cookie-secret"


def cookie_secret(folder: Path) -> bytes:
    """Kept between restarts, so that a restarted service neither logs anyone out nor rejects a form being filled in."""
    path = folder / COOKIE_SECRET_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32), encoding="ascii")
    return path.read_text(encoding="ascii").strip().encode()


def main(argv: list[str] | None = None) -> None:
    from ensak.outreach.kursbloggen.app import make_app
    from ensak.outreach.kursbloggen.database import open_blog_database
    from ensak.outreach.kursbloggen.settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course-dir", type=Path, required=True)
    parser.add_argument("--listen-ip", default="127.0.0.1",
                        help="Address to listen on (the hub's proxy reaches the service there; every request is "
                        "authenticated by the hub).")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[Kursbloggen %(levelname)s %(asctime)s] %(message)s")

    service_url = urllib.parse.urlsplit(os.environ.get("JUPYTERHUB_SERVICE_URL", "http://127.0.0.1:10101"))
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/kursbloggen/")
    settings = load_settings(args.course_dir, prefix=prefix)
    engine = open_blog_database(settings.db_url)
    app = make_app(settings, engine, hub=True, cookie_secret=cookie_secret(settings.course_dir / "blog"))

    async def serve():
        app.listen(service_url.port or 80, address=args.listen_ip, xheaders=True)
        logging.info("Kursbloggen for %s at %s (database %s)", settings.course_id, prefix,
                     engine.url.render_as_string(hide_password=True))
        await asyncio.Event().wait()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
