"""The embed for articles (?embed=1): the map alone, filters from the URL, source and date."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from dashboard.embed import (
    dashboard_url,
    embed_filter,
    embed_url,
    iframe_snippet,
)
from dashboard.filters import IncidentFilter, filter_incidents
from dashboard.i18n import format_date
from dashboard.store import load_incidents

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"


def _embed(query: dict[str, list[str]], *, is_embedded: bool = True) -> AppTest:
    # Streamlit reads ?embed=true itself and tells the script through st.context.is_embedded.
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.context = {"is_embedded": is_embedded}
    for name, values in query.items():
        app.query_params[name] = values
    return app.run()


def test_embed_shows_the_map_alone_with_source_and_date(app_data: Path) -> None:
    app = _embed({"flag": ["PA"], "type": ["seizure"]})
    assert not app.exception, [e.value for e in app.exception]
    # No sidebar (no filters, no navigation), no form, no title: only the map and its caption.
    assert len(app.sidebar) == 0
    assert not app.text_input and not app.button and not app.title
    caption = " ".join(element.value for element in app.caption)
    frame = load_incidents(app_data).incidents
    wanted = filter_incidents(frame, IncidentFilter(flags=("PA",), event_types=("seizure",)))
    assert "Source: [Interdiction Tracker](" in caption
    assert f"Data as of {format_date(frame['added_at'].max().date())}." in caption
    assert f"{len(wanted):,} of {len(frame):,} incidents shown" in caption
    assert "flag=PA" in caption


def test_embed_filter_ignores_page_parameters_and_bad_values() -> None:
    query = {"lang": ["es"], "flag": ["XX", "GY"], "since": ["soon"]}
    assert embed_filter(query) == IncidentFilter(flags=("GY",))


def test_embed_and_dashboard_urls_carry_the_filter() -> None:
    incident_filter = IncidentFilter(flags=("PA",))
    assert (
        embed_url("https://t.example", incident_filter) == "https://t.example/?flag=PA&embed=true"
    )
    assert dashboard_url("https://t.example", IncidentFilter()) == "https://t.example/"


def test_iframe_snippet_escapes_the_url() -> None:
    snippet = iframe_snippet('https://t.example/?q="><script>', title="Map")
    assert "<script>" not in snippet
    assert snippet.startswith('<iframe src="https://t.example/?q=&quot;&gt;&lt;script&gt;"')


def test_without_embed_the_full_dashboard_runs(app_data: Path) -> None:
    app = _embed({"flag": ["PA"]}, is_embedded=False)
    assert not app.exception
    assert len(app.sidebar) > 0


def test_about_page_offers_the_iframe_snippet_for_the_current_filters(app_data: Path) -> None:
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.query_params["flag"] = ["PA"]
    app.context = {"url": "https://tracker.example.org/about?flag=PA"}
    app.run()
    app.switch_page("views/about.py").run()
    assert not app.exception, [e.value for e in app.exception]
    snippets = [block.value for block in app.code if block.language == "html"]
    assert snippets == [
        iframe_snippet(
            "https://tracker.example.org/?flag=PA&embed=true",
            title="Map of maritime interdictions (Interdiction Tracker)",
        )
    ]
    feeds = " ".join(block.value for block in app.markdown)
    assert "/app/static/feeds/incidents.atom" in feeds
    assert "/app/static/feeds/flag/PA.atom" in feeds
