"""Consistent copies of a store, taken while writers run, and put back into an empty store.

SQLite: the online backup API (``sqlite3.Connection.backup``) copies every page under one
read transaction, so the copy is the store as it stood at one instant; restoring copies the
pages back the same way. PostgreSQL: ``pg_dump --format=custom`` of the ledger's schema, one
snapshot (repeatable read) for the whole dump, and ``pg_restore`` into the same schema of an
empty store, in one transaction. The copy is written beside its destination and renamed into
place, readable by its owner only: it holds the whole log and the private tables.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

from ledger.errors import FileNotFound, InvalidArgument, NotABackup, StoreUnavailable
from ledger.store.location import StoreLocation

SQLITE_HEADER = b"SQLite format 3\x00"
PG_HEADER = b"PGDMP"
EVENTS_TABLE = "stored_events"
TIMEOUT_S = 3600


def write_copy(location: StoreLocation, destination: Path, *, force: bool) -> int:
    """Copy the store to ``destination`` (refused when it exists, unless ``force``); its size
    in bytes."""
    if destination.is_dir():
        raise InvalidArgument(f"{destination}: expected a file to write, found a directory")
    if destination.exists() and not force:
        raise InvalidArgument(f"{destination}: expected a new file, found one (--force to "
                              "replace it)")
    partial = destination.with_name(f".{destination.name}.partial")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)
        partial.touch(mode=0o600)  # the place can be written, before anything is copied
    except OSError as e:
        raise InvalidArgument(f"{destination}: expected a place to write the backup, found "
                              f"{e.strerror or e}") from None
    try:
        if location.is_postgres:
            _pg_dump(location, partial)
        else:
            try:
                _sqlite_copy(location.sqlite_path, partial)
            except sqlite3.Error as e:
                raise StoreUnavailable(f"store {location.redacted}: expected it readable, "
                                       f"found {e}") from None
        os.chmod(partial, 0o600)
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return destination.stat().st_size


def read_copy(source: Path, location: StoreLocation) -> None:
    """Put the copy ``source`` into the store (which the caller found empty)."""
    kind = copy_kind(source)
    if kind != ("postgres" if location.is_postgres else "sqlite"):
        raise NotABackup(f"{source}: expected a backup of a "
                         f"{'PostgreSQL' if location.is_postgres else 'SQLite'} store, found "
                         f"one of a {'PostgreSQL' if kind == 'postgres' else 'SQLite'} store")
    if location.is_postgres:
        _pg_restore(source, location)
        return
    try:
        _sqlite_restore(source, location.sqlite_path)
    except (sqlite3.Error, OSError) as e:
        raise InvalidArgument(f"{location.sqlite_path}: expected a place to restore the store "
                              f"to, found {e}") from None


def copy_kind(source: Path) -> str:
    """``sqlite`` or ``postgres``: what kind of copy ``source`` is; NotABackup otherwise."""
    try:
        with source.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        raise FileNotFound(f"{source}: expected a backup file, found none") from None
    except IsADirectoryError:
        raise FileNotFound(f"{source}: expected a backup file, found a directory") from None
    if header.startswith(PG_HEADER):
        return "postgres"
    if header == SQLITE_HEADER:
        try:
            with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as db:
                tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        except sqlite3.Error as e:
            raise NotABackup(f"{source}: expected a backup written by `ledger backup`, found "
                             f"a damaged SQLite file ({e})") from None
        if EVENTS_TABLE in tables:
            return "sqlite"
    raise NotABackup(f"{source}: expected a backup written by `ledger backup`, found "
                     "another file")


def sqlite_figures(copy: Path) -> tuple[int, int, int]:
    """Events, transparency-log leaves and the latest signed checkpoint's size in a SQLite
    copy, read without opening it for writing."""
    with sqlite3.connect(f"file:{copy}?mode=ro", uri=True) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}

        def largest(statement: str, table: str) -> int:
            return int(db.execute(statement).fetchone()[0] or 0) if table in tables else 0

        return (largest("SELECT MAX(rowid) FROM stored_events", EVENTS_TABLE),
                largest("SELECT MAX(leaf_index) + 1 FROM merkle_leaves", "merkle_leaves"),
                largest("SELECT MAX(tree_size) FROM checkpoints", "checkpoints"))


def _sqlite_copy(store: Path, destination: Path) -> None:
    if not store.exists():
        raise FileNotFound(f"no ledger at {store} (run `ledger init`)")
    source = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    target = sqlite3.connect(destination)
    try:
        source.backup(target)  # every page in one step: the store at one instant
    finally:
        target.close()
        source.close()


def _sqlite_restore(source: Path, store: Path) -> None:
    store.parent.mkdir(parents=True, exist_ok=True)
    copy = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target = sqlite3.connect(store)
    try:
        copy.backup(target)
    finally:
        target.close()
        copy.close()


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True,
                                check=False).stdout.strip() if shutil.which("pg_config") else ""
        candidate = Path(bindir) / name
        found = str(candidate) if bindir and candidate.exists() else None
    if found is None:
        raise StoreUnavailable(f"expected PostgreSQL's {name} on the PATH, found none")
    return found


def _pg_env(location: StoreLocation) -> tuple[dict[str, str], str]:
    settings = location.env()
    env = {**os.environ, "PGHOST": settings["POSTGRES_HOST"],
           "PGPORT": settings["POSTGRES_PORT"], "PGUSER": settings["POSTGRES_USER"],
           "PGDATABASE": settings["POSTGRES_DBNAME"],
           "PGCONNECT_TIMEOUT": settings["POSTGRES_CONNECT_TIMEOUT"]}
    if settings["POSTGRES_PASSWORD"]:
        env["PGPASSWORD"] = settings["POSTGRES_PASSWORD"]
    return env, settings.get("POSTGRES_SCHEMA", "public")


def _run(command: list[str], env: dict[str, str], location: StoreLocation) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT_S, check=False)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        password = env.get("PGPASSWORD")
        if password:
            reason = reason.replace(password, "***")
        raise StoreUnavailable(f"store {location.redacted}: {Path(command[0]).name} failed: "
                               f"{reason}")


def _pg_dump(location: StoreLocation, destination: Path) -> None:
    env, schema = _pg_env(location)
    _run([_pg_tool("pg_dump"), "--format=custom", f"--schema={schema}", "--no-owner",
          f"--file={destination}"], env, location)


def _pg_restore(source: Path, location: StoreLocation) -> None:
    env, schema = _pg_env(location)
    listed = subprocess.run([_pg_tool("pg_restore"), "--list", str(source)], env=env,
                            capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    schemas = set(re.findall(r"^\d+; \d+ \d+ SCHEMA - (\S+)", listed.stdout, re.MULTILINE))
    tables = re.findall(r"^\d+; \d+ \d+ TABLE (?!DATA )(\S+) (\S+) ", listed.stdout,
                        re.MULTILINE)
    found = schemas | {owner for owner, _ in tables}
    if listed.returncode != 0 or not tables:
        raise NotABackup(f"{source}: expected a backup written by `ledger backup`, found a "
                         "file pg_restore cannot list")
    if found != {schema}:
        raise InvalidArgument(f"{source}: a backup of schema {', '.join(sorted(found))}; "
                              f"expected the store's schema {schema} (give "
                              f"?schema={min(found)} in --db)")
    _run([_pg_tool("pg_restore"), "--no-owner", "--clean", "--if-exists", "--exit-on-error",
          "--single-transaction", f"--dbname={env['PGDATABASE']}", str(source)], env, location)
