"""Starting the assistant: the console without a token, configuration errors, no token in logs."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from bot.cli import main
from bot.runtime import configure_logging
from tests.bot.conftest import BotRun
from tests.bot.fake_telegram import TOKEN, FakeUser


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No SPBE_* settings from the machine, and no .env file in the working directory."""
    for name in ("SPBE_BOT_TOKEN", "SPBE_ADMIN_IDS", "SPBE_DATABASE_PATH", "SPBE_PACKS", "SPBE_DEFAULT_FRAMEWORK", "SPBE_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def console(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *lines: str) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{line}\n" for line in lines)))
    code = main(["run"])
    out, err = capsys.readouterr()
    return code, out, err


def test_without_a_token_run_opens_the_console_and_a_restart_resumes(clean_env, monkeypatch, capsys) -> None:
    code, out, err = console(monkeypatch, capsys, "/mulai", "#3", "#6", "Fakta: Perbup 1/2024. Analisis: lengkap.", "#99", "/keluar")
    assert code == 0 and "console chat starts instead" in err
    assert "Indikator 1/47" in out and "✅ 1 Kebijakan Arsitektur SPBE → 3" in out and "Penjelasan indikator 1 tersimpan" in out
    assert "No button #99" in out
    assert (clean_env / "data" / "spbe.sqlite3").exists()

    code, out, _ = console(monkeypatch, capsys, "/mulai", "/keluar")  # a new process on the same database
    assert code == 0 and "Indikator 2/47" in out


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SPBE_ADMIN_IDS", "12,abc", "configuration error: SPBE_ADMIN_IDS: expected comma-separated Telegram user ids"),
        ("SPBE_BOT_TOKEN", "not-a-token", "configuration error: SPBE_BOT_TOKEN: does not look like a BotFather token"),
        ("SPBE_DEFAULT_LANGUAGE", "fr", "configuration error: SPBE_DEFAULT_LANGUAGE:"),
        ("SPBE_TIMEZONE", "Mars/Olympus", "configuration error: SPBE_TIMEZONE: unknown time zone 'Mars/Olympus'"),
    ],
)
def test_a_malformed_setting_stops_start_up_with_one_line(clean_env, monkeypatch, capsys, name, value, message) -> None:
    monkeypatch.setenv(name, value)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and len(err.strip().splitlines()) == 1
    assert value not in err or name != "SPBE_BOT_TOKEN"  # a token, even a wrong one, is not echoed


def test_settings_come_from_a_dot_env_file(clean_env, monkeypatch, capsys) -> None:
    (clean_env / ".env").write_text("SPBE_DATABASE_PATH=elsewhere/db.sqlite3\n", encoding="utf-8")
    code, _, _ = console(monkeypatch, capsys, "/keluar")
    assert code == 0 and (clean_env / "elsewhere" / "db.sqlite3").exists()


async def test_the_token_never_appears_in_the_logs(bot: BotRun, operator: FakeUser, caplog: pytest.LogCaptureFixture) -> None:
    secret = TOKEN.split(":", 1)[1]
    with caplog.at_level(logging.DEBUG):
        configure_logging("DEBUG", secrets=[TOKEN])
        await bot.restart()
        await operator.send("/start")
        await operator.send("apa itu reviu")
    assert any(r.name.startswith("telegram") for r in caplog.records), "logging was not active"
    assert not [r for r in caplog.records if secret in r.getMessage()]
