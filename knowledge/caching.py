"""Where the program may keep files that only make the next start faster (never the only copy).

``SPBE_CACHE_DIR`` names the folder; ``off`` (or an empty value) turns caching off. By default it is
``$XDG_CACHE_HOME/spbe-bot`` or ``~/.cache/spbe-bot``. A folder that cannot be made or written is
simply not used: every cached thing can be rebuilt from its source.
"""

from __future__ import annotations

import os
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
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None
