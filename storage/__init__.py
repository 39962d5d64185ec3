"""The evaluation records: SQLite by default, behind repository interfaces (``storage.repositories``)."""

from storage.models import MAX_EXPLANATION_CHARS
from storage.sqlite.database import Database, open_database

__all__ = ["MAX_EXPLANATION_CHARS", "Database", "open_database"]
