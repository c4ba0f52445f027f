"""Design rules for the web package that no behaviour test would notice being broken."""

from __future__ import annotations

import ast
from pathlib import Path

import web

WEB_DIR = Path(web.__file__).parent


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_web_never_imports_hardware():
    modules = sorted(WEB_DIR.glob("*.py"))
    assert len(modules) >= 5
    offenders = {str(p.name): sorted(m for m in imported_modules(p)
                                     if m == "hardware" or m.startswith("hardware."))
                 for p in modules}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_static_files_load_nothing_from_the_internet():
    for path in [*WEB_DIR.glob("static/*"), *WEB_DIR.glob("templates/*.html")]:
        text = path.read_text(encoding="utf-8")
        assert "http://" not in text, path.name
        assert "https://" not in text, path.name
