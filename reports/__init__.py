"""Deliverables as pure renderers: records in, file bytes out. No Telegram, no SQL."""
