"""Benchmark Kursbloggen: a course with 2,000 posts and 20,000 comments, page and post latency through the service.

    python bench/blog.py [--posts 2000] [--comments 20000] [--requests 200] [--keep]

1. A course instance with 60 learners and an nbgrader gradebook (so that reflections' formgrader comments are
   looked up, as in a real course); the blog's database is filled directly: reflections, questions and tips
   over three months, comments spread over the posts, a third of them replies to another comment.
2. `ensak blog serve`'s application runs in a process of its own on loopback; a learner's persistent HTTP
   connection reads pages (start page, an older page, a task's page, a post with its comments) and writes
   (comments and posts through the JSON API, the way the sharing widget and the demo do).

The last line is fixed (issue 15):
posts=2000 comments=20000 page_p95_ms=<n> post_p95_ms=<n>
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

LEARNERS = 60
START = dt.datetime(2027, 1, 11, 8, tzinfo=dt.timezone.utc)
WORDS = ("bibliotek blogg låntagare sociala medier twitter podd wikipedia källkritik samarbete omvärldsbevakning "
         "lärande kollegor fråga tips reflektion katalog läsfrämjande").split()


def log(message: str) -> None:
    print(message, flush=True)


def text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def make_course(work: Path) -> Path:
    from ensak.course.instance import create_instance
    from ensak.course.roster import write_roster

    course_dir = create_instance(work / "kurs")
    write_roster(course_dir, pd.DataFrame([{"id": f"deltagare{n:02d}", "first_name": f"Förnamn{n}",
                                            "last_name": f"Efternamn{n}", "email": f"d{n}@bibliotek.example"}
                                           for n in range(LEARNERS)]))
    return course_dir


def fill(settings, n_posts: int, n_comments: int, rng: random.Random) -> None:
    """Posts and comments written straight into the blog's tables (what months of a course leave behind)."""
    from nbgrader.api import Gradebook

    from ensak.outreach.kursbloggen.database import open_blog_database, stored_time
    from ensak.outreach.kursbloggen.schema import comments, posts

    with Gradebook(settings.gradebook_url, settings.course_id):
        pass  # nbgrader's tables exist, as in any course that has released a task
    learners = [f"deltagare{n:02d}" for n in range(LEARNERS)]
    tasks = list(settings.tasks)
    pairs = [(learner, task) for learner in learners for task in tasks]
    rng.shuffle(pairs)
    span = dt.timedelta(days=90).total_seconds()
    post_rows = []
    for number in range(n_posts):
        created = stored_time(START + dt.timedelta(seconds=span * number / n_posts))
        if number % 10 < 3 and pairs:
            author, task = pairs.pop()
            post_rows.append({"author": author, "kind": "reflektion", "task": task, "title": "",
                              "body": text(rng, 120), "shared": True, "publish": rng.random() < 0.3,
                              "created": created})
        else:
            post_rows.append({"author": rng.choice(learners), "kind": rng.choice(["fraga", "tips"]),
                              "task": rng.choice([None, *tasks]), "title": text(rng, 5), "body": text(rng, 60),
                              "shared": True, "publish": False, "created": created})
    engine = open_blog_database(settings.db_url)
    with engine.begin() as conn:
        conn.execute(sa.insert(posts), post_rows)
        post_ids = list(conn.execute(sa.select(posts.c.id, posts.c.created).order_by(posts.c.id)))
    by_post: dict[int, list[int]] = {}
    next_id = 1
    comment_rows = []
    for _ in range(n_comments):
        post_id, created = rng.choice(post_ids)
        earlier = by_post.setdefault(post_id, [])
        parent = rng.choice(earlier) if earlier and rng.random() < 0.33 else None
        comment_rows.append({"id": next_id, "post_id": post_id, "parent_id": parent, "author": rng.choice(learners),
                             "body": text(rng, 25), "by_coordinator": False,
                             "created": created + dt.timedelta(minutes=10 + 7 * len(earlier))})
        earlier.append(next_id)
        next_id += 1
    with engine.begin() as conn:
        for chunk in range(0, len(comment_rows), 5000):
            conn.execute(sa.insert(comments), comment_rows[chunk:chunk + 5000])
    engine.dispose()


def start_server(course_dir: Path, port: int) -> subprocess.Popen:
    code = ("import sys; from ensak.outreach.kursbloggen.settings import load_settings; "
            "from ensak.outreach.kursbloggen.local import serve_local; "
            f"serve_local(load_settings(sys.argv[1]), port={port}, echo=lambda m: print(m, flush=True))")
    return subprocess.Popen([sys.executable, "-c", code, str(course_dir)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


class Learner:
    """One learner's persistent connection to the local blog (the local token, as the demo's colleagues use)."""

    def __init__(self, port: int, token: str, learner: str):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": f"token {token}", "X-Ensak-Learner": learner}

    def timed(self, method: str, path: str, body: dict | None = None) -> float:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        self.connection.request(method, path, body=data, headers=headers)
        answer = self.connection.getresponse()
        content = answer.read()
        elapsed = (time.perf_counter() - started) * 1000
        if answer.status not in (200, 201):
            raise SystemExit(f"{method} {path} answered {answer.status}: {content[:300]!r}")
        return elapsed


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--comments", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=200, help="page requests; half as many writes")
    parser.add_argument("--keep", action="store_true", help="keep the course folder")
    args = parser.parse_args()
    from ensak.hub.runner import free_port
    from ensak.outreach.kursbloggen.identity import local_token
    from ensak.outreach.kursbloggen.settings import load_settings

    rng = random.Random(15)
    work = Path(tempfile.mkdtemp(prefix="ensak-bench-blog-"))
    server = None
    try:
        course_dir = make_course(work)
        settings = load_settings(course_dir)
        started = time.perf_counter()
        fill(settings, args.posts, args.comments, rng)
        log(f"Filled {args.posts} posts and {args.comments} comments in {time.perf_counter() - started:.1f} s "
            f"({settings.db_url})")
        port = free_port()
        server = start_server(course_dir, port)
        token = local_token(course_dir / "blog")
        reader = Learner(port, token, "deltagare07")
        deadline = time.monotonic() + 60
        while True:
            try:
                reader.timed("GET", "/api/me")
                break
            except (ConnectionError, OSError):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"the blog did not start:\n{server.stdout.read() if server.poll() else ''}")
                time.sleep(0.2)
                reader = Learner(port, token, "deltagare07")
        pages_total = -(-args.posts // 20)
        tasks = list(settings.tasks)
        for _ in range(10):  # warm-up: templates compiled, nbgrader's ORM imported, caches filled
            reader.timed("GET", "/")
            reader.timed("GET", "/inlagg/1")
        kinds = {"start": [], "older page": [], "task page": [], "post page": []}
        for number in range(args.requests):
            kind = list(kinds)[number % 4]
            path = {"start": "/", "older page": f"/?sida={rng.randint(2, pages_total)}",
                    "task page": f"/uppgift/{rng.choice(tasks)}",
                    "post page": f"/inlagg/{rng.randint(1, args.posts)}"}[kind]
            kinds[kind].append(reader.timed("GET", path))
        writes = {"comment": [], "post": [], "reflection": []}
        writers = [Learner(port, token, f"deltagare{n:02d}") for n in range(LEARNERS)]
        for number in range(args.requests // 2):
            writer = writers[number % LEARNERS]
            if number % 3 == 0:
                writes["comment"].append(writer.timed("POST", f"/api/posts/{rng.randint(1, args.posts)}/comments",
                                                      {"text": text(rng, 20)}))
            elif number % 3 == 1:
                writes["post"].append(writer.timed("POST", "/api/posts", {"kind": "fraga", "title": text(rng, 4),
                                                                         "text": text(rng, 50)}))
            else:  # what the sharing widget sends: a new reflection, or a changed one
                writes["reflection"].append(writer.timed("PUT", f"/api/reflections/{rng.choice(tasks)}",
                                                         {"text": text(rng, 120), "share": True, "publish": False}))
        for name, values in {**kinds, **writes}.items():
            log(f"  {name:<11} n={len(values):>3} median={statistics.median(values):6.1f} ms "
                f"p95={p95(values):6.1f} ms max={max(values):6.1f} ms")
        page_times = [value for values in kinds.values() for value in values]
        post_times = [value for values in writes.values() for value in values]
        print(f"posts={args.posts} comments={args.comments} page_p95_ms={p95(page_times):.0f} "
              f"post_p95_ms={p95(post_times):.0f}", flush=True)
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            server.wait(10)
        if args.keep:
            log(f"Kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    # nbgrader makes its gradebook with the `alembic` executable of this environment.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    main()
