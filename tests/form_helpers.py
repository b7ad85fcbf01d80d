"""Driving the add-incident and review pages through AppTest, shared by their test modules."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path

from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block, Node

from dashboard.store import DATA_PATH_ENV

REPO = Path(__file__).resolve().parent.parent
APP = REPO / "dashboard" / "app.py"
CURATED = REPO / "data" / "incidents.csv"
ADD_PAGE = "views/add.py"
REVIEW_PAGE = "views/review.py"
SUBMIT = "add_submit"
LOOKUP = "add_place_lookup"
WIDGET_KINDS = ("text_input", "text_area", "selectbox", "date_input", "checkbox")

# One valid incident as typed into the form, by widget key. Its vessel, IMO and dates match
# nothing in the curated file, its MMSI's MID (351) is Panama's and the point is at sea, so it
# raises no warning.
VALID_FORM: dict[str, object] = {
    "add_date": dt.date(2026, 1, 15),
    "add_date_precision": "day",
    "add_event_type": "boarding",
    "add_outcome": "boarded",
    "add_agency": "US Coast Guard",
    "add_summary": "A test team boarded the tanker at dawn.",
    "add_vessel_name": "Form Test Tanker",
    "add_former_names": "Old Form; Older Form",
    "add_imo": "1234567",
    "add_mmsi": "351234567",
    "add_vessel_type": "product_tanker",
    "add_flag": "PA",
    "add_false_flag": "no",
    "add_registry": "Panama",
    "add_linked_to": "Iran; China",
    "add_sanctions": "none reported",
    "add_position": "12.25, -66.5",
    "add_place": "Caribbean Sea north of Venezuela",
    "add_location_precision": "approximate",
    "add_source_0_outlet": "Example News",
    "add_source_0_title": "A tanker is boarded",
    "add_source_0_url": "https://example.org/boarded",
    "add_source_0_published": dt.date(2026, 1, 16),
    "add_notes": "Typed in a test.",
    "add_added_by": "Test Editor",
}


def copy_curated(folder: Path, monkeypatch: object) -> Path:
    """A copy of the curated incident file in ``folder`` that the app under test reads."""
    path = folder / "incidents.csv"
    shutil.copyfile(CURATED, path)
    monkeypatch.setenv(DATA_PATH_ENV, str(path))
    monkeypatch.setenv("INTERDICTION_TRACKER_TILES", "off")
    monkeypatch.delenv("INTERDICTION_TRACKER_EDITOR_PASSPHRASE", raising=False)
    monkeypatch.delenv("INTERDICTION_TRACKER_ONLINE_GEOCODING", raising=False)
    return path


def open_page(page: str, secrets: Mapping[str, str] | None = None) -> AppTest:
    """The real app, run once and switched to ``page``."""
    app = AppTest.from_file(str(APP), default_timeout=60)
    for name, value in (secrets or {}).items():
        app.secrets[name] = value
    # Straight to the page: a first run on the default (map) page would only cost time.
    return app.switch_page(page).run()


def widget(app: AppTest, key: str) -> Node:
    """The widget with ``key``, whatever its kind."""
    for kind in WIDGET_KINDS:
        try:
            return getattr(app, kind)(key=key)
        except KeyError:
            continue
    raise KeyError(f"no widget with key {key!r}")


def has_widget(app: AppTest, key: str) -> bool:
    """Whether a widget with ``key`` is on the page."""
    try:
        widget(app, key)
    except KeyError:
        return False
    return True


def fill(app: AppTest, values: Mapping[str, object]) -> AppTest:
    """Set each widget (by key) to its value, without running the script."""
    for key, value in values.items():
        widget(app, key).set_value(value)
    return app


def submit(app: AppTest) -> AppTest:
    """Press "Add incident" and wait for the run to finish."""
    return app.button(key=SUBMIT).click().run()


def _blocks(node: Node) -> Iterator[Block]:
    if isinstance(node, Block):
        yield node
        for child in node.children.values():
            yield from _blocks(child)


def errors_beside(app: AppTest, key: str) -> list[str]:
    """The error messages drawn right after the widget with ``key``, in its own container."""
    for block in _blocks(app.main):
        children = list(block.children.values())
        for index, child in enumerate(children):
            if getattr(child, "key", None) != key:
                continue
            errors = []
            for after in children[index + 1 :]:
                if getattr(after, "type", None) != "error":
                    break
                errors.append(after.value)
            return errors
    raise KeyError(f"no widget with key {key!r}")


def all_text(app: AppTest) -> str:
    """Every piece of text the page shows (markdown, alerts, captions, titles), one per line."""
    shown = []
    for kind in ("markdown", "caption", "title", "subheader", "info", "warning", "error"):
        shown.extend(str(element.value) for element in getattr(app, kind))
    shown.extend(str(element.value) for element in app.success)
    return "\n".join(shown)
