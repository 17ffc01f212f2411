"""Writing a file so that it is either all there or not changed: a crash or a full disk never leaves half
a roster, an answers file or a message behind. Every file ensak writes for people goes through here."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path | str, content: str | bytes, *, mode: int | None = None,
                     encoding: str = "utf-8", newline: str | None = None) -> Path:
    """Write `content` to a temporary file beside `path`, then rename it into place (renames are atomic).

    `mode` sets the permissions before any content is written (a secret is never readable by others,
    not even for a moment). `newline=""` writes text exactly as given (csv does its own line ends).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        if isinstance(content, bytes):
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
        else:
            with os.fdopen(fd, "w", encoding=encoding, newline=newline) as handle:
                handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
