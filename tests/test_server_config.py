"""The Streamlit settings the map's speed depends on (issue 12) stay in .streamlit/config.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

CONFIG = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"


@pytest.fixture(scope="module")
def config() -> dict:
    return tomllib.loads(CONFIG.read_text(encoding="utf-8"))


def test_no_full_garbage_collection_after_every_script_run(config: dict) -> None:
    # With the incidents in memory, gc.collect() held the GIL for 0.1-0.3 s after each run.
    assert config["runner"]["postScriptGC"] is False


def test_no_source_watcher_walking_every_module_for_each_new_session(config: dict) -> None:
    assert config["server"]["fileWatcherType"] == "none"


def test_map_assets_are_served_locally_and_messages_compressed(config: dict) -> None:
    assert config["server"]["enableStaticServing"] is True
    assert config["server"]["enableWebsocketCompression"] is True
