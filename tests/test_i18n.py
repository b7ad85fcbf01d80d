"""Translations: every shown string in the Spanish catalogue; the language from link or browser."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from streamlit.testing.v1 import AppTest

from dashboard import i18n
from dashboard.i18n import (
    LOCALE_DIR,
    format_date,
    format_number,
    negotiate_language,
    set_language,
    vocabulary_label,
)
from dashboard.schema import EventType, Outcome, VesselType

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "dashboard" / "app.py"
SPANISH_PO = LOCALE_DIR / "es" / "LC_MESSAGES" / "messages.po"
SPANISH_MO = LOCALE_DIR / "es" / "LC_MESSAGES" / "messages.mo"
TEMPLATE = LOCALE_DIR / "messages.pot"
# Words of English interface text that Spanish text never contains; data values and proper
# names (Interdiction Tracker, FollowTheMoney) do not use them either.
ENGLISH_WORDS = re.compile(
    r"\b(the|and|of|with|incidents?|match|shown|click|filters?|download|vessels?|flag|"
    r"source|sources|date|map|outcome|event|type|search|any)\b",
    re.IGNORECASE,
)


@pytest.fixture(autouse=True)
def _english_after_each_test():
    yield
    set_language("en")


def _extracted() -> set[tuple[str | None, str]]:
    """(context, message) of every string the code marks for translation, as pybabel finds them."""
    with (REPO / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(REPO), method_map, options_map
    ):
        found.add((context, message if isinstance(message, str) else message[0]))
    return found


def _catalogue(path: Path, *, mo: bool = False) -> dict[tuple[str | None, str], str]:
    with path.open("rb") as handle:
        catalog = read_mo(handle) if mo else read_po(handle)
    return {
        (message.context, message.id if isinstance(message.id, str) else message.id[0]): (
            message.string if isinstance(message.string, str) else message.string[0]
        )
        for message in catalog
        if message.id and not message.fuzzy
    }


def test_every_interface_string_has_a_spanish_translation() -> None:
    # Extract as `pybabel extract` does, then compare: a new _() string without a Spanish
    # entry fails here, naming it.
    spanish = _catalogue(SPANISH_PO)
    missing = sorted(
        f"{context + ': ' if context else ''}{message}"
        for context, message in _extracted()
        if not spanish.get((context, message))
    )
    assert missing == [], "run pybabel extract/update and translate:\n" + "\n".join(missing)


def test_template_and_compiled_catalogue_are_up_to_date() -> None:
    extracted = _extracted()
    assert set(_catalogue(TEMPLATE)) == extracted, "run pybabel extract (see dashboard/i18n.py)"
    assert _catalogue(SPANISH_MO, mo=True) == {
        key: value for key, value in _catalogue(SPANISH_PO).items() if key in extracted
    }, "run pybabel compile -d dashboard/locale"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("es-VE,es;q=0.9,en;q=0.8", "es"),  # Venezuelan Spanish first
        ("en-US,en;q=0.9,es;q=0.5", "en"),
        ("fr-FR,es;q=0.7", "es"),  # French is not offered; Spanish is the next wish
        ("es;q=0,en", "en"),  # q=0 means "not Spanish"
        ("de-DE", None),  # nothing we offer: the default applies
        ("", None),
        (None, None),
        ("garbage;q=x, es-419", "es"),  # a broken part is skipped, Latin American Spanish
    ],
)
def test_accept_language_picks_the_most_wanted_supported_language(
    header: str | None, language: str | None
) -> None:
    assert negotiate_language(header) == language


def test_vocabulary_labels_come_from_the_schema_with_their_gender() -> None:
    set_language("es")
    assert vocabulary_label(EventType.SEIZURE) == "incautación"
    assert vocabulary_label(Outcome.RETURNED_TO_ORIGIN) == "devuelto al puerto de origen"
    assert vocabulary_label(VesselType.GO_FAST_BOAT) == "lancha rápida"
    set_language("en")
    assert vocabulary_label(Outcome.RETURNED_TO_ORIGIN) == Outcome.RETURNED_TO_ORIGIN.label


def test_dates_and_numbers_follow_the_language() -> None:
    day = dt.date(2025, 12, 10)
    set_language("es")
    assert (format_date(day), format_number(1234567)) == ("10 dic 2025", "1.234.567")
    set_language("en")
    assert (format_date(day), format_number(1234567)) == ("Dec 10, 2025", "1,234,567")


def test_an_unknown_language_falls_back_to_english() -> None:
    assert set_language("xx") == "en"
    assert i18n._("Incidents") == "Incidents"


# --- the app -----------------------------------------------------------------------------------


def _app(query: dict[str, list[str]] | None = None, **context: object) -> AppTest:
    app = AppTest.from_file(str(APP), default_timeout=60)
    for name, values in (query or {}).items():
        app.query_params[name] = values
    if context:
        app.context = context
    return app


def _param(app: AppTest, name: str) -> list[str]:
    value = app.query_params.get(name, [])
    return [value] if isinstance(value, str) else list(value)


def _sidebar_multiselect(app: AppTest, key: str):
    (found,) = [widget for widget in app.sidebar.multiselect if widget.key == key]
    return found


def test_lang_in_the_link_translates_titles_and_vocabulary_and_stays_in_the_link(
    app_data: Path,
) -> None:
    app = _app({"lang": ["es"], "flag": ["PA"]}).run()
    app.switch_page("views/table.py").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.title[0].value == "Incidentes"
    assert "coinciden con los filtros" in app.caption[0].value
    event_types = _sidebar_multiselect(app, "filter_event_types")
    assert event_types.format_func("seizure") == "incautación"
    # A filter change rewrites the URL: the language stays in it, beside the filter.
    event_types.set_value(["seizure"]).run()
    assert _param(app, "lang") == ["es"]
    assert _param(app, "type") == ["seizure"]


def test_browser_language_decides_the_first_visit(app_data: Path) -> None:
    app = _app(locale="es-VE").run()
    app.switch_page("views/table.py").run()
    assert app.title[0].value == "Incidentes"
    assert _param(app, "lang") == ["es"]


def test_the_sidebar_switch_changes_the_language_and_the_link(app_data: Path) -> None:
    app = _app({"lang": ["es"]}).run()
    app.switch_page("views/table.py").run()
    (switch,) = [box for box in app.sidebar.selectbox if box.label == "Language · Idioma"]
    switch.set_value("en").run()
    assert app.title[0].value == "Incidents"
    assert "lang" not in app.query_params


def _shown_interface_text(block) -> list[str]:
    """Interface text in an AppTest block: titles, captions, labels, buttons (no data tables)."""
    kinds = ("title", "header", "subheader", "caption")
    texts = [element.value for kind in kinds for element in getattr(block, kind)]
    for kind in (
        "button",
        "multiselect",
        "selectbox",
        "text_input",
        "date_input",
        "radio",
        "toggle",
    ):
        texts.extend(widget.label for widget in getattr(block, kind))
    return [text for text in texts if text and text != "Language · Idioma"]


# The pages whose strings are wrapped in _() so far; the others are expected to show English
# until they are swept (strict: a page swept without moving it here fails).
SWEPT_PAGES = [
    "views/table.py",
    "views/timeline.py",
    "views/about.py",
    "views/map.py",
    "views/vessels.py",
    "views/add.py",
    "views/review.py",
]
NOT_YET_SWEPT: list[str] = []


@pytest.mark.parametrize(
    "page",
    [
        *SWEPT_PAGES,
        *(
            pytest.param(page, marks=pytest.mark.xfail(strict=True, reason="not yet translated"))
            for page in NOT_YET_SWEPT
        ),
    ],
)
def test_a_page_in_spanish_shows_no_english_interface_text(app_data: Path, page: str) -> None:
    app = _app({"lang": ["es"]}).run()
    app.switch_page(page).run()
    assert not app.exception
    english = [text for text in _shown_interface_text(app.main) if ENGLISH_WORDS.search(text)]
    assert english == []


def test_the_sidebar_in_spanish_shows_no_english_interface_text(app_data: Path) -> None:
    app = _app({"lang": ["es"]}).run()
    english = [text for text in _shown_interface_text(app.sidebar) if ENGLISH_WORDS.search(text)]
    assert english == []


def test_the_embed_in_spanish_shows_no_english_interface_text(app_data: Path) -> None:
    app = _app({"lang": ["es"]}, is_embedded=True).run()
    assert not app.exception
    caption = " ".join(element.value for element in app.caption)
    assert "Datos al" in caption and "lang=es" in caption
    english = [text for text in _shown_interface_text(app.main) if ENGLISH_WORDS.search(text)]
    assert english == []


def test_timeline_charts_speak_the_language(curated) -> None:
    from dashboard.timeline import build_counts_chart

    set_language("es")
    spec = build_counts_chart(curated, "M").to_dict()
    rows = [row for rows in spec["datasets"].values() for row in rows]
    assert {row["event"] for row in rows} <= {
        "incautación",
        "persecución",
        "abordaje",
        "ataque",
        "otro",
    }
    assert any(row["period"] == "diciembre 2025" for row in rows)
    titles = [tip["title"] for tip in spec["encoding"]["tooltip"]]
    assert titles == ["Periodo", "Suceso", "Incidentes", "Todos los sucesos"]


def test_map_popups_and_legend_speak_the_language_but_data_stays_as_written(curated) -> None:
    from dashboard.map_view import legend_html, popup_html

    strike = curated[(curated["event_type"] == "strike") & curated["notes"].notna()].iloc[0]
    incident = strike.to_dict()
    set_language("es")
    popup, legend = popup_html(incident), legend_html(curated)
    assert "<th>Suceso</th><td>ataque</td>" in popup
    assert "<strong>Fuentes</strong>" in popup and "Copiar el enlace" in popup
    assert "<strong>Notas</strong>" in popup
    assert "Leyenda" in legend and "Mismo buque" in legend
    # The summary and notes are data: they stay in English, escaped as before.
    assert popup_html(incident).count("Notas") == 1
    set_language("en")
    english = popup_html(incident)
    assert "<th>Event</th><td>strike</td>" in english and "<strong>Sources</strong>" in english


def _map_html(app: AppTest) -> str:
    """The HTML the map page hands its map component (its popups, legend and controls)."""
    (map_column, _details) = app.main.columns
    (component,) = [child for child in map_column.children.values() if hasattr(child, "proto")]
    return component.proto.json_args


def test_the_map_is_cached_per_language(app_data: Path) -> None:
    # A map drawn for a Spanish reader must not be handed to an English one from the cache.
    app = _app({"lang": ["es"]}).run()
    app.switch_page("views/map.py").run()
    assert not app.exception
    assert "Mismo buque" in _map_html(app) and "Same vessel" not in _map_html(app)
    (switch,) = [box for box in app.sidebar.selectbox if box.label == "Language · Idioma"]
    switch.set_value("en").run()
    assert "Same vessel" in _map_html(app) and "Mismo buque" not in _map_html(app)


def test_the_editor_login_in_spanish_shows_no_english_interface_text(
    app_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERDICTION_TRACKER_EDITOR_PASSPHRASE", "correct horse battery staple")
    app = _app({"lang": ["es"]}).run()
    app.switch_page("views/add.py").run()
    assert not app.exception
    assert [box.label for box in app.text_input][:2] == [
        "Nombre de editor",
        "Frase de acceso de editor",
    ]
    english = [text for text in _shown_interface_text(app.main) if ENGLISH_WORDS.search(text)]
    assert english == []


def test_downloads_are_written_in_english_whatever_the_page_speaks(curated) -> None:
    from dashboard.exports import EXPORTERS

    (kml,) = [exporter for exporter in EXPORTERS if exporter.name == "kml"]
    set_language("es")
    written = kml.render(curated.head(3)).decode("utf-8")
    assert "Copy link to this incident" in written and "Copiar el enlace" not in written
    assert i18n.current_language() == "es"  # the page's language is back after the file
