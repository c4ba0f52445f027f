"""install.sh installs the compiler only for the pyalsaaudio build and removes it afterwards
(issue 10: the installed box should stay well under 150 MB beyond the base OS).

Runs the real script in --dry-run with a stub dpkg-query on PATH that says which packages the
system already has; the plan the script prints is what is checked.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

INSTALL_SH = Path(__file__).resolve().parents[2] / "image" / "install.sh"


def plan(tmp_path: Path, missing: set[str]) -> str:
    stub = tmp_path / "dpkg-query"
    cases = "|".join(sorted(missing))
    stub.write_text("#!/bin/sh\nfor last; do :; done\n"
                    f'case "$last" in {cases}) exit 1 ;; esac\n'
                    "printf 'install ok installed'\n")
    stub.chmod(0o755)
    env = os.environ | {"PATH": f"{tmp_path}:{os.environ['PATH']}"}
    done = subprocess.run([str(INSTALL_SH), "--dry-run"], env=env, capture_output=True,  # noqa: S603
                          text=True, timeout=60, check=True)
    return done.stdout


def test_build_packages_it_added_are_removed_after_the_build(tmp_path):
    out = plan(tmp_path, {"gcc", "python3-dev", "sox"})
    install = next(ln for ln in out.splitlines() if "apt-get install" in ln)
    assert {"gcc", "python3-dev", "sox"} <= set(install.split())
    purge = next(ln for ln in out.splitlines() if "apt-get purge" in ln)
    assert set(purge.split()) >= {"gcc", "python3-dev"}
    assert "sox" not in purge.split()                       # a runtime package stays
    assert out.index("apt-get install") < out.index("apt-get purge")


def test_build_packages_that_were_there_before_are_left_alone(tmp_path):
    out = plan(tmp_path, {"sox"})
    assert "apt-get purge" not in out


def test_the_downloaded_packages_are_cleaned_after_installing(tmp_path):
    """apt keeps every .deb it downloaded (255 MB in ./dev vm's Debian 12): of no use on an SD
    card once installed."""
    out = plan(tmp_path, {"sox"})
    assert out.index("apt-get install") < out.index("apt-get clean")
