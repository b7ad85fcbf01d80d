"""Positions and places: coordinate parsing, the offline gazetteer, distances, online geocoding.

The only module that imports geopy; the rest of the project sees Position, Place and
GeocodingError.
"""

from __future__ import annotations

import csv
import functools
import math
import numbers
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from geopy.distance import geodesic
from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from geopy.location import Location
from geopy.point import Point

from dashboard.errors import DataFileError, GeocodingError

# Leaflet's Earth (L.CRS.Earth.R): the sphere its circles are drawn on.
EARTH_RADIUS_M = 6_371_000
GAZETTEER_PATH = Path(__file__).resolve().parent.parent / "data" / "gazetteer.csv"
GAZETTEER_COLUMNS = ("name", "kind", "latitude", "longitude", "country", "aliases", "source")
ALIAS_SEPARATOR = "|"
PLACE_KINDS = frozenset({"port", "terminal", "island", "strait", "sea_area", "city"})
# Places a position is described relative to: a sea area's point is a placeholder in the middle
# of a large area, so "45 nm NE of the Caribbean Sea" would tell a reader nothing.
LANDMARK_KINDS = frozenset({"port", "terminal", "city", "island"})
# Kind given to a place that came from the online geocoder rather than the gazetteer.
ONLINE_KIND = "geocoded"
ONLINE_SOURCE = "OpenStreetMap Nominatim, looked up online (© OpenStreetMap contributors, ODbL)"
LATITUDE_LIMIT = 90.0
LONGITUDE_LIMIT = 180.0
MINUTES_PER_DEGREE = 60.0
SECONDS_PER_DEGREE = 3600.0
COMPASS_POINTS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")
ACCEPTED_FORMATS = (
    "write the position as decimal degrees, latitude first (10.5, -66.9166), "
    "or as degrees, minutes and seconds with N/S and E/W (10°30'N 66°55'W, N10 30.5 W66 55)"
)

# Typographic marks people paste from documents and web pages, mapped to the ASCII ones.
_MARK_TRANSLATION = str.maketrans(
    {
        "º": "°",  # masculine ordinal, often typed for a degree sign
        "˚": "°",  # ring above
        "′": "'",  # prime
        "’": "'",
        "‘": "'",
        "´": "'",
        "`": "'",
        "ʹ": "'",
        "″": '"',  # double prime
        "”": '"',
        "“": '"',
        "ʺ": '"',
        "−": "-",  # minus sign
    }
)
_TOKEN_PATTERN = re.compile(
    r"""
    \s*(?:
        (?P<sign>[+-]?)(?P<number>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(?P<mark>[°'"]?)
      | (?P<hemisphere>[NSEWnsew])
      | (?P<separator>[,;/])
    )\s*
    """,
    re.VERBOSE,
)
_UNIT_SLOTS = {"°": 0, "'": 1, '"': 2}
_UNIT_NAMES = ("degrees", "minutes", "seconds")
_LATITUDE_HEMISPHERES = "NS"
_LONGITUDE_HEMISPHERES = "EW"
_NEGATIVE_HEMISPHERES = "SW"
# geopy and our own reading of the same text must agree to well under a millimetre.
_AGREEMENT_TOLERANCE_DEGREES = 1e-9


@dataclass(frozen=True)
class Position:
    """A point on the Earth in decimal degrees, range-checked when built and never wrapped."""

    latitude: float
    longitude: float

    def __post_init__(self) -> None:
        # Stored as plain floats so numpy scalars from pandas compare and hash like the rest.
        latitude = _checked_degrees("latitude", self.latitude, LATITUDE_LIMIT)
        longitude = _checked_degrees("longitude", self.longitude, LONGITUDE_LIMIT)
        object.__setattr__(self, "latitude", latitude)
        object.__setattr__(self, "longitude", longitude)

    def __str__(self) -> str:
        return f"{self.latitude:.4f}, {self.longitude:.4f}"


@dataclass(frozen=True)
class Place:
    """A named place: from the offline gazetteer, or from the online geocoder (kind 'geocoded')."""

    name: str
    kind: str
    position: Position
    country: str
    aliases: tuple[str, ...]
    source: str

    @property
    def label(self) -> str:
        """Return the name with its kind and country, for a select box: 'La Guaira (port, VE)'."""
        details = ", ".join(part for part in (self.kind.replace("_", " "), self.country) if part)
        return f"{self.name} ({details})"


OnlineGeocoder = Callable[[str], Place | None]


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "hemisphere" or "separator"
    text: str
    sign: str = ""
    mark: str = ""


# --- coordinate parsing -----------------------------------------------------------------------


def _format_number(value: float) -> str:
    """Return value as short text for a message: 190.0 → '190', 190.5 → '190.5'."""
    text = repr(value)
    return text.removesuffix(".0")


def _checked_degrees(name: str, value: float, limit: float) -> float:
    """Return value as a float, or raise GeocodingError unless it lies between -limit and limit."""
    if not isinstance(value, numbers.Real):
        raise GeocodingError(f"{name} must be a number of degrees; got {value!r}")
    number = float(value)
    if not -limit <= number <= limit:  # also false for nan
        raise GeocodingError(
            f"{name} must be between {-limit:g} and {limit:g}; got {_format_number(number)}"
        )
    return number


def _unreadable(text: str, reason: str) -> GeocodingError:
    """Return the error for coordinate text that cannot be read, saying what would be read."""
    shown = text if len(text) <= 60 else text[:57] + "..."
    return GeocodingError(f"cannot read {shown!r} as a position ({reason}); {ACCEPTED_FORMATS}")


def _tokenize(text: str) -> list[_Token]:
    """Return the numbers, hemisphere letters and separators of coordinate text, in order."""
    normal = text.translate(_MARK_TRANSLATION).replace("''", '"').strip()
    if not normal:
        raise _unreadable(text, "it is empty")
    tokens: list[_Token] = []
    position = 0
    while position < len(normal):
        match = _TOKEN_PATTERN.match(normal, position)
        if match is None or match.end() == position:
            raise _unreadable(text, f"unexpected {normal[position]!r}")
        if match["number"] is not None:
            tokens.append(_Token("number", match["number"], match["sign"], match["mark"]))
        elif match["hemisphere"] is not None:
            tokens.append(_Token("hemisphere", match["hemisphere"].upper()))
        else:
            tokens.append(_Token("separator", match["separator"]))
        position = match.end()
    return tokens


def _strip_separators(tokens: list[_Token]) -> list[_Token]:
    """Return tokens without separators at either end of one half of a position."""
    start, end = 0, len(tokens)
    while start < end and tokens[start].kind == "separator":
        start += 1
    while end > start and tokens[end - 1].kind == "separator":
        end -= 1
    return tokens[start:end]


def _split_halves(text: str, tokens: list[_Token]) -> tuple[list[_Token], list[_Token]]:
    """Return the tokens of the two halves of a position, in the order they were written."""
    letters = [index for index, token in enumerate(tokens) if token.kind == "hemisphere"]
    separators = [index for index, token in enumerate(tokens) if token.kind == "separator"]
    if len(separators) > 1:
        raise _unreadable(text, "more than one separator")
    if letters:
        if len(letters) != 2:
            raise _unreadable(text, "give one N/S letter and one E/W letter")
        if letters[0] == 0:  # letters in front: N10 30 W66 55
            halves = tokens[: letters[1]], tokens[letters[1] :]
        elif letters[1] == len(tokens) - 1:  # letters behind: 10 30 N 66 55 W
            halves = tokens[: letters[0] + 1], tokens[letters[0] + 1 :]
        else:
            raise _unreadable(text, "put N/S and E/W all before or all after the numbers")
    elif separators:
        halves = tokens[: separators[0]], tokens[separators[0] + 1 :]
    else:
        halves = _split_unlettered(text, tokens)
    first, second = (_strip_separators(half) for half in halves)
    if any(token.kind == "separator" for token in (*first, *second)):
        raise _unreadable(text, "a separator inside a coordinate")
    return first, second


def _split_unlettered(text: str, tokens: list[_Token]) -> tuple[list[_Token], list[_Token]]:
    """Return the halves of a position written without letters or separators."""
    if len(tokens) < 2:
        raise _unreadable(text, "give both latitude and longitude")
    if len(tokens) == 2:  # 10.5 -66.9
        return tokens[:1], tokens[1:]
    # Without letters or a comma, only degree signs show where longitude starts: 10°30' -66°55'.
    starts = [index for index, token in enumerate(tokens) if token.mark == "°"]
    if len(starts) == 2 and starts[0] == 0:
        return tokens[: starts[1]], tokens[starts[1] :]
    raise _unreadable(text, "cannot tell where latitude ends and longitude begins")


@dataclass(frozen=True)
class _Angle:
    """One half of a position as read from the text: sign, hemisphere and unsigned parts."""

    negative: bool
    hemisphere: str
    parts: tuple[str, ...]  # degrees, then minutes and seconds where given, as digits

    @property
    def value(self) -> float:
        """Return the signed angle in decimal degrees."""
        divisors = (1.0, MINUTES_PER_DEGREE, SECONDS_PER_DEGREE)
        pairs = zip(self.parts, divisors[: len(self.parts)], strict=True)
        total = sum(float(part) / divisor for part, divisor in pairs)
        return -total if self.negative else total


def _read_angle(text: str, half: list[_Token]) -> _Angle:
    """Return the angle one half of a position spells out, checking its minutes and seconds."""
    letters = [token.text for token in half if token.kind == "hemisphere"]
    numbers = [token for token in half if token.kind == "number"]
    if not numbers:
        raise _unreadable(text, "a coordinate has no number")
    if len(numbers) > len(_UNIT_SLOTS):
        raise _unreadable(text, "a coordinate has more than degrees, minutes and seconds")
    parts: list[str] = []
    for token in numbers:
        slot = _UNIT_SLOTS[token.mark] if token.mark else len(parts)
        if slot != len(parts):
            raise _unreadable(text, f"{_UNIT_NAMES[slot]} out of order")
        if parts and token.sign:
            raise _unreadable(text, "a sign belongs only in front of the degrees")
        if parts and "." in parts[-1]:
            raise _unreadable(text, f"{_UNIT_NAMES[slot - 1]} with a fraction must come last")
        if slot > 0 and float(token.text) >= MINUTES_PER_DEGREE:
            raise _unreadable(text, f"{_UNIT_NAMES[slot]} must be less than 60")
        parts.append(_digits_for_geopy(token.text))
    negative = numbers[0].sign == "-"
    hemisphere = letters[0] if letters else ""
    if negative and hemisphere:
        raise _unreadable(text, "use a minus sign or a hemisphere letter, not both")
    is_south_or_west = bool(hemisphere) and hemisphere in _NEGATIVE_HEMISPHERES
    return _Angle(negative or is_south_or_west, hemisphere, tuple(parts))


def _digits_for_geopy(number: str) -> str:
    """Return a number in the form geopy's pattern wants: '.5' → '0.5', '10.' → '10'."""
    whole, _, fraction = number.partition(".")
    whole = whole or "0"
    return f"{whole}.{fraction}" if fraction else whole


def _order_halves(text: str, first: _Angle, second: _Angle) -> tuple[_Angle, _Angle]:
    """Return (latitude, longitude), swapping them when the letters say longitude came first."""
    if not first.hemisphere and not second.hemisphere:
        return first, second
    if first.hemisphere in _LATITUDE_HEMISPHERES and second.hemisphere in _LONGITUDE_HEMISPHERES:
        return first, second
    if first.hemisphere in _LONGITUDE_HEMISPHERES and second.hemisphere in _LATITUDE_HEMISPHERES:
        return second, first
    raise _unreadable(text, "give one N/S letter and one E/W letter")


def _geopy_text(angle: _Angle, hemispheres: str) -> str:
    """Return the angle in the one notation geopy reads without guessing: 10°30'0"N."""
    marks = ("°", "'", '"')[: len(angle.parts)]
    body = "".join(part + mark for part, mark in zip(angle.parts, marks, strict=True))
    return body + (hemispheres[1] if angle.negative else hemispheres[0])


def parse_position(text: str) -> Position:
    """Return the Position written in text (decimal or degrees-minutes-seconds notation)."""
    # geopy's Point.from_string skips leading junk, reads "10 30 N 66 55 W" as (66, -55) and
    # wraps longitude 190 to -170, so we read and range-check the numbers ourselves and hand
    # geopy only an unambiguous marked form, then insist that both readings agree.
    tokens = _tokenize(text)
    first_half, second_half = _split_halves(text, tokens)
    latitude, longitude = _order_halves(
        text, _read_angle(text, first_half), _read_angle(text, second_half)
    )
    checked = Position(latitude.value, longitude.value)
    canonical = (
        f"{_geopy_text(latitude, _LATITUDE_HEMISPHERES)} "
        f"{_geopy_text(longitude, _LONGITUDE_HEMISPHERES)}"
    )
    try:
        point = Point.from_string(canonical)
    except ValueError as error:
        raise _unreadable(text, str(error)) from error
    if (
        abs(point.latitude - checked.latitude) > _AGREEMENT_TOLERANCE_DEGREES
        or abs(point.longitude - checked.longitude) > _AGREEMENT_TOLERANCE_DEGREES
    ):
        raise _unreadable(text, "it can be read more than one way")
    return Position(point.latitude, point.longitude)


# --- the offline gazetteer --------------------------------------------------------------------


def _fold(text: str) -> str:
    """Return text folded for matching: no accents, no case, no punctuation, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    # Apostrophes vanish ("Dragon's" → "dragons") rather than split a word in two.
    bare = re.sub(r"['’`´]", "", bare)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", bare).split())


def _parse_place(row: dict[str, str], where: str) -> Place:
    """Return the Place one gazetteer row describes, or raise DataFileError saying what is wrong."""
    name = row["name"].strip()
    kind = row["kind"].strip()
    source = row["source"].strip()
    if not name:
        raise DataFileError(f"{where}: name is empty")
    if kind not in PLACE_KINDS:
        raise DataFileError(f"{where}: kind must be one of {sorted(PLACE_KINDS)}, got {kind!r}")
    if not source:
        raise DataFileError(f"{where}: source is empty; say where the coordinates came from")
    try:
        position = Position(float(row["latitude"]), float(row["longitude"]))
    except (ValueError, GeocodingError) as error:
        raise DataFileError(f"{where}: {error}") from error
    aliases = tuple(
        alias.strip() for alias in row["aliases"].split(ALIAS_SEPARATOR) if alias.strip()
    )
    return Place(name, kind, position, row["country"].strip(), aliases, source)


@functools.lru_cache(maxsize=8)
def _read_gazetteer(path: Path, version: tuple[int, int]) -> tuple[Place, ...]:
    """Return the places in the gazetteer CSV at path (cached per file version)."""
    del version  # only part of the cache key, so an edited file is read again
    places: list[Place] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != GAZETTEER_COLUMNS:
            expected = ",".join(GAZETTEER_COLUMNS)
            raise DataFileError(f"{path}: header must be {expected}, got {reader.fieldnames}")
        for row in reader:
            where = f"{path} line {reader.line_num}"
            if None in row or None in row.values():
                raise DataFileError(f"{where}: expected {len(GAZETTEER_COLUMNS)} fields")
            place = _parse_place(row, where)
            key = _fold(place.name)
            if key in seen:
                raise DataFileError(f"{where}: {place.name!r} repeats line {seen[key]}")
            seen[key] = reader.line_num
            places.append(place)
    return tuple(places)


def load_gazetteer(path: Path = GAZETTEER_PATH) -> tuple[Place, ...]:
    """Return every place in the gazetteer, read again only when the file has changed."""
    resolved = Path(path).resolve()
    try:
        stat = resolved.stat()
        return _read_gazetteer(resolved, (stat.st_mtime_ns, stat.st_size))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DataFileError(f"gazetteer {resolved} cannot be read: {error}") from error


def search_places(
    query: str, limit: int = 10, gazetteer: Sequence[Place] | None = None
) -> list[Place]:
    """Return up to limit places matching query: exact names first, then prefixes, then parts."""
    wanted = _fold(query)
    if not wanted or limit <= 0:
        return []
    places = load_gazetteer() if gazetteer is None else gazetteer
    ranked: list[tuple[tuple[int, int, int, int], Place]] = []
    for index, place in enumerate(places):
        best: tuple[int, int, int, int] | None = None
        for is_alias, candidate in enumerate((place.name, *place.aliases)):
            key = _fold(candidate)
            if key == wanted:
                tier = 0
            elif key.startswith(wanted):
                tier = 1
            elif wanted in key:
                tier = 2
            else:
                continue
            rank = (tier, min(is_alias, 1), len(key), index)
            best = rank if best is None else min(best, rank)
        if best is not None:
            ranked.append((best, place))
    ranked.sort(key=lambda pair: pair[0])
    return [place for _, place in ranked[:limit]]


def find_place(query: str, gazetteer: Sequence[Place] | None = None) -> Place | None:
    """Return the best gazetteer match for query (accents and case ignored), or None."""
    matches = search_places(query, limit=1, gazetteer=gazetteer)
    return matches[0] if matches else None


# --- online geocoding (optional, off by default) ----------------------------------------------


def _place_from_location(query: str, location: Location) -> Place:
    """Return a Place for a geopy Location answering query."""
    raw = location.raw if isinstance(location.raw, dict) else {}
    address = raw.get("address") if isinstance(raw.get("address"), dict) else {}
    name = raw.get("name") or location.address.split(",")[0].strip() or query.strip()
    country = str(address.get("country_code", "")).upper()
    position = Position(float(location.latitude), float(location.longitude))
    return Place(str(name), ONLINE_KIND, position, country, (), ONLINE_SOURCE)


def make_online_geocoder(
    *, user_agent: str, timeout: float = 5.0, min_delay_seconds: float = 1.0
) -> OnlineGeocoder:
    """Return a rate-limited Nominatim lookup: a Place, or None; failures raise GeocodingError."""
    if not user_agent.strip():
        # Nominatim's usage policy requires an agent that names the application.
        raise ValueError("user_agent must name this application, e.g. 'interdiction-tracker/0.1'")
    nominatim = Nominatim(user_agent=user_agent, timeout=timeout)
    # max_retries=0 because a person is waiting on the form; swallow_exceptions=False because
    # RateLimiter would otherwise turn a failure into None, which reads as "no such place".
    geocode = RateLimiter(
        nominatim.geocode,
        min_delay_seconds=min_delay_seconds,
        max_retries=0,
        swallow_exceptions=False,
    )

    def look_up(query: str) -> Place | None:
        try:
            location = geocode(query, exactly_one=True, addressdetails=True, language="en")
        except GeopyError as error:
            raise GeocodingError(
                f"the online geocoder could not look up {query!r}: {error}"
            ) from error
        if location is None:
            return None
        return _place_from_location(query, location)

    return look_up


def resolve_place(
    query: str,
    *,
    online_geocoder: OnlineGeocoder | None = None,
    gazetteer: Sequence[Place] | None = None,
) -> Place | None:
    """Return the place query names: the gazetteer's match, else the online geocoder's, or None."""
    place = find_place(query, gazetteer)
    if place is not None or online_geocoder is None or not _fold(query):
        return place
    try:
        return online_geocoder(query)
    except (GeocodingError, GeopyError) as error:
        raise GeocodingError(
            f"the offline gazetteer has no place called {query!r}, and the online geocoder "
            f"failed ({error}); type the coordinates instead, or try again later"
        ) from error


# --- distances and directions -----------------------------------------------------------------


def distance_nm(a: Position, b: Position) -> float:
    """Return the geodesic (WGS-84) distance between two positions in nautical miles."""
    return geodesic((a.latitude, a.longitude), (b.latitude, b.longitude)).nautical


def initial_bearing(origin: Position, target: Position) -> float:
    """Return the initial great-circle bearing from origin to target, degrees clockwise from N."""
    lat1, lat2 = math.radians(origin.latitude), math.radians(target.latitude)
    delta_lon = math.radians(target.longitude - origin.longitude)
    east = math.sin(delta_lon) * math.cos(lat2)
    north = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(delta_lon)
    return math.degrees(math.atan2(east, north)) % 360.0


def compass_point(bearing: float) -> str:
    """Return the nearest of the 8 compass points to a bearing in degrees: 40 → 'NE'."""
    step = 360.0 / len(COMPASS_POINTS)
    return COMPASS_POINTS[round((bearing % 360.0) / step) % len(COMPASS_POINTS)]


def circles_around(
    latitudes: Sequence[float],
    longitudes: Sequence[float],
    radii_m: Sequence[float],
    *,
    points: int = 64,
) -> list[list[tuple[float, float]]]:
    """Return, for each centre, a closed ring of (longitude, latitude) points at its radius."""
    # The circle Leaflet draws (L.circle): on a sphere of EARTH_RADIUS_M, which is what a reader
    # compares the export with; a WGS-84 geodesic circle differs by under 1 % of the radius.
    # numpy over every ring at once: one geodesic solve per point took 20 s for 10,000 rings.
    lat = np.radians(np.asarray(latitudes, dtype="float64"))[:, None]
    lon = np.radians(np.asarray(longitudes, dtype="float64"))[:, None]
    angle = (np.asarray(radii_m, dtype="float64") / EARTH_RADIUS_M)[:, None]
    bearing = np.radians(np.arange(points) * 360.0 / points)[None, :]
    end_lat = np.arcsin(np.sin(lat) * np.cos(angle) + np.cos(lat) * np.sin(angle) * np.cos(bearing))
    end_lon = lon + np.arctan2(
        np.sin(bearing) * np.sin(angle) * np.cos(lat),
        np.cos(angle) - np.sin(lat) * np.sin(end_lat),
    )
    rings = np.stack([np.degrees(end_lon), np.degrees(end_lat)], axis=-1)
    closed = np.concatenate([rings, rings[:, :1]], axis=1)
    return [[(float(x), float(y)) for x, y in ring] for ring in closed.tolist()]


def _round_nm(distance: float) -> int:
    """Return a distance rounded as a person would say it: 7, 45, 120 nm."""
    step = 1 if distance < 10 else 5 if distance < 100 else 10
    return max(1, step * round(distance / step))


def describe_position(position: Position, gazetteer: Sequence[Place] | None = None) -> str:
    """Return the position in words from the nearest landmark: 'about 45 nm NE of La Guaira'."""
    places = load_gazetteer() if gazetteer is None else gazetteer
    landmarks = [place for place in places if place.kind in LANDMARK_KINDS]
    if not landmarks:
        return str(position)
    distance, nearest = min(
        ((distance_nm(place.position, position), place) for place in landmarks),
        key=lambda pair: pair[0],
    )
    if distance < 1:
        return f"at {nearest.name}"
    direction = compass_point(initial_bearing(nearest.position, position))
    return f"about {_round_nm(distance)} nm {direction} of {nearest.name}"
