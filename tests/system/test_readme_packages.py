"""The README's troubleshooting names every Debian package ``./dev`` installs, so a reader who
installs them by hand gets a working ``./dev demo`` and ``./dev test``."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def packages(name: str) -> set[str]:
    found = re.search(rf"^{name}=\(([^)]*)\)", (ROOT / "dev").read_text(), flags=re.M)
    assert found, name
    return set(found[1].split())


def test_the_readme_names_every_package_dev_installs():
    readme = (ROOT / "README.md").read_text()
    advice = readme[readme.index("`./dev` says Debian packages are missing"):]
    advice = advice[:advice.index("\n- ")]
    named = set(re.findall(r"[a-z0-9][a-z0-9.+-]+", advice))
    assert packages("DEBIAN_PACKAGES") <= named
    assert packages("TEST_PACKAGES") <= named
