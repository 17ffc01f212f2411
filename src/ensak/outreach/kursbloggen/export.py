"""`ensak blog --export DIR`: the posts whose authors agreed to open publishing, as Markdown files with front matter.

For the library's blog rota after the course. Only the post itself goes out, signed with the author's first
name: no colleague's comment, no coordinator's comment, no learner id, nothing the coordinator has hidden.
The folder is replaced on each export, so a consent withdrawn since the last one is honoured.
"""

from __future__ import annotations

import json
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ensak.outreach.kursbloggen.database import aware
from ensak.outreach.kursbloggen.members import Membership
from ensak.outreach.kursbloggen.schema import REFLECTION, posts
from ensak.outreach.kursbloggen.settings import BlogSettings
from ensak.slugs import ascii_slug

EXPORT_MARKER = ".ensak-blog-export"
EXPORT_PATTERN = "*.md"
LOCAL = ZoneInfo("Europe/Stockholm")


class ExportError(RuntimeError):
    """The export cannot be written where asked; the message is Swedish and says what to do."""


def prepare_export_folder(out_dir: Path) -> Path:
    """An empty folder, or one an earlier export made (its posts are removed first); anything else is refused."""
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        if not (out_dir / EXPORT_MARKER).exists():
            raise ExportError(f"{out_dir} finns redan och innehåller annat än en tidigare export. Välj en ny mapp.")
        for old in out_dir.glob(EXPORT_PATTERN):
            old.unlink()
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / EXPORT_MARKER).write_text("Written by `ensak blog --export`; its .md files are replaced "
                                         "by the next export.\n", encoding="utf-8")
    return out_dir


def publishable_posts(engine: Engine) -> list:
    """Posts with the author's consent to open publishing that the coordinator has not hidden, oldest first."""
    with engine.connect() as conn:
        return conn.execute(sa.select(posts).where(posts.c.publish.is_(True), posts.c.hidden_reason.is_(None))
                            .order_by(posts.c.created, posts.c.id)).all()


def write_public_export(settings: BlogSettings, engine: Engine, out_dir: Path | str) -> list[Path]:
    """Write one Markdown file per publishable post into `out_dir`; returns the files written."""
    membership = Membership(settings.course_dir, settings.coordinators, settings.group)
    template = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
                                  keep_trailing_newline=True).get_template("export.md.j2")
    rows = publishable_posts(engine)
    out_dir = prepare_export_folder(Path(out_dir))
    written = []
    for row in rows:
        first_name = membership.first_name(row.author)
        task_title = settings.tasks.get(row.task or "", "")
        title = task_title if row.kind == REFLECTION else row.title
        day = aware(row.created).astimezone(LOCAL).date()
        content = template.render(
            title=json.dumps(f"{title} – {first_name}" if first_name else title, ensure_ascii=False),
            date=day.isoformat(), author=json.dumps(first_name, ensure_ascii=False),
            course=json.dumps(settings.course_title, ensure_ascii=False),
            tag=json.dumps(task_title or "Kursbloggen", ensure_ascii=False), text=row.body)
        slug = "-".join(part for part in (ascii_slug(title)[:40].strip("-"), ascii_slug(first_name)) if part)
        path = out_dir / f"{day.isoformat()}-{slug or 'inlagg'}-{row.id}.md"
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written
