"""The documentation a reader of a clone relies on stays true to the repository.

Whoever builds a box or joins the project has only this repository: README.md, docs/hardware.md
(the wiring and the settings file) and docs/architecture.md. Nothing else would notice if they
drifted, so this module checks what can be checked mechanically:

* nothing points outside the repository: no Markdown file or Python docstring names the notes
  the project was designed from, which a clone does not have;
* every relative link in README.md and docs/*.md leads to a file that exists here;
* every ``toml`` example in docs/hardware.md uses only keys the settings loader knows, and the
  real loader (``appliance.ops.settings.load_settings``) accepts it, as a whole file or as a
  fragment with only ``data_dir`` added: an installer copies these blocks;
* the handset pin table in docs/hardware.md is the pin map ``image/install.sh`` writes into the
  settings file, each GPIO with its right physical header pin, and the examples use its rows.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import tomllib
from dataclasses import fields
from pathlib import Path
from urllib.parse import unquote

import pytest

from appliance.ops.settings import (
    HandsetWiring,
    LineWiring,
    PanelWiring,
    PhoneWiring,
    SettingsError,
    SipWiring,
    load_settings,
)

ROOT = Path(__file__).resolve().parents[2]
HARDWARE_DOC = ROOT / "docs" / "hardware.md"
INSTALL_SH = ROOT / "image" / "install.sh"
FORBIDDEN = ("../shared", "shared/reference", "shared/DESIGN")
UNTRACKED_DIRS = (".venv", "build")

# The keys load_settings reads: the wiring tables from its dataclasses; [web] and [audio] are
# read key by key into Settings (host, port, audio_rate), so they are named here.
TABLE_KEYS: dict[str, set[str]] = {
    "lines": {f.name for f in fields(LineWiring)},
    "handsets": {f.name for f in fields(HandsetWiring)},
    "phones": {f.name for f in fields(PhoneWiring)},
    "sip": {f.name for f in fields(SipWiring)},
    "panel": {f.name for f in fields(PanelWiring)},
    "web": {"host", "port"},
    "audio": {"rate"},
}
TOP_KEYS = {"data_dir", "language", "country", *TABLE_KEYS}
PIN_KEYS = {"RM": "ring_mode", "F/R": "forward_reverse", "SHK": "hook"}

# BCM GPIO number -> physical pin of the Raspberry Pi's 40-pin header.
PHYSICAL_PIN = {2: 3, 3: 5, 4: 7, 5: 29, 6: 31, 7: 26, 8: 24, 9: 21, 10: 19, 11: 23, 12: 32,
                13: 33, 14: 8, 15: 10, 16: 36, 17: 11, 18: 12, 19: 35, 20: 38, 21: 40, 22: 15,
                23: 16, 24: 18, 25: 22, 26: 37, 27: 13}


# -- reading the repository ---------------------------------------------------------------------


def repository_files() -> list[Path]:
    """Tracked files, and new ones not yet added (so a new doc is checked before its commit)."""
    git = shutil.which("git")
    if git is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the files of the repository cannot be listed")
    listed = subprocess.run(  # noqa: S603 - git with fixed arguments
        [git, "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT, capture_output=True, check=True).stdout.decode()
    paths = [ROOT / name for name in listed.split("\0") if name]
    return [p for p in paths if p.is_file()
            and p.relative_to(ROOT).parts[0] not in UNTRACKED_DIRS]


def docstrings(source: str) -> list[tuple[int, str]]:
    """(line, text) of the module's, each class's and each function's docstring."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            text = ast.get_docstring(node, clean=False)
            if text is not None:
                found.append((node.body[0].lineno, text))
    return found


def markdown_docs() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def without_code(markdown: str) -> str:
    """The text outside fenced code blocks and inline code spans."""
    markdown = re.sub(r"^(```|~~~).*?^\1[^\n]*$", "", markdown, flags=re.M | re.S)
    return re.sub(r"(`+)(?:(?!\1).)+?\1", "", markdown, flags=re.S)


def toml_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```toml[^\n]*\n(.*?)^```", markdown, flags=re.M | re.S)


def pin_table(markdown: str) -> list[dict[str, int]]:
    """The rows of the table whose header names Handset, RM, F/R and SHK, as settings keys."""
    lines = markdown.splitlines()
    for i, line in enumerate(lines):
        header = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if header[:1] == ["Handset"] and set(PIN_KEYS) <= set(header):
            rows = []
            for row in lines[i + 2:]:
                if not row.startswith("|"):
                    break
                cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
                numbers = {PIN_KEYS[name]: re.search(r"GPIO(\d+)", cells[header.index(name)])
                           for name in PIN_KEYS}
                assert all(numbers.values()), f"a pin table row without a GPIO number: {row}"
                rows.append({key: int(m[1]) for key, m in numbers.items() if m})
            return rows
    raise AssertionError("docs/hardware.md has no table with columns Handset, RM, F/R, SHK")


def installer_pins() -> list[dict[str, int]]:
    """``HANDSET_PINS`` of image/install.sh, in the key order its generated settings use."""
    script = INSTALL_SH.read_text()
    table = re.search(r"^readonly HANDSET_PINS=\(([^)]*)\)", script, flags=re.M)
    assert table, "image/install.sh no longer defines HANDSET_PINS"
    order = re.findall(r"(hook|ring_mode|forward_reverse) = %s", script)
    assert sorted(order) == sorted(PIN_KEYS.values()), order
    return [dict(zip(order, map(int, pins.split()), strict=True))
            for pins in re.findall(r'"([\d ]+)"', table[1])]


# -- the checks ---------------------------------------------------------------------------------


def test_nothing_points_outside_the_repository():
    found = []
    for path in repository_files():
        name = path.relative_to(ROOT)
        if path.suffix == ".md":
            texts = [(n, line) for n, line in enumerate(path.read_text().splitlines(), 1)]
        elif path.suffix == ".py":
            try:
                texts = docstrings(path.read_text())
            except SyntaxError:
                continue        # not Python the project runs (the linter reports real ones)
        else:
            continue
        found += [f"{name}:{line}: {word}" for line, text in texts
                  for word in FORBIDDEN if word in text]
    assert not found, ("these name files outside the repository, which a clone does not "
                       "have; say the fact itself instead:\n" + "\n".join(found))


def test_every_relative_link_leads_to_a_file():
    broken = []
    docs = [p for p in markdown_docs() if p.exists()]
    assert HARDWARE_DOC in docs
    assert ROOT / "docs" / "architecture.md" in docs
    for doc in docs:
        text = without_code(doc.read_text())
        targets = re.findall(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)", text)
        targets += re.findall(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", text, flags=re.M)
        for target in targets:
            if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", target) or target.startswith("#"):
                continue        # a web address, mail, or an anchor in the same page
            path = unquote(target.split("#", 1)[0].split("?", 1)[0])
            resolved = (doc.parent / path).resolve()
            if not resolved.is_relative_to(ROOT):
                broken.append(f"{doc.relative_to(ROOT)}: {target} is outside the repository")
            elif not resolved.exists():
                broken.append(f"{doc.relative_to(ROOT)}: {target} does not exist")
    assert not broken, "\n".join(broken)


def test_every_settings_example_is_accepted_by_the_loader(tmp_path):
    blocks = toml_blocks(HARDWARE_DOC.read_text())
    assert blocks, "docs/hardware.md has no ```toml example"
    problems = []
    for n, block in enumerate(blocks, 1):
        try:
            doc = tomllib.loads(block)
        except tomllib.TOMLDecodeError as exc:
            problems.append(f"block {n}: not valid TOML ({exc})")
            continue
        unknown = sorted(set(doc) - TOP_KEYS)
        for table, known in TABLE_KEYS.items():
            entries = doc.get(table, [])
            for entry in entries if isinstance(entries, list) else [entries]:
                unknown += [f"{table}.{key}" for key in sorted(set(entry) - known)]
        if unknown:
            problems.append(f"block {n}: keys the loader ignores: {', '.join(unknown)}")
        path = tmp_path / f"block-{n}.toml"
        prefix = "" if "data_dir" in doc else f'data_dir = "{tmp_path / "data"}"\n'
        path.write_text(prefix + block)
        try:
            load_settings(path)
        except SettingsError as exc:
            problems.append(f"block {n}: refused: {'; '.join(exc.problems)}")
    assert not problems, "\n".join(problems)


def test_the_pin_table_is_the_installers_pin_map():
    text = HARDWARE_DOC.read_text()
    table, installer = pin_table(text), installer_pins()
    assert table == installer, "docs/hardware.md's pin table differs from image/install.sh"
    pins = [pin for row in table for pin in row.values()]
    assert len(set(pins)) == len(pins), "a GPIO is used twice in the pin table"
    assert all(2 <= pin <= 27 for pin in pins)
    wrong = [f"GPIO{bcm} [{physical}]" for bcm, physical in
             re.findall(r"GPIO(\d+)\s+\[(?:pin )?(\d+)\]", text)
             if PHYSICAL_PIN.get(int(bcm)) != int(physical)]
    assert not wrong, f"wrong physical header pins: {wrong}"


def test_the_examples_use_the_pin_map():
    text = HARDWARE_DOC.read_text()
    rows = pin_table(text)
    table_pins = {pin for row in rows for pin in row.values()}
    for block in toml_blocks(text):
        try:
            doc = tomllib.loads(block)
        except tomllib.TOMLDecodeError:
            continue        # reported by the loader's test above
        for handset in doc.get("handsets", []):
            wired = {key: handset[key] for key in PIN_KEYS.values()}
            assert wired in rows, f"{handset['station']} is wired off the pin table: {wired}"
        panel = doc.get("panel", {})
        panel_pins = {*panel.get("lamps", {}).values(), panel.get("closed_switch")}
        assert not panel_pins & table_pins, "the panel example uses a handset's pin"
