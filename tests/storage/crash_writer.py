"""The child of the SIGKILL test: changes the config in a loop, acknowledging each change.

Run as ``python crash_writer.py CONFIG``. Starting an interpreter and importing the store takes
~0.1 s, too long to pay 200 times, so this process is a fork server: it imports once, then for
each ``RUN <seed>`` line on stdin it forks a writer and prints ``PID <pid>``; for ``REAP`` it
waits for that writer (which the test has SIGKILLed) and prints ``DEAD``. Since the writer is
dead when ``DEAD`` is printed, every line it wrote comes before ``DEAD`` on the pipe.

A writer prints ``BEGIN <json effect>`` before a change and ``ACK <seq>`` after the store
returned, so the test knows every acknowledged change and the one that may be in flight.
Lines go out with ``os.write`` (no buffers to lose or to duplicate across fork).
"""

from __future__ import annotations

import json
import os
import random
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

from appliance.config.store import ConfigStore

POOL = 5   # ids s0..s4 and a0..a4: a small file, so each run stays fast


def say(line: str) -> None:
    os.write(1, (line + "\n").encode())


def choose(rng: random.Random, store: ConfigStore) -> tuple[Callable[[], Any], dict[str, Any]]:
    """A valid change for the current state, and its effect: (kind, id) -> fields or None."""
    stations = {d["id"]: d for d in store.list("stations")}
    agents = {d["id"]: d for d in store.list("agents")}
    free = sorted(set(stations) - {a["station"] for a in agents.values()})
    name = f"n{rng.randrange(10**6)}"
    choices: list[tuple[Callable[[], Any], dict[str, Any]]] = []
    new_stations = [f"s{i}" for i in range(POOL) if f"s{i}" not in stations]
    if new_stations:
        sid = rng.choice(new_stations)
        choices.append((partial(store.create, "stations", {"id": sid, "name": name}),
                        {"kind": "stations", "id": sid, "doc": {"name": name}}))
    if stations:
        sid = rng.choice(sorted(stations))
        choices.append((partial(store.patch, "stations", sid, {"name": name}),
                        {"kind": "stations", "id": sid, "doc": {"name": name}}))
    new_agents = [f"a{i}" for i in range(POOL) if f"a{i}" not in agents]
    if new_agents:
        aid = rng.choice(new_agents)
        doc = {"name": name, "station": rng.choice([None, *free]), "presence": "available"}
        choices.append((partial(store.create, "agents", {"id": aid, **doc}),
                        {"kind": "agents", "id": aid, "doc": doc}))
    if agents:
        aid = rng.choice(sorted(agents))
        change = {"name": name, "presence": rng.choice(["available", "away"])}
        choices.append((partial(store.patch, "agents", aid, change),
                        {"kind": "agents", "id": aid,
                         "doc": {"station": agents[aid]["station"], **change}}))
        gone = rng.choice(sorted(agents))
        choices.append((partial(store.delete, "agents", gone),
                        {"kind": "agents", "id": gone, "doc": None}))
    return rng.choice(choices)


def writer(path: str, seed: int) -> None:
    rng = random.Random(seed)
    store = ConfigStore(path)
    say("OPEN")
    for seq in range(10_000):
        change, effect = choose(rng, store)
        say("BEGIN " + json.dumps(effect | {"seq": seq}))
        change()
        say(f"ACK {seq}")


def main() -> None:
    path = sys.argv[1]
    pid = 0
    say("READY")
    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command == "RUN":
            pid = os.fork()
            if pid == 0:
                try:
                    writer(path, int(arg))
                except BaseException as exc:  # the test fails on this line, never hangs
                    say(f"ERROR {exc!r}")
                finally:
                    os._exit(0)
            say(f"PID {pid}")
        elif command == "REAP":
            os.waitpid(pid, 0)
            say("DEAD")


if __name__ == "__main__":
    main()
