"""A standing hostile-input suite: what an attacker or a careless user types, through the URL,
the form and the command line; each answer is a plain error or text shown as typed, and a
refused input leaves the data file byte for byte as it was."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import unicodedata
from pathlib import Path

import pytest
from form_helpers import VALID_FORM, copy_curated, fill, open_page, submit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from incident_samples import draft_fields
from streamlit.testing.v1 import AppTest

from dashboard import cli, store
from dashboard.errors import IncidentValidationError
from dashboard.filters import FILTER_PARAMS
from dashboard.schema import (
    MAX_NOTES_CHARS,
    MAX_SHORT_TEXT_CHARS,
    MAX_SUMMARY_CHARS,
    MAX_URL_CHARS,
    AddedVia,
    validate_draft,
)
from dashboard.vessel_views import vessel_choices

# Markdown that would turn into something else than its text (issue 10), then a selection of
# the OWASP XSS filter-evasion cheat sheet (cheatsheetseries.owasp.org).
HOSTILE_TEXTS = [
    "[Click to re-login](https://evil.example/phish)",  # an off-site link in our own notice
    "![p](https://evil.example/pixel.png)",  # an image the browser fetches off-host
    ":red[urgent] :material/warning: :rainbow[x]",  # Streamlit's own colour directives
    "<script>alert(1)</script>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert(&quot;XSS&quot;)>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)>",
    "<svg/onload=alert('XSS')>",
    "<BODY ONLOAD=alert('XSS')>",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "<iframe src=javascript:alert(1)></iframe>",
    '"><script>alert(String.fromCharCode(88,83,83))</script>',
    '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
    "[a](javascript:alert(1)) <https://evil.example> https://evil.example/auto",
    "Skip\u202eper\u200b",  # a reversed, doubled name
]

# What a markdown body must not hold unescaped (a backslash before the mark disarms it).
_UNSAFE_MARKDOWN = [
    re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\("),  # [text](link)
    re.compile(r"(?<!\\)!(?<!\\)\["),  # ![image]
    re.compile(r"(?<!\\):[a-z]+(?<!\\)\["),  # :red[...]
    re.compile(r"(?<!\\)<[a-zA-Z/!]"),  # raw HTML or an autolink
    re.compile(r"(?<!\\)https?(?<!\\)://"),  # a bare URL GitHub-flavoured markdown links
]
_MARKDOWN_KINDS = (
    "markdown", "caption", "title", "header", "subheader", "info", "warning", "error", "success"
)  # fmt: skip


def unsafe_markdown(app: AppTest) -> list[str]:
    """Every markdown body on the page (main and sidebar) that would render as more than text."""
    found = []
    for root in (app, app.sidebar):
        for kind in _MARKDOWN_KINDS:
            for element in getattr(root, kind):
                body = str(element.value)
                if any(pattern.search(body) for pattern in _UNSAFE_MARKDOWN):
                    found.append(f"{kind}: {body}")
    return found


PAGES = ["views/map.py", "views/timeline.py", "views/table.py", "views/vessels.py",
         "views/add.py", "views/review.py"]  # fmt: skip


@pytest.fixture
def data_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return copy_curated(tmp_path, monkeypatch)


# --- the URL ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_hostile_link_values_show_only_as_text_in_the_sidebar(data_file, text):
    app = AppTest.from_file(str(Path(__file__).parents[1] / "dashboard" / "app.py"))
    for spec in FILTER_PARAMS:
        app.query_params[spec.param] = [text]
    app.query_params[text] = ["x"]  # a hostile parameter name, too
    app.run(timeout=60)
    assert not app.exception
    assert app.sidebar.warning, "each ignored value is named in a notice"
    assert unsafe_markdown(app) == []


# --- the data file, shown on every page -------------------------------------------------------


def test_hostile_text_in_the_data_shows_as_text_on_every_page(data_file):
    for number, text in enumerate(HOSTILE_TEXTS):
        draft = validate_draft(
            draft_fields(
                vessel_name=f"{text} {number}",
                imo="",
                former_names=text,
                place=text,
                agency=text,
                summary=text,
                notes=text,
                registry=text,
                sources=[{"outlet": text, "title": text, "url": "https://example.org/a"}],
            )
        )
        store.append_incident(draft, added_by=text, added_via=AddedVia.FORM, path=data_file)
    for page in PAGES:
        app = open_page(page)
        assert not app.exception, page
        assert unsafe_markdown(app) == [], page
    # Each hostile vessel's own facts on the Vessels page.
    app = open_page("views/vessels.py")
    frame = store.load_incidents(data_file).incidents
    hostile = [
        key for key, label in vessel_choices(frame) if any(t in label for t in HOSTILE_TEXTS)
    ]
    assert len(hostile) >= len(HOSTILE_TEXTS) // 2, vessel_choices(frame)[:20]
    for key in hostile:
        app.selectbox(key="vessel_choice").set_value(key).run()
        assert not app.exception
        assert unsafe_markdown(app) == [], key


# --- the form ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"add_source_0_url": "javascript:alert(1)"}, "add_source_0_url"),
        ({"add_source_0_url": "https://x.org/?q=" + "a" * 70_000}, "add_source_0_url"),
        ({"add_summary": "[x](https://evil.example) " + "s" * MAX_SUMMARY_CHARS}, "add_summary"),
        ({"add_position": "[x](https://evil.example)"}, "add_position"),
        ({"add_imo": "<script>alert(1)</script>"}, "add_imo"),
        ({"add_mmsi": ":red[123456789]"}, "add_mmsi"),
    ],
)
def test_a_hostile_form_entry_is_refused_in_plain_text_and_writes_nothing(data_file, changes, key):
    app = open_page("views/add.py")
    before = data_file.read_bytes()
    submit(fill(app, {**VALID_FORM, **changes}))
    assert not app.exception
    assert data_file.read_bytes() == before
    assert app.error, "the problem is shown"
    assert unsafe_markdown(app) == []


# --- the command line -------------------------------------------------------------------------


def _run(*args: object, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr("sys.stdin", io.StringIO(stdin))
        status = cli.main([str(arg) for arg in args])
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("incident", "field"),
    [
        ({"latitude": True}, "latitude"),  # not 1.0
        ({"date": "1765324800"}, "date"),  # not 2025-12-10
        ({"date": "0001-01-01"}, "date"),
        ({"sources": [{"outlet": "X", "url": "javascript:alert(1)"}]}, "sources[0].url"),
        (
            {"sources": [{"outlet": "X", "url": "https://x.org/?q=" + "a" * 70_000}]},
            "sources[0].url",
        ),
        (
            {"sources": [{"outlet": "X", "url": "https://x.org", "published": "2099-01-01"}]},
            "sources[0].published",
        ),
        ({"killed": 10**400}, "killed"),
        ({"vessel_name": "x" * (MAX_SHORT_TEXT_CHARS + 1)}, "vessel_name"),
        ({"id": "INC-0001"}, "id"),  # the store sets it
        ({"added_by": "[admin](https://evil.example)"}, "added_by"),
    ],
)
def test_a_hostile_cli_incident_is_refused_line_by_line_and_writes_nothing(
    data_file, incident, field
):
    before = data_file.read_bytes()
    status, out, err = _run("--data", data_file, "add", stdin=json.dumps(draft_fields(**incident)))
    assert (status, out) == (1, "")
    lines = err.splitlines()
    assert lines[0].startswith(f"{field}: "), lines
    assert lines[-1].startswith("nothing added")
    assert "Traceback" not in err
    assert data_file.read_bytes() == before


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,  # RecursionError before
        '{"killed": ' + "9" * 5000 + "}",  # ValueError before
        "\x00\x01\x02",
        '{"date": "2025-12-10",',
        "",
    ],
)
def test_hostile_cli_input_is_one_plain_line(data_file, text):
    before = data_file.read_bytes()
    status, out, err = _run("--data", data_file, "add", stdin=text)
    assert (status, out) == (1, "")
    assert len(err.splitlines()) == 2, err  # the problem, then "nothing added"
    assert data_file.read_bytes() == before


# --- the CSV round trip, property-tested ------------------------------------------------------

# Any text the schema keeps as it is: no control characters or line breaks (they are folded
# into spaces), no surrounding or repeated spaces, NFC.
_TEXT_ALPHABET = st.characters(
    blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Cf", "Co", "Cn"), blacklist_characters=" ;"
)


def _clean(max_size: int) -> st.SearchStrategy[str]:
    words = st.text(_TEXT_ALPHABET, min_size=1, max_size=max(1, max_size // 8))
    return (
        st.lists(words, min_size=1, max_size=8)
        .map(" ".join)
        .map(lambda text: unicodedata.normalize("NFC", text))
        .filter(lambda text: text == " ".join(text.split()) and 0 < len(text) <= max_size)
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    vessel=_clean(MAX_SHORT_TEXT_CHARS),
    summary=_clean(MAX_SUMMARY_CHARS) | st.just("ß" * MAX_SUMMARY_CHARS),
    notes=_clean(MAX_NOTES_CHARS) | st.just("\"'," * (MAX_NOTES_CHARS // 3)),
    url_tail=st.text("abcXYZ019-._~%/?=&#", max_size=MAX_URL_CHARS - 20),
    latitude=st.floats(-90, 90, allow_nan=False),
    longitude=st.floats(-180, 180, allow_nan=False),
    killed=st.none() | st.integers(0, 1_000_000),
)
def test_any_valid_record_reads_back_from_the_csv_as_written(
    tmp_path_factory, vessel, summary, notes, url_tail, latitude, longitude, killed
):
    path = tmp_path_factory.mktemp("roundtrip") / "incidents.csv"
    try:
        draft = validate_draft(
            draft_fields(
                vessel_name=vessel,
                summary=summary,
                notes=notes,
                latitude=latitude,
                longitude=longitude,
                killed=killed,
                sources=[{"outlet": vessel, "url": "https://example.org/" + url_tail}] * 3,
            )
        )
    except IncidentValidationError:
        return  # not a valid record (a URL hypothesis made unusable, say): nothing to test
    written = store.append_incident(draft, added_by=vessel, added_via=AddedVia.CLI, path=path)
    result = store.load_incidents(path)
    assert result.problems == ()
    (row,) = result.incidents.to_dict("records")
    assert row["vessel_name"] == written.vessel_name == vessel
    assert (row["summary"], row["notes"]) == (summary, notes)
    assert (row["latitude"], row["longitude"]) == (latitude, longitude)
    assert row["killed"] == killed
    assert [s["url"] for s in row["sources"]] == [s.url for s in written.sources]


def _import_text(**changes: object) -> str:
    """An import file of one incident (the draft columns), with ``changes`` as raw cells."""
    fields = draft_fields(
        **{"imo": "", "former_names": "", "vessel_name": "Hostile Import", **changes}
    )
    if not isinstance(fields["sources"], str):
        fields["sources"] = json.dumps(fields["sources"])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(fields))
    writer.writeheader()
    writer.writerow({name: "" if value is None else value for name, value in fields.items()})
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (_import_text(summary="x" * 200_000), "field larger than field limit"),  # > 128 KB
        (_import_text(sources="[" * 100_000), "JSON list"),  # RecursionError before
        (_import_text(latitude="true"), "number of degrees"),
        (_import_text(date="1765324800"), "YYYY-MM-DD"),
        (_import_text(killed="9" * 5000), "at most 1,000,000"),
        ("\ufeff" + _import_text().replace("place", "summary", 1), "more than once"),
        ("[" * 100_000, "header"),
    ],
)
def test_a_hostile_import_file_is_refused_in_plain_lines_and_writes_nothing(
    data_file, tmp_path, text, words
):
    before = data_file.read_bytes()
    source = tmp_path / "hostile.csv"
    source.write_text(text, encoding="utf-8")
    status, out, err = _run("--data", data_file, "import", source)
    assert (status, out) == (1, ""), err
    assert words in err
    assert "Traceback" not in err
    assert data_file.read_bytes() == before
    assert not list(data_file.parent.glob(".*import*"))
