"""SIGKILL tests: the history survives a killed writer with every acknowledged change.

A writer process (forked by ``crash_child.py``, see there why) writes calls with timelines, SMS,
voicemail entries and consent records, printing each one only after its method returned. The
test reads N of those acknowledgements (N random, 0 means "while opening"), has the writer
SIGKILLed at once, so the kill lands at a random point of the next write, then reopens the
store: it must pass ``check()`` and hold every acknowledged change of every round so far.
Nothing sleeps to synchronise: the test waits on the writer's output, with a deadline in case
it falls silent.
"""

from __future__ import annotations

import os
import random
import select
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from appliance.records.history import SCHEMA_VERSION, History

from .records import CALLS_V0, SMS_V0, VOICEMAIL_V0

CHILD = Path(__file__).with_name("crash_child.py")
KILLS = 200
MAX_ACKS = 20
MIGRATION_KILLS = 20
MIGRATION_ROWS = 10_000
SILENCE_S = 10.0
STORED = ("SELECT 'call ' || id FROM calls UNION ALL SELECT 'sms ' || text FROM sms "
          "UNION ALL SELECT 'voicemail ' || id FROM voicemail "
          "UNION ALL SELECT 'consent ' || number FROM consent")


class Writers:
    """``crash_child.py``: forks a writer per ``start``; its output is read line by line."""

    def __init__(self, db: Path) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - fixed arguments
            [sys.executable, "-S", str(CHILD), str(db)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
        self.fd, self.buffer = self.proc.stdout.fileno(), b""

    def line(self, timeout: float = SILENCE_S) -> str | None:
        """The next line; ``None`` if none came within ``timeout`` (deadline: an error)."""
        while b"\n" not in self.buffer:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if not ready and timeout < SILENCE_S:
                return None
            assert ready, f"no output for {SILENCE_S} s; stderr: {self.stderr()}"
            chunk = os.read(self.fd, 65536)
            assert chunk, f"crash_child.py ended; stderr: {self.stderr()}"
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def stderr(self) -> str:
        """What the processes wrote to stderr so far (tracebacks), without blocking."""
        fd, text = self.proc.stderr.fileno(), b""
        while select.select([fd], [], [], 0)[0] and (chunk := os.read(fd, 65536)):
            text += chunk
        return text.decode(errors="replace")

    def send(self, command: str) -> None:
        self.proc.stdin.write(f"{command}\n".encode())

    def start(self, mode: str, seed: int = 0) -> None:
        self.send(f"{mode} {seed}")
        assert self.line() == "start"

    def kill(self) -> list[str]:
        """SIGKILL the writer now; returns the lines it printed before it died."""
        self.send("kill")
        rest = []
        while not (line := self.line()).startswith("dead "):
            rest.append(line)
        return rest

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=SILENCE_S)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            self.proc.stdout.close()
            self.proc.stderr.close()


def one_round(writers: Writers, seed: int, acks: int) -> list[str]:
    """Start a writer, kill it after ``acks`` acknowledgements; returns all it acknowledged."""
    writers.start("append", seed)
    acked = [writers.line() for _ in range(acks)]
    return acked + writers.kill()


def reopen(db: Path) -> set[str]:
    history = History(db)
    try:
        assert history.check() == []
        broken = history.query("SELECT id FROM calls WHERE json_array_length(events) != 2")
        assert broken == [], "a timeline was stored in part"
        return {row[0] for row in history.query(STORED)}
    finally:
        history.close()


def test_sigkill_never_loses_an_acknowledged_change(tmp_path):
    db, rng = tmp_path / "history.sqlite3", random.Random(20261025)
    acknowledged: set[str] = set()
    writers = Writers(db)
    try:
        for kill in range(KILLS):
            acknowledged.update(one_round(writers, rng.getrandbits(32), rng.randint(0, MAX_ACKS)))
            stored = reopen(db)
            missing = acknowledged - stored
            assert not missing, f"kill {kill}: acknowledged changes lost: {sorted(missing)[:5]}"
            # at most one change per kill was stored without its acknowledgement being printed
            assert len(stored - acknowledged) <= kill + 1
    finally:
        writers.close()
    assert len(acknowledged) > KILLS * MAX_ACKS // 3


def old_history(path: Path, calls: int) -> set[str]:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(CALLS_V0 + SMS_V0 + VOICEMAIL_V0)
    ids = [f"old{n:06d}" for n in range(calls)]
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO calls (id, line, caller, started, ended, outcome, reason, team, agent, "
        "wait_s, talk_s) VALUES (?, 'l1', '600', ?, ?, 'answered', '', 'sales', 'a1', 1, 2)",
        [(cid, f"2026-01-01T{n % 24:02d}:00:00+01:00", "x") for n, cid in enumerate(ids)])
    db.execute("COMMIT")
    db.close()
    return {f"call {cid}" for cid in ids}


def test_sigkill_during_migration_leaves_one_whole_version(tmp_path):
    """A kill mid-migration leaves version 0 untouched or version 1 complete, never between."""
    template, rng = tmp_path / "v0.sqlite3", random.Random(7)
    rows = old_history(template, MIGRATION_ROWS)
    db = tmp_path / "history.sqlite3"
    writers = Writers(db)
    try:
        fresh_copy(template, db)
        started = time.monotonic()
        writers.start("migrate")
        assert writers.line() == "done"
        span = time.monotonic() - started  # one whole migration
        writers.kill()
        versions = []
        for _ in range(MIGRATION_KILLS):
            fresh_copy(template, db)
            writers.start("migrate")
            writers.line(timeout=rng.uniform(0, 1.2 * span))  # "done" or None: when to kill
            writers.kill()
            versions.append(one_version(db))
            assert reopen(db) == rows
    finally:
        writers.close()
    assert 0 in versions, "no kill landed before the migration committed"


def fresh_copy(template: Path, db: Path) -> None:
    """The template as ``db``, without the WAL a killed writer left (it belongs to the old
    file and would be replayed onto the copy)."""
    for leftover in (db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copy(template, db)


def one_version(db: Path) -> int:
    raw = sqlite3.connect(db)
    version = raw.execute("PRAGMA user_version").fetchone()[0]
    columns = {c[1] for c in raw.execute("PRAGMA table_info(calls)")}
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    raw.close()
    assert 0 <= version <= SCHEMA_VERSION           # each step commits whole, with its number
    assert ("started_epoch" in columns) == (version >= 1)
    assert ("changes" in tables) == (version >= 2)
    return version
