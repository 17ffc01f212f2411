"""The Swedish message templates: ensak's own in ensak/outreach/templates/messages/, and the coordinator's
edited copies in the course's messages/ folder, which win. A template's first line is its subject
("Ämne: ..."); a broken one is explained before anything is sent."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import jinja2

from ensak.outreach.messages.model import KINDS, MessageError
from ensak.swedish import swedish_date

TEMPLATE_FOLDER = "messages"
SUBJECT_PREFIX = "Ämne:"
PACKAGE_TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "messages"


def _read_template(path: str) -> str:
    """A template as the coordinator's editor saved it: UTF-8 with or without BOM, or Windows-1252."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


class _CourseTemplateLoader(jinja2.FileSystemLoader):
    """FileSystemLoader that reads templates whatever encoding Notepad or Word gave them."""

    def __init__(self, searchpath: list[str]):
        # Latin-1 decodes any bytes, so finding the file never fails; the text is then read properly.
        super().__init__(searchpath, encoding="latin-1")

    def get_source(self, environment, template):
        _, filename, uptodate = super().get_source(environment, template)
        return _read_template(filename), filename, uptodate


def template_environment(root: Path | str) -> jinja2.Environment:
    """Templates from the course's messages/ folder first, then ensak's own."""
    loader = _CourseTemplateLoader([str(Path(root) / TEMPLATE_FOLDER), str(PACKAGE_TEMPLATES)])
    # StrictUndefined: a misspelt name in an edited template fails in the preview, not in 500 mails.
    environment = jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined, autoescape=False,
                                     keep_trailing_newline=False, trim_blocks=False)
    environment.filters["datum"] = swedish_date
    return environment


def copy_default_templates(root: Path | str) -> list[Path]:
    """Copy ensak's templates into the course's messages/ folder for editing; existing copies are kept."""
    folder = Path(root) / TEMPLATE_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    copied = []
    for template in sorted(PACKAGE_TEMPLATES.glob("*.txt.j2")):
        target = folder / template.name
        if not target.exists():
            shutil.copy2(template, target)
            copied.append(target)
    return copied


def _where(environment: jinja2.Environment, name: str) -> str:
    """'messages/thanks.txt.j2' for the coordinator's own copy, else the template's name."""
    try:
        _, filename, _ = environment.loader.get_source(environment, name)
    except jinja2.TemplateNotFound:
        return name
    path = Path(filename)
    return f"{TEMPLATE_FOLDER}/{path.name}" if path.parent.name == TEMPLATE_FOLDER and \
        path.parent.resolve() != PACKAGE_TEMPLATES else name


def render(environment: jinja2.Environment, kind: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of `kind` for one learner."""
    name = f"{kind}.txt.j2"
    try:
        text = environment.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise MessageError(f"Mallen {_where(environment, name)} har ett fel på rad {exc.lineno}: {exc.message}. "
                           "Rätta mallen i mappen messages/ och försök igen.") from None
    except jinja2.UndefinedError as exc:
        raise MessageError(f"Mallen {_where(environment, name)} använder något som inte finns ({exc.message}). "
                           "Kontrollera stavningen av namnen inom {{ }}.") from None
    except jinja2.TemplateNotFound:
        raise MessageError(f"Mallen {name} finns inte. Meddelandetyperna är: {', '.join(KINDS)}.") from None
    first, _, rest = text.lstrip("\ufeff\n").partition("\n")
    if not first.startswith(SUBJECT_PREFIX):
        raise MessageError(f"Mallen {_where(environment, name)} ska börja med en rad 'Ämne: ...' och sedan en tom "
                           f"rad; nu börjar den med {first[:40]!r}.")
    subject = first[len(SUBJECT_PREFIX):].strip()
    body = re.sub(r"\n{3,}", "\n\n", rest.strip("\n")) + "\n"
    return subject, body
