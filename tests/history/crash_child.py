"""Writer process of the SIGKILL tests: ``python -S crash_child.py DB``.

Starting Python and importing the history costs 50-150 ms, more than a whole round of the test,
so this process imports once and forks one writer per round. The writer opens the history only
after the fork, exactly as a freshly started process would. Commands, one per line on stdin:

* ``append SEED``: the writer prints ``start``, opens the history and loops over random changes
  (a call with its timeline, an SMS, a voicemail entry, a consent record), printing
  ``<kind> <token>`` only after the change's method returned, i.e. once it was acknowledged.
* ``migrate 0``: the writer prints ``start``, opens the history (migrating it), prints ``done``.
* ``kill``: SIGKILL the writer, reap it, print ``dead <wait status>``. This process, not the
  test, sends the signal: the writer's pid cannot be reused before it is reaped here.

End of stdin ends this process.
"""

from __future__ import annotations

import os
import random
import signal
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from appliance.records.history import History

MAX_CHANGES = 100_000  # a writer nobody kills still stops


def say(line: str) -> None:
    """One ``write()`` per line: atomic on a pipe, so a kill never leaves half a line (print()
    may split the text and its newline into two writes)."""
    os.write(1, f"{line}\n".encode())


def change(history: History, rng: random.Random, n: int) -> str:
    token = f"{rng.getrandbits(40):010x}{n}"
    at = f"2026-11-25T09:{n % 60:02d}:00+00:00"
    kind = rng.choice(("call", "call", "sms", "voicemail", "consent"))
    if kind == "call":
        events = [{"at": at, "kind": "ring", "detail": "l1"},
                  {"at": at, "kind": "answered", "detail": "a1"}]
        history.append({"id": token, "line": "l1", "caller": "600", "started": at, "ended": at,
                        "outcome": "answered", "reason": "agent_hangup", "team": "sales",
                        "agent": "a1", "wait_s": 1.0, "talk_s": 2.0, "events": events})
    elif kind == "sms":
        history.append_sms("in", "l1", "600", token, at, "received")
    elif kind == "voicemail":
        history.add_voicemail(token, "l1", "600", at)
    else:
        history.add_consent(token, "l1", "dtmf", "You agree to be recorded.", at, None)
    return f"{kind} {token}"


def write(path: str, mode: str, seed: int) -> None:
    say("start")
    history = History(path)
    if mode == "migrate":
        say("done")
        return
    rng = random.Random(seed)
    for n in range(MAX_CHANGES):
        say(change(history, rng, n))


def writer(path: str, mode: str, seed: int) -> None:
    """The forked writer: never returns into the command loop."""
    code = 0
    try:
        write(path, mode, seed)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        sys.stderr.flush()
        os._exit(code)


def main() -> None:
    path = sys.argv[1]
    while command := sys.stdin.readline().split():
        pid = os.fork()
        if pid == 0:
            writer(path, command[0], int(command[1]))
        sys.stdin.readline()  # "kill" (or end of input: the test is gone)
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        say(f"dead {status}")


if __name__ == "__main__":
    main()
