"""A PostgreSQL primary and a streaming-replication hot standby of its own, for one test.

:func:`standby_pair` makes both in a temporary directory (``initdb``, ``pg_basebackup -R``,
``pg_ctl``, from ``pg_config --bindir``), on spare ports of 127.0.0.1, run as the ``postgres``
OS user when we are root (initdb refuses root). It stops the two servers it started (``pg_ctl
stop -m fast``) and removes the directory afterwards, whatever happened; the shared server on
5432 is never touched. Without the server binaries the test skips, visibly; under ``CI=true``
it fails instead.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

TIMEOUT_S = 30.0
"""Longest wait for a server to start, a standby to replay, or a promotion to finish."""
DBNAME = "ledger"
OS_USER = "postgres"
SETTINGS = (
    "listen_addresses = '127.0.0.1'",
    "wal_level = replica",
    "max_wal_senders = 4",
    "wal_keep_size = '64MB'",
    "hot_standby = on",
    "max_connections = 40",
    "shared_buffers = '16MB'",
    "fsync = off",  # a throwaway cluster: durability is not what these tests are about
    "full_page_writes = off",
)
HBA = (
    "local all all trust",
    "host all all 127.0.0.1/32 trust",
    "host replication all 127.0.0.1/32 trust",
)


@dataclass(frozen=True)
class StandbyPair:
    """A primary and its hot standby: their URLs, and waits for replay and promotion."""

    bindir: Path
    directory: Path
    primary_port: int
    standby_port: int

    @property
    def primary_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.primary_port}/{DBNAME}"

    @property
    def standby_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.standby_port}/{DBNAME}"

    def wait_for_standby(self, timeout_s: float = TIMEOUT_S) -> None:
        """Return once the standby has replayed everything the primary has written so far."""
        with psycopg.connect(self.primary_url, autocommit=True) as primary:
            target = _one(primary, "SELECT pg_current_wal_lsn()::text")
        with psycopg.connect(self.standby_url, autocommit=True) as standby:
            _until(lambda: _one(standby, "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), "
                                "%s::pg_lsn) >= 0", target) is True,
                   timeout_s, f"the standby to replay the primary's WAL up to {target}")

    def stop_primary(self) -> None:
        """The primary fails (a fast shutdown): what a failover starts from."""
        _run(self.bindir / "pg_ctl", "stop", "-m", "fast", "-w", "-D", self.directory / "primary")

    def promote(self, timeout_s: float = TIMEOUT_S) -> None:
        """Fail over: promote the standby and return once it takes writes."""
        _run(self.bindir / "pg_ctl", "promote", "-w", "-t", str(int(timeout_s)),
             "-D", self.directory / "standby")
        with psycopg.connect(self.standby_url, autocommit=True) as standby:
            _until(lambda: _one(standby, "SELECT pg_is_in_recovery()") is False,
                   timeout_s, "the promoted standby to leave recovery")


@contextmanager
def standby_pair() -> Iterator[StandbyPair]:
    """A running primary with a streaming hot standby that has replayed it; both stopped and
    their directory removed afterwards, even on failure."""
    bindir = server_bindir()
    directory = Path(tempfile.mkdtemp(prefix="ledger-standby-"))
    started: list[Path] = []
    try:
        _chown(directory)
        primary_port, standby_port = spare_ports(2)
        pair = StandbyPair(bindir, directory, primary_port, standby_port)
        primary = directory / "primary"
        _run(bindir / "initdb", "-D", primary, "-U", "postgres", "-A", "trust", "-E", "UTF8",
             "--locale=C", "--no-sync")
        _configure(primary, primary_port, directory)
        _start(pair, primary, started)
        with psycopg.connect(pair.primary_url.rsplit("/", 1)[0] + "/postgres",
                             autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DBNAME}")
        standby = directory / "standby"
        _run(bindir / "pg_basebackup", "-h", "127.0.0.1", "-p", str(primary_port),
             "-U", "postgres", "-D", standby, "-R", "-X", "stream", "--checkpoint=fast",
             "--no-sync")
        _configure(standby, standby_port, directory)
        _start(pair, standby, started)
        pair.wait_for_standby()
        yield pair
    finally:
        for data in reversed(started):  # the standby first, then its primary
            _stop(bindir, data)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def standby() -> Iterator[StandbyPair]:
    """A primary and its hot standby for this test alone (see :func:`standby_pair`)."""
    with standby_pair() as pair:
        yield pair


def server_bindir() -> Path:
    """Where initdb, pg_basebackup and pg_ctl are; skip (under CI=true, fail) without them."""
    found = shutil.which("pg_config")
    bindir = Path(subprocess.run([found, "--bindir"], capture_output=True, text=True,
                                 check=True).stdout.strip()) if found else None
    missing = [tool for tool in ("initdb", "pg_basebackup", "pg_ctl")
               if bindir is None or not (bindir / tool).exists()]
    if os.geteuid() == 0 and not _has_user(OS_USER):
        missing.append(f"the {OS_USER} OS user")
    if missing or bindir is None:
        reason = f"PostgreSQL server tools missing ({', '.join(missing)}; pg_config --bindir)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(f"{reason} (runs under CI=true)")
    return bindir


def spare_ports(count: int) -> list[int]:
    """Ports of 127.0.0.1 nothing listens on now (never 5432, the shared server's)."""
    sockets: list[socket.socket] = []
    try:
        while len(sockets) < count:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            if s.getsockname()[1] == 5432:
                s.close()
                continue
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _configure(data: Path, port: int, sockets: Path) -> None:
    """Append our settings (the last one read wins) and replace the client authentication."""
    lines = [*SETTINGS, f"port = {port}", f"unix_socket_directories = '{sockets}'"]
    with (data / "postgresql.conf").open("a") as conf:
        conf.write("\n" + "\n".join(lines) + "\n")
    (data / "pg_hba.conf").write_text("\n".join(HBA) + "\n")


def _start(pair: StandbyPair, data: Path, started: list[Path]) -> None:
    started.append(data)  # stopped afterwards even if it never came up
    log = pair.directory / f"{data.name}.log"
    try:
        _run(pair.bindir / "pg_ctl", "start", "-w", "-t", str(int(TIMEOUT_S)), "-D", data,
             "-l", log)
    except RuntimeError as e:  # the log goes with the directory: keep its end
        tail = log.read_text(errors="replace").splitlines()[-5:] if log.exists() else []
        raise RuntimeError("\n".join([str(e), *tail])) from None


def _stop(bindir: Path, data: Path) -> None:
    """Stop a server we started (one already stopped is fine); if a fast shutdown hangs, an
    immediate one: the directory goes next either way."""
    for mode in ("fast", "immediate"):
        try:
            subprocess.run(_as_postgres(bindir / "pg_ctl", "stop", "-m", mode, "-w", "-t",
                                        str(int(TIMEOUT_S)), "-D", data),
                           capture_output=True, timeout=TIMEOUT_S * 2)
        except subprocess.TimeoutExpired:
            continue
        if not (data / "postmaster.pid").exists():
            return


def _run(*command: str | Path) -> None:
    done = subprocess.run(_as_postgres(*command), capture_output=True, text=True,
                          timeout=TIMEOUT_S * 2)
    if done.returncode != 0:
        raise RuntimeError(f"{Path(command[0]).name} exited {done.returncode}: "
                           f"{done.stderr.strip() or done.stdout.strip()}")


def _as_postgres(*command: str | Path) -> list[str]:
    words = [str(word) for word in command]
    return ["runuser", "-u", OS_USER, "--", *words] if os.geteuid() == 0 else words


def _chown(directory: Path) -> None:
    if os.geteuid() == 0:
        user = pwd.getpwnam(OS_USER)
        os.chown(directory, user.pw_uid, user.pw_gid)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _one(conn: psycopg.Connection[tuple[object, ...]], query: str, *params: object) -> object:
    row = conn.execute(query, params).fetchone()
    return row[0] if row else None


def _until(done: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout_s:.0f} s for {what}")
        time.sleep(0.05)
