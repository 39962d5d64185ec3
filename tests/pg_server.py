"""A throw-away PostgreSQL server for one test session, on 127.0.0.1.

The tests of ``storage/`` and ``conversations/`` run against SQLite and PostgreSQL. The session
starts its own server the first time a test asks for it (``tests/conftest.py``) and stops it at the
end, so the README's test command stays one line and needs nothing running beforehand:

- the server's programs are Debian's (``/usr/lib/postgresql/N/bin``, the newest N) or on ``PATH``;
  when there are none and this process is root, ``apt-get install postgresql`` brings them;
- ``initdb`` makes a cluster in a new temporary folder; ``postgres`` serves it on a free port of
  127.0.0.1 only (no Unix socket outside that folder), with a password for its one superuser;
- initdb and postgres refuse to run as root, so as root both run as an unprivileged user (Debian's
  ``postgres``, else ``nobody``) through ``setpriv``, which execs, so the process started is the
  server itself and the stop reaches it;
- durability settings are off (``fsync``, ``synchronous_commit``, ``full_page_writes``): the server
  never crashes in these tests, only clients do, and its folder is deleted at the end.

``SPBE_TEST_POSTGRES_URL`` points the tests at a server of your own instead (a superuser URL: the
tests create and drop databases). ``SPBE_TEST_POSTGRES=off`` skips the PostgreSQL half of the tests
on a machine where no server can run; it is refused in CI (``CI`` set), where a server that cannot
start fails those tests.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg.conninfo import make_conninfo

USER = "spbe_test"
START_TIMEOUT = 30.0
INSTALL_TIMEOUT = 900


class ServerUnavailable(Exception):
    """No PostgreSQL server could be started; the message says why and what to do."""


@dataclass
class Server:
    """A running server; :meth:`url` names one of its databases."""

    host: str
    port: int
    user: str
    password: str
    process: subprocess.Popen[bytes] | None = None
    folder: Path | None = None
    log: Path | None = None
    databases: list[str] = field(default_factory=list)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{database}"

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        """A connection to the server's ``postgres`` database in autocommit mode, for CREATE/DROP DATABASE."""
        return psycopg.connect(self.url(), autocommit=True, connect_timeout=5)

    def stop(self) -> None:
        """Fast shutdown (SIGINT: open connections are ended), then the folder is deleted."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def opted_out() -> bool:
    """``SPBE_TEST_POSTGRES=off``, outside CI only."""
    return os.environ.get("SPBE_TEST_POSTGRES", "").strip().lower() in {"off", "0", "no"} and not os.environ.get("CI")


def start(*, durable: bool = False) -> Server:
    """The server of this session: the one ``SPBE_TEST_POSTGRES_URL`` names, else a new one
    (``durable``: with PostgreSQL's own durability settings, for measurements)."""
    external = os.environ.get("SPBE_TEST_POSTGRES_URL", "").strip()
    if external:
        info = psycopg.conninfo.conninfo_to_dict(external)
        server = Server(str(info.get("host", "127.0.0.1")), int(info.get("port", 5432)), str(info.get("user", "")),
                        str(info.get("password", "")))
        try:
            server.admin().close()
        except psycopg.Error as exc:
            raise ServerUnavailable(f"SPBE_TEST_POSTGRES_URL: cannot connect ({' '.join(str(exc).split())})") from None
        return server
    return _start_own(_binaries(), durable)


def _binaries() -> Path:
    """The folder of ``initdb`` and ``postgres``, installing Debian's package when there is none."""
    found = _find_binaries()
    if found is not None:
        return found
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise ServerUnavailable("PostgreSQL's programs (initdb, postgres) are not installed: install them "
                                "(Debian: apt-get install postgresql), or set SPBE_TEST_POSTGRES=off to skip the PostgreSQL tests")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql"]):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False)
        if done.returncode != 0:
            raise ServerUnavailable(f"{' '.join(command)} failed ({done.returncode}): {_tail(done.stdout + done.stderr)}")
    found = _find_binaries()
    if found is None:
        raise ServerUnavailable("apt-get installed postgresql, but initdb and postgres are not where Debian puts them")
    return found


def _find_binaries() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name)
                      if p.parent.parent.name.isdigit() else 0)
    if versions:
        return versions[-1].parent
    on_path = shutil.which("postgres")
    if on_path and shutil.which("initdb"):
        return Path(on_path).parent
    return None


def _as_unprivileged() -> tuple[list[str], pwd.struct_passwd | None]:
    """The prefix that runs a command as an unprivileged user when this process is root."""
    if os.geteuid() != 0:
        return [], None
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        raise ServerUnavailable("running as root, and setpriv (util-linux) is missing to start PostgreSQL as another user")
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            user = pwd.getpwnam(name)
            return [setpriv, f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", "--"], user
    raise ServerUnavailable("running as root, and there is no unprivileged user (postgres, nobody) to run PostgreSQL as")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_own(binaries: Path, durable: bool) -> Server:
    prefix, user = _as_unprivileged()
    folder = Path(tempfile.mkdtemp(prefix="spbe-pg-"))
    server = Server("127.0.0.1", 0, USER, secrets.token_urlsafe(12), folder=folder, log=folder / "server.log")
    try:
        password_file = folder / "password"
        password_file.write_text(server.password + "\n", encoding="utf-8")
        if user is not None:
            for path in (folder, password_file):
                os.chown(path, user.pw_uid, user.pw_gid)
        data = folder / "data"
        initdb = subprocess.run(
            [*prefix, str(binaries / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={password_file}", "--auth-host=scram-sha-256",
             "--auth-local=trust", "--no-locale", "-E", "UTF8", "--no-sync"],
            capture_output=True, text=True, timeout=120, check=False,
        )
        if initdb.returncode != 0:
            raise ServerUnavailable(f"initdb failed ({initdb.returncode}): {_tail(initdb.stdout + initdb.stderr)}")
        password_file.unlink()
        for _attempt in range(3):  # another program may take the free port between the probe and the start
            server.port = _free_port()
            if _run(server, prefix, binaries, data, durable):
                return server
        raise ServerUnavailable(f"postgres did not start: {_tail(server.log.read_text(errors='replace') if server.log else '')}")
    except BaseException:
        server.stop()
        raise


def _run(server: Server, prefix: list[str], binaries: Path, data: Path, durable: bool) -> bool:
    """Start postgres on ``server.port``; True once it accepts connections, False if it exited."""
    assert server.folder is not None and server.log is not None
    settings = {
        "listen_addresses": "127.0.0.1", "port": str(server.port), "unix_socket_directories": str(server.folder),
        "max_connections": "300", "shared_buffers": "64MB", "log_min_messages": "warning", "deadlock_timeout": "100ms",
    }
    if not durable:
        settings |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
    options = [part for name, value in settings.items() for part in ("-c", f"{name}={value}")]
    with server.log.open("ab") as log:
        server.process = subprocess.Popen([*prefix, str(binaries / "postgres"), "-D", str(data), *options], stdout=log, stderr=log,
                                          stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            server.process = None
            return False
        try:
            psycopg.connect(make_conninfo(server.url(), connect_timeout=2)).close()
            return True
        except psycopg.OperationalError:
            time.sleep(0.1)
    server.stop()
    raise ServerUnavailable(f"postgres did not accept connections within {START_TIMEOUT:.0f} s")


def _tail(text: str, lines: int = 5) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])
