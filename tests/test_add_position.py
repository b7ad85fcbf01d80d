"""The add page's position (issue 9): a live preview, fresh errors, and the locator's neighbours."""

from __future__ import annotations

from pathlib import Path

import folium
import pytest
from form_helpers import LOOKUP, copy_curated, errors_beside, open_page, submit
from streamlit.testing.v1 import AppTest

from dashboard.geo import Position
from dashboard.locator_map import nearby_incidents_layer

POSITION = "add_position"


@pytest.fixture
def data_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return copy_curated(tmp_path, monkeypatch)


def position_notes(app: AppTest) -> list[str]:
    return [info.value for info in app.info if "position" in info.value.lower()]


def test_typed_coordinates_are_previewed_before_submitting(data_file: Path) -> None:
    app = open_page("views/add.py")
    assert any("No position yet" in note for note in position_notes(app))
    app.text_input(key=POSITION).set_value("10°36'N 66°56'W").run()
    (note,) = position_notes(app)
    assert note.startswith("Position 10.6")
    assert "No position yet" not in note


@pytest.mark.parametrize("how", ["typing", "place search"])
def test_a_new_position_clears_the_stale_position_error(data_file: Path, how: str) -> None:
    app = submit(open_page("views/add.py"))
    assert errors_beside(app, POSITION), "an empty submission lacks a position"
    if how == "typing":
        app.text_input(key=POSITION).set_value("12.0, -63.5").run()
    else:
        app.text_input(key=LOOKUP).set_value("La Guaira").run()
    assert errors_beside(app, POSITION) == []
    assert not any("Position" in error.value for error in app.error)


def test_the_locator_shows_recorded_incidents_near_the_chosen_point(curated) -> None:
    near_skipper = nearby_incidents_layer(curated, Position(12.3, -63.9))
    tooltips = [
        tooltip.text
        for marker in near_skipper._children.values()
        for tooltip in marker._children.values()
        if isinstance(tooltip, folium.Tooltip)
    ]
    assert "INC-0001" in tooltips  # Skipper, 0.5° away
    assert "INC-0004" not in tooltips  # Marinera, off Iceland
    assert list(nearby_incidents_layer(curated, None)._children) == []
