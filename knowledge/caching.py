"""Where the program may keep files that only make the next start faster (never the only copy).

``SPBE_CACHE_DIR`` names the folder; ``off`` (or an empty value) turns caching off. By default it is
``$XDG_CACHE_HOME/spbe-bot`` or ``~/.cache/spbe-bot``. A folder that cannot be made or written is
simply not used: every cached thing can be rebuilt from its source.

The packs are cached as pickles, which run code when loaded, so the folder is used only when it
belongs to the user running the program and nobody else may write to it (it is made with mode 700).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

CACHE_ENV = "SPBE_CACHE_DIR"


def cache_dir() -> Path | None:
    """The cache folder (made if missing), or None when caching is off or impossible."""
    value = os.environ.get(CACHE_ENV)
    if value is not None and value.strip().lower() in {"", "off", "0", "no", "false"}:
        return None
    if value:
        folder = Path(value)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folder = Path(base) / "spbe-bot"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError:
        return None
    private = info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    return folder if private and os.access(folder, os.W_OK) else None
