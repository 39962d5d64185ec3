from tests.conversations.conftest import clock, engine  # noqa: F401  (fixtures: the engine on a fresh database)
