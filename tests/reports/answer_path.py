"""The answer path as a script for a fresh process: import the bot, open the engine on a new
database, and handle /mulai, one answer, /ringkasan and /ekspor (the menu, no file). Run by
``test_the_answer_path_loads_no_renderer_library`` and by ``benchmarks/reports.py``."""

HEAVY = ("matplotlib", "fpdf", "xlsxwriter", "docxtpl", "docx", "PIL", "numpy")

ANSWER_PATH = """
import asyncio, sys, tempfile, time
started = time.perf_counter()
from pathlib import Path
import bot.app, bot.transport, bot.console
from conversations.context import EngineConfig
from conversations.engine import Engine
from conversations.events import Chat, Command, Press, User
from knowledge.packs import PackRegistry
from storage import open_database

async def main():
    db = await open_database(Path(tempfile.mkdtemp()) / "a.sqlite3")
    async with db.transaction() as tx:
        i = await tx.institutions.create(name="X", kind="kota")
        await tx.members.add(institution_id=i.id, user_id=5, display_name="A", role="koordinator")
    engine = Engine(db, PackRegistry.load(), EngineConfig())
    user, chat = User(5, "A"), Chat(5)
    await engine.handle(Command(user, chat, 1, name="mulai"))
    period = await db.read.periods.latest(i.id)
    await engine.handle(Press(user, chat, 2, data=f"lv:{period.id}:1:3"))
    await engine.handle(Command(user, chat, 3, name="ringkasan"))
    await engine.handle(Command(user, chat, 4, name="ekspor"))
    assert (await db.read.answers.get(period.id, 1)).level == 3
    await db.close()

asyncio.run(main())
"""
# appended to ANSWER_PATH: one JSON line with the time, the peak memory and the heavy modules loaded
PRINT_HEAVY = f"""
import json, resource
print(json.dumps({{"seconds": time.perf_counter() - started, "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "heavy": sorted(m for m in {HEAVY!r} if m in sys.modules)}}))
"""
