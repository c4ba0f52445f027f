"""SIGKILL at random moments never damages the config file nor loses an acknowledged change.

A writer process (``crash_writer.py``) creates, renames and deletes stations and agents through
``ConfigStore``, printing ``ACK`` after each call returns. The test kills it with SIGKILL after
a random number of acknowledgements (plus a random few milliseconds, to land anywhere inside
the next write), 200 times. After each kill the store must open without recovering anything,
every document must validate (with references), no temp file may be left, and the store must
hold every acknowledged change; the one change in flight may or may not have landed.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from appliance.config.resources import KINDS, check_resources
from appliance.config.store import ConfigStore

KILLS = 200
SEED = 20260125
WRITER = Path(__file__).with_name("crash_writer.py")

State = dict[str, dict[str, Any]]   # "kind/id" -> the fields the writer sets


class Writer:
    """The fork server: one interpreter, a fresh writer process for each run."""

    def __init__(self, config: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, str(WRITER), str(config)],  # noqa: S603
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     bufsize=1)
        assert self.line() == "READY"

    def line(self) -> str:
        text = self.proc.stdout.readline()   # type: ignore[union-attr]
        assert text, f"the writer server stopped (exit code {self.proc.poll()})"
        assert not text.startswith("ERROR"), text
        return text.rstrip("\n")

    def send(self, command: str) -> None:
        self.proc.stdin.write(command + "\n")   # type: ignore[union-attr]
        self.proc.stdin.flush()                 # type: ignore[union-attr]

    def run_and_kill(self, seed: int, acks: int, jitter_s: float) -> list[str]:
        """Start a writer, SIGKILL it after ``acks`` acknowledgements; every line it wrote."""
        self.send(f"RUN {seed}")
        lines, pid = [], None
        while pid is None or sum(x.startswith("ACK") for x in lines) < acks:
            text = self.line()
            if text.startswith("PID "):
                pid = int(text.split()[1])
            else:
                lines.append(text)
        end = time.perf_counter() + jitter_s   # chooses the moment of the kill, waits for nothing
        while time.perf_counter() < end:
            pass
        os.kill(pid, signal.SIGKILL)
        self.send("REAP")
        while (text := self.line()) != "DEAD":
            lines.append(text)
        return lines

    def close(self) -> None:
        self.proc.stdin.close()   # type: ignore[union-attr]
        self.proc.wait(timeout=10)
        self.proc.stdout.close()  # type: ignore[union-attr]


def acknowledged(lines: list[str], model: State) -> dict[str, Any] | None:
    """Apply the acknowledged effects to ``model``; return the one in flight, if any."""
    begun: dict[int, dict[str, Any]] = {}
    for text in lines:
        word, _, rest = text.partition(" ")
        if word == "BEGIN":
            effect = json.loads(rest)
            begun[effect["seq"]] = effect
        elif word == "ACK":
            apply(model, begun.pop(int(rest)))
    assert len(begun) <= 1, "the writer makes one change at a time"
    return next(iter(begun.values()), None)


def apply(model: State, effect: dict[str, Any]) -> None:
    key = f"{effect['kind']}/{effect['id']}"
    if effect["doc"] is None:
        model.pop(key, None)
    else:
        model[key] = dict(effect["doc"])


def stored(store: ConfigStore) -> State:
    fields = {"stations": ("name",), "agents": ("name", "station", "presence")}
    return {f"{kind}/{doc['id']}": {k: doc[k] for k in keys}
            for kind, keys in fields.items() for doc in store.list(kind)}


def check_file(config: Path) -> None:
    """Every document on disk parses and every reference holds."""
    raw = json.loads(config.read_text())
    _, errors = check_resources({kind: list(raw.get(kind, {}).values()) for kind in KINDS})
    assert errors == {}


def test_sigkill_200_times_loses_no_acknowledged_change(tmp_path):
    config = tmp_path / "data" / "config.json"
    rng = random.Random(SEED)
    model: State = {}
    landed = lost = 0
    writer = Writer(config)
    try:
        for run in range(KILLS):
            lines = writer.run_and_kill(rng.randrange(2**32), rng.randrange(5),
                                        rng.random() * 0.012)
            in_flight = acknowledged(lines, model)
            store = ConfigStore(config)
            try:
                assert store.recovered is None, f"run {run}: {store.recovered}"
                check_file(config)
                assert not list(config.parent.glob(".tmp-*"))
                actual = stored(store)
            finally:
                store.close()
            if in_flight is not None and actual != model:
                apply(model, in_flight)          # the change in flight had landed
                landed += 1
            elif in_flight is not None:
                lost += 1
            assert actual == model, f"run {run}: acknowledged changes are missing"
    finally:
        writer.close()
    assert landed + lost > KILLS // 2, "most kills should land inside a change"
    assert landed, "some kills land after a change reached the disk, before its ACK"
    assert lost, "some kills land before a change reached the disk"
