"""The README's scripted call, run as a reader runs it: bash, ``./dev demo`` and curl.

Only the address and the data folder change (a free port and a temporary folder, so a demo the
developer already runs on 8080 and its ``demo-data/`` are left alone); the test fails if those
substitutions no longer find their text, so the block cannot drift away from what is run.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from .test_demo_cli import free_port

ROOT = Path(__file__).resolve().parents[2]


def readme_block(after: str) -> str:
    """The first ```sh block after the sentence ``after``."""
    text = (ROOT / "README.md").read_text()
    match = re.search(re.escape(after) + r".*?```sh\n(.*?)```", text, re.S)
    assert match, f"README has no sh block after {after!r}"
    return match[1]


def on_free_port(block: str, data: Path, port: int) -> str:
    for old, new in (("./dev demo ", f"./dev demo --data {data} --port {port} "),
                     ("127.0.0.1:8080", f"127.0.0.1:{port}")):
        assert old in block, f"the README block no longer says {old!r}"
        block = block.replace(old, new)
    return block


def test_the_scripted_call_runs_as_written(tmp_path):
    script = on_free_port(readme_block("Driving a call from a script"), tmp_path / "data",
                          free_port())
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    proc = subprocess.Popen(["bash", "-c", script], cwd=ROOT, env=env,  # noqa: S603, S607
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"the README's scripted call did not finish in 60 s:\n{out}")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 0, out
    last_call = [line for line in out.splitlines() if line.startswith("[{")][-1]
    assert '"caller":"600111222"' in last_call, out
    assert '"outcome":"answered"' in last_call, out
    assert "Stopping" in out, "kill %1 stops the demo"
