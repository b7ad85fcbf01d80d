"""Coordinate parsing, the offline gazetteer, online fallback and positions in words."""

from __future__ import annotations

import csv
import math
import shutil
import unicodedata

import numpy as np
import pytest
from geopy.exc import GeocoderServiceError, GeocoderTimedOut
from geopy.geocoders import Nominatim
from geopy.location import Location
from global_land_mask import globe
from hypothesis import given
from hypothesis import strategies as st

from dashboard import geo
from dashboard.errors import DataFileError, GeocodingError
from dashboard.geo import (
    GAZETTEER_COLUMNS,
    GAZETTEER_PATH,
    PLACE_KINDS,
    Place,
    Position,
    describe_position,
    distance_nm,
    find_place,
    load_gazetteer,
    make_online_geocoder,
    parse_position,
    resolve_place,
    search_places,
)

TOLERANCE = 1e-4
LA_GUAIRA_AREA = (10.5, -66.0 - 55.0 / 60.0)  # 10°30'N 66°55'W


# --- parse_position ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "10.5, -66.916667",  # decimal pair with a comma
        "10.5 -66.916667",  # decimal pair with a space
        "10.5;-66.916667",  # semicolon separator
        "+10.5, -66.916667",  # explicit plus sign
        "10°30'0\"N 66°55'0\"W",  # full degrees-minutes-seconds
        "10°30'N 66°55'W",  # degrees and minutes
        "10° 30' N, 66° 55' W",  # spaced out, with a comma
        "N10 30 W66 55",  # hemisphere in front, minutes without marks
        "N10 30.0 W66 55.0",  # decimal minutes
        "10 30 N 66 55 W",  # hemisphere behind, no marks at all (geopy misreads this alone)
        "10 30 0 N 66 55 0 W",  # degrees, minutes, seconds without marks
        "10.5N 66.916667W",  # decimal degrees with hemisphere letters
        "10.5 N, 66.916667 W",  # the same, spaced, with a comma
        "n10.5 w66.916667",  # lower-case hemisphere letters
        "10°30′0″N 66°55′0″W",  # unicode prime and double prime
        "10°30’0”N 66°55’0”W",  # typographic quotes pasted from a document
        "10°30'00''N 66°55'00''W",  # two single quotes for seconds
        "10º30'N 66º55'W",  # masculine ordinal typed for a degree sign
        "66°55'W 10°30'N",  # longitude first, the letters say so
        "10°30' -66°55'",  # signed DMS, degree signs show where longitude starts
        "10.5, −66.916667",  # unicode minus sign
        "  10.5 ,  -66.916667  ",  # surrounding whitespace
    ],
)
def test_parse_position_reads_every_notation_as_the_same_point(text: str) -> None:
    position = parse_position(text)
    assert position.latitude == pytest.approx(LA_GUAIRA_AREA[0], abs=TOLERANCE)
    assert position.longitude == pytest.approx(LA_GUAIRA_AREA[1], abs=TOLERANCE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-10.5, 66.9", (-10.5, 66.9)),  # southern and eastern hemispheres by sign
        ("10.5 S 66.9 E", (-10.5, 66.9)),  # the same by letters
        ("0 30 S 0 30 W", (-0.5, -0.5)),  # the hemisphere applies when degrees are zero
        ("-0°30', 0°30'", (-0.5, 0.5)),  # so does a minus sign on zero degrees
        ("90, 180", (90.0, 180.0)),  # the limits themselves are allowed
        ("-90, -180", (-90.0, -180.0)),
        ("N10 30.5 W66 55", (10.5 + 0.5 / 60, -66.0 - 55 / 60)),  # decimal minutes count
        (".5, 10.", (0.5, 10.0)),  # bare fractions and trailing points
    ],
)
def test_parse_position_gives_the_expected_signs_and_values(
    text: str, expected: tuple[float, float]
) -> None:
    position = parse_position(text)
    assert (position.latitude, position.longitude) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("95, 10", "latitude must be between -90 and 90; got 95"),  # too far north
        ("-90.5, 10", "latitude must be between -90 and 90; got -90.5"),  # too far south
        ("90 30 N 0 E", "latitude must be between -90 and 90; got 90.5"),  # minutes push it over
        # geopy alone would silently wrap 190 to -170, a point on the other side of the world
        ("10.5, 190", "longitude must be between -180 and 180; got 190"),
        ("10.5, -181", "longitude must be between -180 and 180; got -181"),
        ("10 30 N 190 0 W", "longitude must be between -180 and 180; got -190"),
    ],
)
def test_parse_position_rejects_out_of_range_naming_the_range(text: str, message: str) -> None:
    with pytest.raises(GeocodingError) as raised:
        parse_position(text)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    "text",
    [
        "",  # empty
        "   ",  # blank
        "La Guaira",  # a place name is not a coordinate
        "10.5",  # only one number
        "1 2 3",  # three bare numbers: geopy would read them as (2, 3)
        "10 30 66 55",  # DMS without letters or a comma cannot be split
        "abc 10.5, -66.9",  # geopy skips leading junk; we refuse it
        "10.5, -66.9 xyz",  # trailing junk
        "10 60 N 66 55 W",  # 60 minutes
        "10 30 75 N 66 W",  # 75 seconds
        "10.5 30 N 66 W",  # fractional degrees followed by minutes
        "-10.5 S, 66 W",  # a minus sign and a hemisphere letter
        "10 N 66 N",  # two latitudes
        "N10 66 W",  # letters neither all in front nor all behind
        "10.5, -66.9, 3",  # two separators
        "10°30'N",  # latitude only
        "10' N 66' W",  # minutes without degrees
        "nan, 1",  # not a number
        "1e5, 2",  # exponent notation is not a coordinate
        "١٠, ٦٦",  # non-ASCII digits
    ],
)
def test_parse_position_rejects_garbage_saying_what_is_accepted(text: str) -> None:
    with pytest.raises(GeocodingError, match="decimal degrees"):
        parse_position(text)


COORDINATE_ALPHABET = "0123456789.,;/ +-−°º'\"′″’”NSEWnsewx"


@given(st.one_of(st.text(), st.text(alphabet=COORDINATE_ALPHABET, max_size=30)))
def test_parse_position_returns_a_position_or_raises_geocoding_error_on_any_text(
    text: str,
) -> None:
    try:
        position = parse_position(text)
    except GeocodingError:
        return
    assert -90 <= position.latitude <= 90
    assert -180 <= position.longitude <= 180


@given(
    st.floats(min_value=-90, max_value=90, allow_nan=False),
    st.floats(min_value=-180, max_value=180, allow_nan=False),
)
def test_parse_position_reads_back_decimal_and_dms_text_it_could_have_been_given(
    latitude: float, longitude: float
) -> None:
    decimal = parse_position(f"{latitude:.6f}, {longitude:.6f}")
    assert decimal.latitude == pytest.approx(latitude, abs=1e-6)
    assert decimal.longitude == pytest.approx(longitude, abs=1e-6)
    dms = parse_position(f"{_dms(latitude, 'NS')} {_dms(longitude, 'EW')}")
    assert dms.latitude == pytest.approx(latitude, abs=1e-6)
    assert dms.longitude == pytest.approx(longitude, abs=1e-6)


def _dms(value: float, hemispheres: str) -> str:
    """Return value written as degrees, minutes and seconds with a hemisphere letter."""
    whole_seconds = round(abs(value) * 3600, 3)
    degrees, rest = divmod(whole_seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    letter = hemispheres[1] if value < 0 else hemispheres[0]
    return f"{int(degrees)}°{int(minutes)}'{seconds:.3f}\"{letter}"


@pytest.mark.parametrize(
    ("latitude", "longitude", "message"),
    [
        (91.0, 0.0, "latitude must be between -90 and 90; got 91"),
        (0.0, 190.0, "longitude must be between -180 and 180; got 190"),
        (math.nan, 0.0, "latitude must be between -90 and 90; got nan"),
        (0.0, math.inf, "longitude must be between -180 and 180; got inf"),
        ("10.5", 0.0, "latitude must be a number of degrees; got '10.5'"),  # text is not parsed
    ],
)
def test_position_is_range_checked_when_built(
    latitude: float, longitude: float, message: str
) -> None:
    with pytest.raises(GeocodingError) as raised:
        Position(latitude, longitude)
    assert str(raised.value) == message


def test_position_stores_numpy_scalars_as_plain_floats() -> None:
    position = Position(np.float64(10.5), np.int64(-66))
    assert type(position.latitude) is float
    assert type(position.longitude) is float
    assert position == Position(10.5, -66.0)


# --- the gazetteer file -----------------------------------------------------------------------


def _gazetteer_rows() -> list[dict[str, str]]:
    with GAZETTEER_PATH.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def test_gazetteer_file_has_the_expected_header() -> None:
    with GAZETTEER_PATH.open(encoding="utf-8", newline="") as handle:
        assert tuple(next(csv.reader(handle))) == GAZETTEER_COLUMNS


@pytest.mark.parametrize("row", _gazetteer_rows(), ids=lambda row: row["name"])
def test_gazetteer_row_is_valid(row: dict[str, str]) -> None:
    assert row["name"].strip() == row["name"] != ""
    assert row["kind"] in PLACE_KINDS
    assert -90 <= float(row["latitude"]) <= 90
    assert -180 <= float(row["longitude"]) <= 180
    assert row["country"] == "" or (len(row["country"]) == 2 and row["country"].isupper())
    assert row["source"].strip()


def test_gazetteer_names_are_unique_ignoring_case_and_accents() -> None:
    names = [_fold(row["name"]) for row in _gazetteer_rows()]
    assert len(names) == len(set(names))


def test_gazetteer_covers_the_region_with_every_kind() -> None:
    places = load_gazetteer()
    assert 60 <= len(places) <= 150
    assert {place.kind for place in places} == PLACE_KINDS


@pytest.mark.parametrize(
    "row",
    [row for row in _gazetteer_rows() if row["kind"] in {"strait", "sea_area"}],
    ids=lambda row: row["name"],
)
def test_gazetteer_straits_and_sea_areas_lie_at_sea(row: dict[str, str]) -> None:
    assert not globe.is_land(float(row["latitude"]), float(row["longitude"]))


def test_load_gazetteer_reports_a_bad_row_with_its_line(tmp_path) -> None:
    path = tmp_path / "gazetteer.csv"
    shutil.copy(GAZETTEER_PATH, path)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("Nowhere,port,10.5,190,VE,,made up\n")
    lines = len(path.read_text(encoding="utf-8").splitlines())
    with pytest.raises(DataFileError, match=f"line {lines}: longitude must be between"):
        load_gazetteer(path)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("Nowhere,harbour,10,10,VE,,made up", "kind must be one of"),  # unknown kind
        ("Nowhere,port,10,10,VE,,", "source is empty"),  # a row must say where it came from
        ("La Guaira,port,10,10,VE,,made up", "repeats line"),  # duplicate name
        ("Nowhere,port,north,10,VE,,made up", "could not convert"),  # not a number
    ],
)
def test_load_gazetteer_rejects_invalid_rows(tmp_path, line: str, message: str) -> None:
    path = tmp_path / "gazetteer.csv"
    shutil.copy(GAZETTEER_PATH, path)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
    with pytest.raises(DataFileError, match=message):
        load_gazetteer(path)


def test_load_gazetteer_reads_an_edited_file_again(tmp_path) -> None:
    path = tmp_path / "gazetteer.csv"
    path.write_text(",".join(GAZETTEER_COLUMNS) + "\nA,port,1,1,,,test\n", encoding="utf-8")
    assert [place.name for place in load_gazetteer(path)] == ["A"]
    path.write_text(
        ",".join(GAZETTEER_COLUMNS) + "\nA,port,1,1,,,test\nBee,island,2,2,,,test\n",
        encoding="utf-8",
    )
    assert [place.name for place in load_gazetteer(path)] == ["A", "Bee"]


# --- finding places ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("jose", "Puerto José"),  # alias without the accent
        ("José", "Puerto José"),  # alias with it
        ("La Guaira", "La Guaira"),  # exact name
        ("la guaira", "La Guaira"),  # any case
        ("guaira", "La Guaira"),  # part of a name
        ("curacao", "Curaçao"),  # cedilla ignored
        ("CURAÇAO", "Curaçao"),
        ("cura", "Curaçao"),  # prefix
        ("boca del dragon", "Dragon's Mouth"),  # Spanish alias
        ("dragons mouth", "Dragon's Mouth"),  # apostrophe ignored
        ("Boca de la Serpiente", "Serpent's Mouth"),
        ("la habana", "Havana"),
        ("Guaraguao", "Puerto La Cruz"),  # the terminal's name finds the port
        ("Güiria", "Güiria"),
        ("guiria", "Güiria"),
        ("yucatan channel", "Yucatán Channel"),
        ("gulf of paria", "Gulf of Paria"),
        ("Faroe Islands", "Faroe Islands waters"),
        ("Punta Cardón", "Punta Cardón"),  # the exact name beats the prefix of another
        ("Cardon", "Cardón"),
    ],
)
def test_find_place_ignores_case_and_accents(query: str, name: str) -> None:
    place = find_place(query)
    assert place is not None
    assert place.name == name


@pytest.mark.parametrize("query", ["", "   ", "Atlantis", "zzz", "!!!"])
def test_find_place_returns_none_when_nothing_matches(query: str) -> None:
    assert find_place(query) is None


def test_search_places_puts_exact_then_prefix_then_contains() -> None:
    places = (
        _place("Port Royal"),  # name starts with the query
        _place("Newport"),  # name only contains it
        _place("Port"),  # exact name
        _place("Airport", aliases=("Port Lane",)),  # an alias starts with it: after names
    )
    names = [place.name for place in search_places("port", gazetteer=places)]
    assert names == ["Port", "Port Royal", "Airport", "Newport"]


def test_search_places_respects_limit() -> None:
    assert len(search_places("a", limit=3)) == 3
    assert search_places("a", limit=0) == []


def _place(name: str, *, aliases: tuple[str, ...] = (), at: tuple[float, float] = (0, 0)) -> Place:
    return Place(name, "port", Position(*at), "", aliases, "test")


# --- online fallback (never the network) ------------------------------------------------------


def test_resolve_place_prefers_the_gazetteer_and_never_calls_online() -> None:
    def online(query: str) -> Place | None:
        raise AssertionError("the online geocoder must not be called")

    place = resolve_place("La Guaira", online_geocoder=online)
    assert place is not None
    assert place.name == "La Guaira"


def test_resolve_place_without_online_geocoder_returns_none_for_unknown() -> None:
    assert resolve_place("Atlantis") is None


def test_resolve_place_falls_back_to_the_online_geocoder() -> None:
    found = _place("Atlantis", at=(30.0, -40.0))
    asked: list[str] = []

    def online(query: str) -> Place | None:
        asked.append(query)
        return found

    assert resolve_place("Atlantis", online_geocoder=online) is found
    assert asked == ["Atlantis"]


def test_resolve_place_passes_on_none_from_the_online_geocoder() -> None:
    assert resolve_place("Atlantis", online_geocoder=lambda query: None) is None


@pytest.mark.parametrize(
    "failure",
    [
        GeocodingError("service down"),  # what make_online_geocoder raises
        GeocoderTimedOut("timed out"),  # a raw geopy error from another callable
    ],
)
def test_resolve_place_says_both_lookups_failed(failure: Exception) -> None:
    def online(query: str) -> Place | None:
        raise failure

    with pytest.raises(GeocodingError) as raised:
        resolve_place("Atlantis", online_geocoder=online)
    message = str(raised.value)
    assert "offline gazetteer has no place called 'Atlantis'" in message
    assert "online geocoder failed" in message
    assert raised.value.__cause__ is failure


def _fake_nominatim(monkeypatch, result) -> None:
    """Make Nominatim.geocode answer (or raise) result instead of going to the network."""

    def geocode(self, query, **kwargs):
        if isinstance(result, Exception):
            raise result
        return result

    monkeypatch.setattr(Nominatim, "geocode", geocode)


def test_online_geocoder_turns_a_location_into_a_place(monkeypatch) -> None:
    raw = {"name": "Atlantis", "address": {"country_code": "gr"}}
    _fake_nominatim(monkeypatch, Location("Atlantis, Somewhere", (36.4, 25.4), raw))
    look_up = make_online_geocoder(user_agent="interdiction-tracker-tests", min_delay_seconds=0)
    place = look_up("Atlantis")
    assert place == Place(
        "Atlantis", geo.ONLINE_KIND, Position(36.4, 25.4), "GR", (), geo.ONLINE_SOURCE
    )


def test_online_geocoder_returns_none_when_nothing_found(monkeypatch) -> None:
    _fake_nominatim(monkeypatch, None)
    look_up = make_online_geocoder(user_agent="interdiction-tracker-tests", min_delay_seconds=0)
    assert look_up("Atlantis") is None


@pytest.mark.parametrize(
    "failure", [GeocoderTimedOut("timed out"), GeocoderServiceError("HTTP 503")]
)
def test_online_geocoder_wraps_geopy_errors_instead_of_swallowing_them(
    monkeypatch, failure: Exception
) -> None:
    # RateLimiter's default would turn the failure into None, which reads as "no such place".
    _fake_nominatim(monkeypatch, failure)
    look_up = make_online_geocoder(user_agent="interdiction-tracker-tests", min_delay_seconds=0)
    with pytest.raises(GeocodingError, match="online geocoder could not look up"):
        look_up("Atlantis")


def test_online_geocoder_requires_a_user_agent() -> None:
    with pytest.raises(ValueError, match="user_agent"):
        make_online_geocoder(user_agent=" ")


# --- distances and positions in words ---------------------------------------------------------


def test_distance_nm_of_one_degree_of_latitude_is_about_sixty() -> None:
    # A degree of latitude near 10°N is 110.6 km on WGS-84, i.e. 59.7 nautical miles.
    one_degree = distance_nm(Position(10.0, -66.0), Position(11.0, -66.0))
    assert one_degree == pytest.approx(59.7, abs=0.1)


def test_distance_nm_is_zero_to_itself_and_symmetric() -> None:
    a, b = Position(10.6, -66.9), Position(12.1, -68.9)
    assert distance_nm(a, a) == 0
    assert distance_nm(a, b) == pytest.approx(distance_nm(b, a))


@pytest.mark.parametrize(
    ("offset", "direction"),
    [
        ((0.3, 0.0), "N"),
        ((0.2, 0.2), "NE"),
        ((0.0, 0.3), "E"),
        ((-0.2, 0.2), "SE"),
        ((-0.3, 0.0), "S"),
        ((-0.2, -0.2), "SW"),
        ((0.0, -0.3), "W"),
        ((0.2, -0.2), "NW"),
    ],
)
def test_describe_position_gives_the_compass_direction_from_the_landmark(
    offset: tuple[float, float], direction: str
) -> None:
    landmark = _place("Harbour", at=(0.0, 0.0))
    text = describe_position(Position(*offset), gazetteer=(landmark,))
    assert text.endswith(f" {direction} of Harbour")


def test_describe_position_northeast_of_la_guaira() -> None:
    # Offshore, roughly 23 nm NE of La Guaira (10.60N 66.93W); nearer to it than to any island.
    text = describe_position(Position(10.87, -66.65))
    assert text == "about 25 nm NE of La Guaira"


def test_describe_position_at_a_landmark() -> None:
    la_guaira = find_place("La Guaira")
    assert la_guaira is not None
    assert describe_position(la_guaira.position) == "at La Guaira"


@pytest.mark.parametrize(
    ("distance_degrees", "expected"),
    [
        (0.1, "about 6 nm"),  # under 10: to the mile
        (0.5, "about 30 nm"),  # under 100: to 5 miles
        (3.0, "about 180 nm"),  # beyond: to 10 miles
    ],
)
def test_describe_position_rounds_distances_as_a_person_would(
    distance_degrees: float, expected: str
) -> None:
    landmark = _place("Harbour", at=(0.0, 0.0))
    text = describe_position(Position(distance_degrees, 0.0), gazetteer=(landmark,))
    assert text.startswith(expected + " N of")


def test_describe_position_ignores_sea_areas() -> None:
    sea = Place("Open Sea", "sea_area", Position(0.0, 0.0), "", (), "test")
    port = _place("Far Port", at=(5.0, 0.0))
    assert describe_position(Position(0.0, 0.0), gazetteer=(sea, port)).endswith("of Far Port")
