"""The evaluation records, behind repository interfaces (``storage.repositories``): an SQLite file by
default, PostgreSQL for several replicas (``storage.backends.open_storage`` picks by location)."""

from storage.backends import open_storage
from storage.models import MAX_EXPLANATION_CHARS
from storage.sqlite.database import Database, open_database

__all__ = ["MAX_EXPLANATION_CHARS", "Database", "open_database", "open_storage"]
