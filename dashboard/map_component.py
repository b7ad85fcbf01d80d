"""A Folium map rendered once into streamlit-folium's component arguments, then drawn from them.

``st_folium`` renders the whole map to text on every script run: at 100,000 incidents that is
four passes over a 1.5 MB script (about 1.5 s), plus the deep copy the map needs because
``st_folium`` renames its elements. Here the same arguments are computed once, when the map is
built, and kept as plain strings; each run only hands them to the same front end, so clicks,
the returned ``last_object_clicked`` and the component's identity behave exactly as with
``st_folium``. Written against streamlit-folium 0.27 (pinned in requirements.txt); the browser
tests in tests/browser/test_map.py exercise this path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import folium
import streamlit as st
import streamlit_folium
from folium.elements import JSCSSMixin

# The values st_folium starts these outputs with; only outputs whose start value is None are
# offered, so the defaults need no map geometry (st_folium computes bounds on every run).
CLICK_OUTPUTS = frozenset(
    {
        "last_clicked",
        "last_object_clicked",
        "last_object_clicked_tooltip",
        "last_object_clicked_popup",
    }
)


@dataclass(frozen=True)
class MapPayload:
    """What the streamlit-folium front end needs to draw one map: immutable text only."""

    script: str
    header: str
    html: str
    map_id: str
    component_key: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]

    @property
    def size(self) -> int:
        """The bytes of map text the browser receives (script, header and HTML, UTF-8)."""
        return sum(len(part.encode("utf-8")) for part in (self.script, self.header, self.html))


def render_map_payload(incident_map: folium.Map, *, key: str) -> MapPayload:
    """The component arguments st_folium would send for ``incident_map`` under ``key``."""
    # The steps of streamlit_folium.st_folium, which renders the map twice where once fills the
    # page's header and HTML; they rename the map's elements, harmless for a map built for this.
    incident_map.get_root().render()
    html = streamlit_folium._get_html(incident_map)
    header = streamlit_folium._get_header(incident_map)
    script = streamlit_folium._get_map_string(incident_map)
    css_links: list[str] = []
    js_links: list[str] = []
    for element in _walk(incident_map):
        if isinstance(element, JSCSSMixin):
            css_links.extend(url for _name, url in element.default_css)
            js_links.extend(url for _name, url in element.default_js)
    return MapPayload(
        script=script,
        header=header,
        html=html,
        map_id=streamlit_folium.get_full_id(incident_map),
        component_key=streamlit_folium.generate_js_hash(script, key, False),
        css_links=tuple(dict.fromkeys(css_links)),
        js_links=tuple(dict.fromkeys(js_links)),
    )


def _walk(element: Any) -> list[Any]:
    """The element and all its descendants, parents first."""
    found = [element]
    for child in getattr(element, "_children", {}).values():
        found.extend(_walk(child))
    return found


def show_map(
    payload: MapPayload,
    *,
    key: str,
    height: int,
    returned_objects: Sequence[str] = ("last_object_clicked",),
) -> dict[str, Any] | None:
    """Draw ``payload`` full width, as st_folium would; return what the user last clicked."""
    unsupported = set(returned_objects) - CLICK_OUTPUTS
    if unsupported:
        raise ValueError(f"show_map returns only clicks, not {', '.join(sorted(unsupported))}")

    def keep_state() -> None:
        # As st_folium does: the state also lives under the caller's own key.
        st.session_state[key] = st.session_state.get(payload.component_key, {})

    return streamlit_folium._component_func(
        script=payload.script,
        header=payload.header,
        html=payload.html,
        id=payload.map_id,
        key=payload.component_key,
        height=height,
        width=None,
        returned_objects=list(returned_objects),
        default=dict.fromkeys(returned_objects),
        zoom=None,
        center=None,
        feature_group=None,
        return_on_hover=False,
        layer_control=None,
        pixelated=False,
        css_links=list(payload.css_links),
        js_links=list(payload.js_links),
        on_change=keep_state,
        wrap_longitude=False,
    )
