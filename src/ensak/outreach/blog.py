"""Kursbloggen, the closed course blog: shared reflections, the coordinator's comments and colleagues' answers.

Data flows the course's usual way. Learners choose in each task whether to share their reflection
(ensak.learner.SharingChoice, saved in the answers file that travels with the submission). `update_blog`
reads the collected submissions and the coordinator's formgrader comments, writes one notebook and one
HTML page per task into source/kursbloggen/, and releases that as its own nbgrader assignment, which
learners fetch like a task. Comments written in the blog (ensak.learner.BlogComment) come back through
nbgrader submit and collect; a ledger in blog/comments.json keeps each one exactly once.

The blog is not in course.toml, so progress analytics, reminders and the release schedule ignore it.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
import shutil
import tempfile
from contextlib import chdir
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable
from zoneinfo import ZoneInfo

import mistune
import nbformat
import sqlalchemy as sa
from jinja2 import Environment, PackageLoader, StrictUndefined
from traitlets.config import Config

from ensak.analytics.gradebook import (
    LOCAL_TIMEZONE,
    gradebook_url,
    open_gradebook,
    read_students,
)
from ensak.atomic_files import write_atomically
from ensak.course.plan import Course, Task, load_course
from ensak.learner.answers import ANSWERS_FILE, AnswersFileError, read_answers_file
from ensak.learner.sharing import (
    COMMENT_KEY_PREFIX,
    MAX_COMMENT_CHARS,
    SHARING_KEY,
    sharing_from_answer,
)
from ensak.nbgrader import schema as nb
from ensak.nbgrader.api import load_config, make_api, require_success
from ensak.nbgrader.authoring import REFLECTION_PLACEHOLDER, task_notebook, text, widget
from ensak.nbgrader.timestamps import submitted_at
from ensak.slugs import ascii_slug
from ensak.swedish import swedish_date

BLOG_ID = "kursbloggen"
REFLECTION_CELL = "reflektion"
ABOUT_NOTEBOOK = "om-kursbloggen.ipynb"
INDEX_PAGE = "index.html"
STATE_FOLDER = "blog"
LEDGER_FILE = "comments.json"
EXPORT_MARKER = ".ensak-blog-export"
# The public export's folder may hold only what the export wrote, so a withdrawn consent is honoured
# by the next export: these are the files it replaces.
EXPORT_PATTERN = "*.md"

_LOCAL = ZoneInfo(LOCAL_TIMEZONE)
_HEADING = re.compile(r"^(#{1,6})(?=\s)", flags=re.MULTILINE)


class BlogError(RuntimeError):
    """The blog cannot be compiled or exported; the message is Swedish and says what to do."""


@dataclass(frozen=True)
class Post:
    """A learner's reflection on one task, as their latest submission has it."""

    task: str
    learner: str
    text: str
    submitted: dt.datetime | None   # UTC, from nbgrader's timestamp.txt
    share: bool
    publish: bool
    coordinator_comment: str = ""

    @property
    def id(self) -> str:
        return post_id(self.task, self.learner)


@dataclass(frozen=True)
class Comment:
    """A learner's answer to a post, attributed to the learner whose submission carried it."""

    id: str
    post: str
    author: str
    text: str
    written: str   # ISO time the learner's widget saved it

    @property
    def ledger_key(self) -> str:
        return f"{self.author}/{self.id}"


@dataclass
class BlogSummary:
    posts: int = 0
    tasks: list[str] = field(default_factory=list)
    comments: int = 0
    new_comments: int = 0
    released: bool = False
    changed: bool = False
    index: Path | None = None
    problems: list[str] = field(default_factory=list)


def post_id(task_id: str, learner: str) -> str:
    """A short, stable id for a learner's post on a task (the key of its comment box)."""
    return hashlib.sha256(f"{task_id}/{learner}".encode()).hexdigest()[:12]


def blog_folder(course_dir: Path | str) -> Path:
    """Where the compiled blog is written: nbgrader's source folder for the blog assignment."""
    return Path(course_dir) / "source" / BLOG_ID


def blog_index(course_dir: Path | str) -> Path | None:
    """The blog's HTML start page, if the blog has been compiled."""
    path = blog_folder(course_dir) / INDEX_PAGE
    return path if path.is_file() else None


# --- reading what learners handed in -------------------------------------------------------------------


def reflection_text(notebook: nbformat.NotebookNode) -> str:
    """The learner's reflection in a submitted task notebook; "" if it was left unwritten."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("grade_id") == REFLECTION_CELL:
            written = cell.source.strip()
            return "" if written in ("", REFLECTION_PLACEHOLDER) else written
    return ""


def read_posts(course_dir: Path | str, course: Course | None = None) -> tuple[list[Post], list[str]]:
    """Every reflection its author chose to share or publish, from the collected submissions.

    Returns (posts, problems). A reflection whose answers file does not say yes is never opened.
    """
    course_dir = Path(course_dir)
    course = course if course is not None else load_course(course_dir)
    submitted = course_dir / "submitted"
    posts: list[Post] = []
    problems: list[str] = []
    if not submitted.is_dir():
        return posts, problems
    for task in course.tasks:
        for folder in sorted(submitted.glob(f"*/{task.id}")):
            learner = folder.parent.name
            try:
                choice = sharing_from_answer(read_answers_file(folder / ANSWERS_FILE).get(SHARING_KEY, {}).get("value"))
            except (AnswersFileError, OSError, AttributeError):
                # An unreadable answers file says nothing: nothing is shared.
                problems.append(f"{learner} {task.id}: svarsfilen gick inte att läsa, inlägget delas inte.")
                continue
            if not (choice["share"] or choice["publish"]):
                continue
            try:
                notebook = nbformat.read(folder / task.notebook, as_version=4)
            except (OSError, ValueError) as exc:
                problems.append(f"{learner} {task.id}: anteckningsboken gick inte att läsa ({exc}).")
                continue
            written = reflection_text(notebook)
            if written:
                posts.append(Post(task=task.id, learner=learner, text=written, submitted=submitted_at(folder),
                                  share=choice["share"], publish=choice["publish"]))
    return posts, problems




def read_coordinator_comments(gradebook: str | Path, course_id: str) -> dict[tuple[str, str], str]:
    """The coordinator's formgrader comments on reflections: {(learner, task): comment}."""
    engine = open_gradebook(gradebook)
    try:
        if "comment" not in sa.inspect(engine).get_table_names():
            return {}
        statement = (
            sa.select(nb.submitted_assignment.c.student_id, nb.assignment.c.name, nb.comment.c.manual_comment)
            .select_from(nb.comment)
            .join(nb.base_cell, nb.base_cell.c.id == nb.comment.c.cell_id)
            .join(nb.submitted_notebook, nb.submitted_notebook.c.id == nb.comment.c.notebook_id)
            .join(nb.submitted_assignment, nb.submitted_assignment.c.id == nb.submitted_notebook.c.assignment_id)
            .join(nb.assignment, nb.assignment.c.id == nb.submitted_assignment.c.assignment_id)
            .where(nb.base_cell.c.name == REFLECTION_CELL, nb.assignment.c.course_id == course_id,
                   nb.comment.c.manual_comment.is_not(None))
        )
        with engine.connect() as conn:
            rows = conn.execute(statement).all()
    finally:
        engine.dispose()
    return {(learner, task): comment.strip() for learner, task, comment in rows if comment and comment.strip()}


def learner_names(course_dir: Path | str, gradebook: str | Path | None = None) -> dict[str, tuple[str, str]]:
    """{learner: (first name, last name)}: the roster's names first (also for those who left), then the gradebook's."""
    from ensak.course.roster import load_roster

    engine = open_gradebook(gradebook if gradebook is not None else gradebook_url(course_dir))
    try:
        students = read_students(engine)
    finally:
        engine.dispose()
    names = {row.learner: (row.first_name, row.last_name) for row in students.itertuples()}
    for row in load_roster(course_dir, include_inactive=True).itertuples():
        if row.first_name or row.last_name:
            names[row.id] = (row.first_name, row.last_name)
    return names


def read_blog_comments(course_dir: Path | str) -> tuple[list[Comment], list[str]]:
    """Every comment in the collected blog submissions, attributed to the submitting learner."""
    comments: list[Comment] = []
    problems: list[str] = []
    for path in sorted((Path(course_dir) / "submitted").glob(f"*/{BLOG_ID}/{ANSWERS_FILE}")):
        author = path.parent.parent.name
        try:
            answers = read_answers_file(path)
        except (AnswersFileError, OSError):
            problems.append(f"{author} {BLOG_ID}: svarsfilen gick inte att läsa; kommentarerna i den kom inte med.")
            continue
        for key, entry in answers.items():
            if not key.startswith(COMMENT_KEY_PREFIX) or not isinstance(entry, dict):
                continue
            value = entry.get("value")
            written = value.get("comments") if isinstance(value, dict) else None
            for item in written if isinstance(written, list) else []:
                comment = _comment_from(item, key[len(COMMENT_KEY_PREFIX):], author)
                if comment is not None:
                    comments.append(comment)
    return comments, problems


def _comment_from(item: object, post: str, author: str) -> Comment | None:
    # The widget writes these; anything else (a hand-edited file) is left out rather than guessed at.
    if not isinstance(item, dict):
        return None
    comment_id, words, written = item.get("id"), item.get("text"), item.get("written", "")
    if not (isinstance(comment_id, str) and re.fullmatch(r"[0-9a-f]{8,64}", comment_id)):
        return None
    if not isinstance(words, str) or not words.strip() or len(words) > MAX_COMMENT_CHARS:
        return None
    return Comment(id=comment_id, post=post, author=author, text=words.strip(),
                   written=written if isinstance(written, str) else "")


# --- the comment ledger: each comment once, even after a fresh fetch or a resubmission ---------------


def ledger_path(course_dir: Path | str) -> Path:
    return Path(course_dir) / STATE_FOLDER / LEDGER_FILE


def load_ledger(course_dir: Path | str) -> list[Comment]:
    path = ledger_path(course_dir)
    if not path.is_file():
        return []
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))["comments"]
        return [Comment(**row) for row in rows]
    except (ValueError, KeyError, TypeError) as exc:
        raise BlogError(f"Kursbloggens kommentarer i {path} går inte att läsa ({exc}). Filen har inte ändrats; "
                        "återställ den från en säkerhetskopia eller flytta undan den.") from None


def merge_comments(ledger: list[Comment], collected: Iterable[Comment]) -> tuple[list[Comment], int]:
    """The ledger with the collected comments it did not hold yet, and how many were new."""
    known = {comment.ledger_key for comment in ledger}
    merged = list(ledger)
    for comment in collected:
        if comment.ledger_key not in known:
            known.add(comment.ledger_key)
            merged.append(comment)
    return merged, len(merged) - len(ledger)


def write_ledger(course_dir: Path | str, comments: list[Comment]) -> Path:
    path = ledger_path(course_dir)
    payload = {"format": 1, "comments": [comment.__dict__ for comment in comments]}
    write_atomically(path, json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    return path


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("ensak.outreach", "templates/blog"), undefined=StrictUndefined,
                      autoescape=lambda name: bool(name) and name.endswith(".html.j2"),
                      keep_trailing_newline=True)
    env.filters["blockquote"] = lambda value: "\n".join(f"> {line}" if line else ">" for line in value.splitlines())
    env.filters["markdown"] = _markdown_html
    return env


_MARKDOWN = mistune.create_markdown(escape=True, plugins=["strikethrough", "url"])


def _markdown_html(text: str):
    """Learners' Markdown as HTML, with any HTML they typed shown as text and harmful links removed."""
    from markupsafe import Markup

    return Markup(_MARKDOWN(text))


def demote_headings(text: str, levels: int = 2) -> str:
    """A heading in a learner's post sits under the post's own heading, not beside it."""
    return _HEADING.sub(lambda m: "#" * min(6, len(m.group(1)) + levels), text)


def local_date(stamp: dt.datetime | str | None) -> str:
    """A date as Swedes write it ("20 januari 2027"), in Swedish local time; "" if unknown."""
    if isinstance(stamp, str):
        try:
            stamp = dt.datetime.fromisoformat(stamp)
        except ValueError:
            return ""
    if stamp is None:
        return ""
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(_LOCAL)
    return swedish_date(stamp.date())


def _full_name(names: dict[str, tuple[str, str]], learner: str) -> str:
    first, last = names.get(learner, ("", ""))
    return f"{first} {last}".strip() or learner


def _sort_key(post: Post) -> tuple:
    stamp = post.submitted or dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    return (stamp, post.learner)


@dataclass(frozen=True)
class Edition:
    """Everything one compilation shows: shared posts by task (newest first) and their comments."""

    course: Course
    posts: dict[str, list[Post]]           # task id -> posts, newest first
    comments: dict[str, list[Comment]]     # post id -> comments, oldest first
    names: dict[str, tuple[str, str]]
    updated: str                           # the latest post's or comment's date, in words

    @property
    def tasks(self) -> list[Task]:
        return [task for task in self.course.tasks if self.posts.get(task.id)]


def make_edition(course: Course, posts: list[Post], comments: list[Comment],
                 names: dict[str, tuple[str, str]]) -> Edition:
    """Only posts shared with the course; only comments on those posts."""
    shared = [post for post in posts if post.share]
    by_task: dict[str, list[Post]] = {}
    for post in sorted(shared, key=_sort_key, reverse=True):
        by_task.setdefault(post.task, []).append(post)
    visible = {post.id for post in shared}
    by_post: dict[str, list[Comment]] = {}
    for comment in sorted(comments, key=lambda c: (c.written, c.author, c.id)):
        if comment.post in visible:
            by_post.setdefault(comment.post, []).append(comment)
    moments = [post.submitted for post in shared if post.submitted]
    for thread in by_post.values():
        for comment in thread:
            try:
                moments.append(dt.datetime.fromisoformat(comment.written).astimezone(dt.timezone.utc))
            except ValueError:
                pass
    return Edition(course=course, posts=by_task, comments=by_post, names=names,
                   updated=local_date(max(moments)) if moments else "")


def _post_context(edition: Edition, post: Post) -> dict:
    return {
        "id": post.id,
        "author": _full_name(edition.names, post.learner),
        "date": local_date(post.submitted),
        "text": demote_headings(post.text),
        "coordinator_comment": post.coordinator_comment,
        "comments": [{"author": _full_name(edition.names, c.author), "date": local_date(c.written), "text": c.text}
                     for c in edition.comments.get(post.id, [])],
    }


def task_notebook_for(edition: Edition, task: Task) -> nbformat.NotebookNode:
    """The blog notebook of one task: an introduction, then each post with a comment box under it."""
    env = _environment()
    cells = [text("blogg-intro", env.get_template("task-intro.md.j2").render(
        course=edition.course, task=task, number=task.number, updated=edition.updated,
        posts=len(edition.posts[task.id]), about=ABOUT_NOTEBOOK))]
    post_template = env.get_template("post.md.j2")
    for post in edition.posts[task.id]:
        context = _post_context(edition, post)
        cells.append(text(f"inlagg-{post.id}", post_template.render(post=context)))
        cells.append(widget(f"kommentar-{post.id}-widget",
                            "from ensak.learner import BlogComment\n\n"
                            f"BlogComment({json.dumps(COMMENT_KEY_PREFIX + post.id)}, "
                            f"{json.dumps(context['author'], ensure_ascii=False)})"))
    return task_notebook(cells)


def about_notebook(edition: Edition) -> nbformat.NotebookNode:
    env = _environment()
    return task_notebook([text("om-kursbloggen", env.get_template("about.md.j2").render(
        course=edition.course, updated=edition.updated,
        tasks=[{"task": task, "notebook": task.notebook, "posts": len(edition.posts[task.id])}
               for task in edition.tasks]))])


def render_task_page(edition: Edition, task: Task) -> str:
    return _environment().get_template("task.html.j2").render(
        course=edition.course, task=task, number=task.number, updated=edition.updated,
        posts=[_post_context(edition, post) for post in edition.posts[task.id]], index=INDEX_PAGE)


def render_index_page(edition: Edition) -> str:
    return _environment().get_template("index.html.j2").render(
        course=edition.course, updated=edition.updated,
        tasks=[{"task": task, "page": f"{task.id}.html", "notebook": task.notebook,
                "posts": len(edition.posts[task.id])} for task in edition.tasks])


def render_blog(edition: Edition) -> dict[str, str]:
    """Every file of the compiled blog, {relative path: content}; the same edition gives the same files."""
    files = {ABOUT_NOTEBOOK: nbformat.writes(_with_stable_ids(about_notebook(edition))) + "\n",
             INDEX_PAGE: render_index_page(edition)}
    for task in edition.tasks:
        files[task.notebook] = nbformat.writes(_with_stable_ids(task_notebook_for(edition, task))) + "\n"
        files[f"{task.id}.html"] = render_task_page(edition, task)
    return files


def _with_stable_ids(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    # nbformat gives new cells random ids; ids from the grade ids keep an unchanged blog byte-identical.
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        cell.id = hashlib.sha256(grade_id.encode()).hexdigest()[:8]
    return notebook


def _current_files(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {path.name: path.read_text(encoding="utf-8") for path in folder.iterdir()
            if path.is_file() and not path.name.startswith(".")}


def write_blog_files(course_dir: Path | str, files: dict[str, str]) -> Path:
    """Replace source/kursbloggen/ with `files`: a withdrawn post or an emptied task leaves nothing behind."""
    folder = blog_folder(course_dir)
    staging = Path(tempfile.mkdtemp(prefix=f".{BLOG_ID}-", dir=folder.parent))
    try:
        for name, content in files.items():
            (staging / name).write_text(content, encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


# --- through nbgrader: collect the comments, generate and release the blog -----------------------------


def blog_config(course_dir: Path, config: Config | None) -> Config:
    # A copy: forcing the re-release must not change how the caller releases tasks.
    config = copy.deepcopy(config) if config is not None else load_config(course_dir)
    # nbgrader refuses to overwrite a released assignment unless forced; the blog is re-released each edition.
    config.ExchangeReleaseAssignment.force = True
    return config


def update_blog(course_dir: Path | str, *, config: Config | None = None, force: bool = False) -> BlogSummary:
    """Collect comments, compile the blog from what learners share, and (re-)release it if anything changed.

    Nothing is released until someone has shared a reflection; once released, the blog is kept up to date
    (and emptied if everyone withdraws). `force` releases even an unchanged edition.
    """
    from ensak.course.lock import course_lock

    course_dir = Path(course_dir).resolve()
    with course_lock(course_dir, BLOG_ID):
        return _update_blog(course_dir, blog_config(course_dir, config), force)


def _update_blog(course_dir: Path, config: Config, force: bool) -> BlogSummary:
    course = load_course(course_dir)
    summary = BlogSummary()
    with chdir(course_dir):
        api = make_api(course_dir, config)
        released = BLOG_ID in set(api.get_released_assignments())
        if released:
            result = api.collect(BLOG_ID, update=True)
            if not result.get("success"):
                summary.problems.append(f"collect {BLOG_ID}: {result.get('error') or result.get('log')}")
    collected, problems = read_blog_comments(course_dir)
    summary.problems.extend(problems)
    ledger, summary.new_comments = merge_comments(load_ledger(course_dir), collected)
    if summary.new_comments:
        write_ledger(course_dir, ledger)

    posts, problems = read_posts(course_dir, course)
    summary.problems.extend(problems)
    if not released and not any(post.share for post in posts):
        # Nobody has shared anything yet: nothing to release (and a sync pays no more than this glance).
        return summary
    gradebook = str(config.CourseDirectory.db_url)
    comments = read_coordinator_comments(gradebook, str(config.CourseDirectory.course_id))
    posts = [replace(post, coordinator_comment=comments.get((post.learner, post.task), "")) for post in posts]
    edition = make_edition(course, posts, ledger, learner_names(course_dir, gradebook))
    summary.posts = sum(len(p) for p in edition.posts.values())
    summary.tasks = [task.id for task in edition.tasks]
    summary.comments = sum(len(c) for c in edition.comments.values())

    files = render_blog(edition)
    summary.changed = files != _current_files(blog_folder(course_dir))
    if summary.changed:
        write_blog_files(course_dir, files)
    if summary.changed or force or not released:
        with chdir(course_dir):
            api = make_api(course_dir, config)
            require_success(api.generate_assignment(BLOG_ID, force=True, create=True), f"generate_assignment {BLOG_ID}")
            require_success(api.release_assignment(BLOG_ID), f"release_assignment {BLOG_ID}")
        summary.released = True
    summary.index = blog_index(course_dir)
    return summary


def update_blog_after_sync(course_dir: Path | str, *, config: Config | None = None) -> list[str]:
    """Sync's hook: bring the blog up to date; a blog problem is reported, never allowed to stop a sync."""
    try:
        return [f"{BLOG_ID}: {problem}" for problem in update_blog(course_dir, config=config).problems]
    except Exception as exc:  # noqa: BLE001 - the gradebook matters more than the blog
        return [f"{BLOG_ID}: {exc}"]


def format_summary(summary: BlogSummary) -> str:
    """What `ensak blog` did, in Swedish for the coordinator."""
    if not summary.posts and not summary.released and summary.index is None:
        return "Ingen har delat något blogginlägg ännu, så kursbloggen är inte utgiven."
    lines = [f"Kursbloggen: {summary.posts} inlägg i {len(summary.tasks)} uppgifter, "
             f"{summary.comments} kommentarer ({summary.new_comments} nya sedan förra gången)."]
    lines.append("Ny version utgiven till deltagarna." if summary.released else "Inget nytt; utgåvan är oförändrad.")
    if summary.index:
        lines.append(f"Läs den här: {summary.index}")
    lines.extend(f"Obs! {problem}" for problem in summary.problems)
    return "\n".join(lines)


# --- the public export after the course ----------------------------------------------------------------


def prepare_export_folder(out_dir: Path) -> Path:
    """An empty folder, or one an earlier export made (its posts are removed first); anything else is refused."""
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        if not (out_dir / EXPORT_MARKER).exists():
            raise BlogError(f"{out_dir} finns redan och innehåller annat än en tidigare export. Välj en ny mapp.")
        for old in out_dir.glob(EXPORT_PATTERN):
            old.unlink()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / EXPORT_MARKER).write_text("Written by `ensak blog --export`; its .md files are replaced "
                                         "by the next export.\n", encoding="utf-8")
    return out_dir


def export_public(course_dir: Path | str, out_dir: Path | str) -> list[Path]:
    """Write the posts whose authors agreed to open publishing as Markdown with front matter.

    Only the post itself goes out, signed with the author's first name: no colleague's comment, no
    coordinator's comment, no learner id. Reads the latest submissions, so a withdrawn consent holds.
    """
    course_dir = Path(course_dir)
    course = load_course(course_dir)
    posts, _ = read_posts(course_dir, course)
    names = learner_names(course_dir)
    titles = {task.id: task for task in course.tasks}
    template = _environment().get_template("export.md.j2")
    out_dir = prepare_export_folder(Path(out_dir))
    written = []
    for post in sorted((p for p in posts if p.publish), key=_sort_key):
        task = titles[post.task]
        first_name = names.get(post.learner, ("", ""))[0]
        day = (post.submitted.astimezone(_LOCAL).date() if post.submitted else course.closes)
        content = template.render(
            title=json.dumps(f"{task.title} – {first_name}" if first_name else task.title, ensure_ascii=False),
            date=day.isoformat(), author=json.dumps(first_name, ensure_ascii=False),
            course=json.dumps(course.title, ensure_ascii=False), tag=json.dumps(task.title, ensure_ascii=False),
            text=post.text)
        path = out_dir / f"{day.isoformat()}-{task.id}-{ascii_slug(first_name, 'inlagg')}-{post.id[:6]}.md"
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written
