"""Kursbloggen as a service of `ensak hub`: what the hub's configuration needs to start, proxy and admit it.

One service per course the hub runs: `kursbloggen` for the first course (at /services/kursbloggen/), and
`kursbloggen-<course id>` for each further one. The hub starts and stops each (`command`), proxies it, and
hands it the environment for OAuth. For learners:
- a role grants every hub user `access:services!service=<name>` for each blog (the service itself then
  admits only its own course's members, so a member of another course gets 403 from the blog);
- their servers' own token (JUPYTERHUB_API_TOKEN, what the sharing widget sends) carries the same scope;
- their servers learn the blog's address from ENSAK_BLOG_URL (one course) or ENSAK_BLOG_URLS ({course id: url}).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

SERVICE_NAME = "kursbloggen"   # the name learners' servers look for, too (ensak.learner.blog_client)
# What the blog's process needs from the hub's own environment (a managed service gets nothing unasked).
PASSED_ON = ("ENSAK_DB_URL", "ENSAK_BLOG_DB_URL")
ROLE_NAME = "kursbloggen-deltagare"


@dataclass(frozen=True)
class BlogService:
    name: str
    course_dir: Path
    course_id: str
    port: int

    def url(self, hub_url: str) -> str:
        """The blog's address through the hub's proxy."""
        return f"{hub_url}/services/{self.name}/"

    @property
    def access_scope(self) -> str:
        return f"access:services!service={self.name}"


@dataclass
class BlogHubConfig:
    services: list[dict] = field(default_factory=list)
    roles: list[dict] = field(default_factory=list)
    spawner_environment: dict[str, str] = field(default_factory=dict)
    server_token_scopes: list[str] = field(default_factory=list)


def blog_services(courses: dict[Path, str], ports: list[int]) -> list[BlogService]:
    """One service per course, in the order the hub lists its courses."""
    return [BlogService(name=SERVICE_NAME if number == 0 else f"{SERVICE_NAME}-{course_id}",
                        course_dir=Path(course_dir), course_id=course_id, port=port)
            for number, ((course_dir, course_id), port) in enumerate(zip(courses.items(), ports))]


def _server_role_scopes() -> list[str]:
    from jupyterhub.roles import get_default_roles

    return next(role["scopes"] for role in get_default_roles() if role["name"] == "server")


def blog_hub_config(services: list[BlogService], hub_url: str, users: list[str], *,
                    python: str = sys.executable, environ: dict[str, str] | None = None) -> BlogHubConfig:
    """The pieces of JupyterHub's configuration that run the course blogs."""
    environ = os.environ if environ is None else environ
    passed = {name: environ[name] for name in PASSED_ON if environ.get(name)}
    if len(services) == 1 and environ.get("ENSAK_COURSE_ID"):
        passed["ENSAK_COURSE_ID"] = environ["ENSAK_COURSE_ID"]
    entries = [{
        "name": service.name,
        "display": True,
        "info": {"beskrivning": "Kursbloggen: kursens slutna blogg"},
        "url": f"http://127.0.0.1:{service.port}",
        "command": [python, "-m", "ensak.outreach.kursbloggen", "--course-dir", str(service.course_dir)],
        "environment": {**passed, "PYTHONUNBUFFERED": "1"},
        # Learners came through the hub's login already: no second "authorize" page.
        "oauth_no_confirm": True,
    } for service in services]
    scopes = [service.access_scope for service in services]
    urls = {service.course_id: service.url(hub_url) for service in services}
    environment = {"ENSAK_BLOG_URL": services[0].url(hub_url)} if len(services) == 1 else \
        {"ENSAK_BLOG_URLS": json.dumps(urls)}
    return BlogHubConfig(
        services=entries,
        roles=[{"name": ROLE_NAME, "description": "Läsa och skriva i kursbloggarna", "scopes": scopes,
                "users": list(users)}],
        spawner_environment=environment,
        server_token_scopes=[*_server_role_scopes(), *scopes],
    )
