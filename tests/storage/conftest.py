"""Fixtures for the storage tests: a store on a temp data directory, and a small office."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance.config.store import ConfigStore
from appliance.ops.seed import seed_sample_office

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def open_store(data_dir: Path) -> Iterator:
    """Open ``ConfigStore``s on ``data_dir/config.json``; all are closed at the end."""
    opened: list[ConfigStore] = []

    def open_() -> ConfigStore:
        store = ConfigStore(data_dir / "config.json")
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store) -> ConfigStore:
    return open_store()


@pytest.fixture
def office(store: ConfigStore) -> ConfigStore:
    """The demo's sample office: 3 stations and agents, a team, hours, a menu, 2 lines."""
    seed_sample_office(store)
    return store
