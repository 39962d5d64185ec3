"""Deliverables as pure renderers: an evaluation snapshot in, file bytes out. No Telegram, no SQL.

The bot (``/ekspor``, ``/grafik``) and the CLI (``spbe-bot export``) build a
:class:`~reports.snapshot.Snapshot`, pick the words of the reader's language
(:class:`~reports.words.Words`) and call :func:`reports.jobs.make`. Heavy libraries (XlsxWriter,
fpdf2, matplotlib, docxtpl) are imported only by the renderer that needs them, when a file is made.
"""
