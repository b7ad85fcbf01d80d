"""Seeded synthetic incidents, valid under the schema, for the benchmark.

``python -m benchmarks.generate --rows 10000 --out PATH --seed 1`` writes a CSV the dashboard
loads like the curated file: positions at sea in the Caribbean, the Atlantic approaches and the
eastern Pacific (points the land outline covers are drawn again), flags weighted towards the
registries the shadow fleet uses, two years of dates that grow denser as the campaign escalates,
pursuits lasting days, IMO numbers with their check digit and MMSIs whose MID names the flag.

Every row is validated by the schema and written by its ``to_csv_row``; the store's append is not
used, because its lock and fsync per record would make 100,000 rows take minutes.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import random
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from dashboard.geo import Place, Position, compass_point, initial_bearing, load_gazetteer
from dashboard.identifiers import imo_check_digit, load_mid_table
from dashboard.land import is_on_land
from dashboard.schema import (
    COLUMNS,
    AddedVia,
    DatePrecision,
    EventType,
    FalseFlag,
    LocationPrecision,
    Outcome,
    Verification,
    VesselType,
    country_name,
    format_incident_id,
    to_csv_row,
    validate_incident,
)

# The two years the incidents span; the last day is clamped to today so no date is in the future.
LAST_DAY = dt.date(2026, 10, 31)
SPAN_DAYS = 730
GENERATED_BY = "benchmark generator"
# A vessel of the shadow fleet turns up again: about one named ship per this many incidents.
INCIDENTS_PER_SHIP = 6
# Sea areas: (description, south, north, west, east, weight).
SEA_AREAS: tuple[tuple[str, float, float, float, float, int], ...] = (
    ("Southern Caribbean Sea, north of Venezuela", 11.0, 15.5, -72.0, -61.5, 24),
    ("Caribbean Sea off La Guajira, Colombia", 11.8, 14.5, -75.5, -71.2, 8),
    ("Eastern Caribbean, east of the Lesser Antilles", 11.0, 18.0, -60.5, -56.0, 8),
    ("Central Caribbean Sea", 14.0, 17.5, -80.0, -68.0, 12),
    ("Western Caribbean, off Honduras and Nicaragua", 12.0, 17.0, -83.0, -79.5, 8),
    ("Windward Passage", 19.3, 20.6, -74.6, -73.0, 3),
    ("Mona Passage", 17.6, 18.8, -68.3, -67.2, 3),
    ("Gulf of Paria", 9.9, 10.8, -62.4, -61.6, 3),
    ("Atlantic approaches off Guyana and Suriname", 7.5, 11.0, -58.5, -52.0, 6),
    ("Eastern Pacific, off Colombia and Ecuador", -2.0, 7.0, -85.0, -79.5, 15),
    ("Eastern Pacific, off Central America", 5.0, 13.0, -95.0, -87.0, 10),
)
EVENT_WEIGHTS = {
    EventType.STRIKE: 40,
    EventType.BOARDING: 20,
    EventType.SEIZURE: 15,
    EventType.PURSUIT: 15,
    EventType.OTHER: 10,
}
SHIP_TYPES = {
    VesselType.CRUDE_TANKER: 45,
    VesselType.PRODUCT_TANKER: 25,
    VesselType.TANKER: 15,
    VesselType.CARGO_SHIP: 15,
}
BOAT_TYPES = {
    VesselType.GO_FAST_BOAT: 70,
    VesselType.SEMI_SUBMERSIBLE: 12,
    VesselType.FISHING_VESSEL: 18,
}
# Flags of convenience and fraudulent registries first; "" is a vessel flying no flag.
SHIP_FLAGS = {
    "PA": 22, "LR": 12, "MH": 9, "GY": 8, "RU": 6, "KM": 5, "CM": 5, "VE": 5, "TG": 4, "SL": 4,
    "ST": 3, "TZ": 3, "IR": 3, "MT": 3, "HK": 3, "GA": 2, "CK": 2, "PW": 2, "": 3,
}  # fmt: skip
BOAT_FLAGS = {"": 45, "VE": 18, "CO": 15, "EC": 8, "HN": 4, "NI": 3, "JM": 3, "DO": 2, "TT": 2}
# Registries known to have been flown fraudulently get more "yes".
FRAUDULENT_REGISTRIES = frozenset({"GY", "SL", "TZ", "ST", "GA", "KM"})
OUTCOMES = {
    EventType.STRIKE: {Outcome.DESTROYED: 90, Outcome.UNKNOWN: 10},
    EventType.SEIZURE: {Outcome.SEIZED: 100},
    EventType.PURSUIT: {Outcome.UNDER_PURSUIT: 35, Outcome.ESCAPED: 30, Outcome.SEIZED: 35},
    EventType.BOARDING: {Outcome.BOARDED: 60, Outcome.RELEASED: 30, Outcome.SEIZED: 10},
    EventType.OTHER: {Outcome.UNKNOWN: 40, Outcome.RETURNED: 30, Outcome.OTHER: 30},
}
AGENCIES = {
    EventType.STRIKE: ("US Southern Command", "US Navy", "Joint Task Force Southern Spear"),
    EventType.SEIZURE: ("US Coast Guard", "US Coast Guard; US Navy", "FBI; DHS; US Coast Guard"),
    EventType.PURSUIT: ("US Coast Guard", "US Navy", "US Coast Guard; US Navy"),
    EventType.BOARDING: ("US Coast Guard", "Royal Netherlands Navy", "Colombian Navy"),
    EventType.OTHER: ("US Southern Command", "US Coast Guard", "Venezuelan Navy"),
}
VERBS = {
    EventType.STRIKE: "struck",
    EventType.SEIZURE: "seized",
    EventType.PURSUIT: "pursued",
    EventType.BOARDING: "boarded",
    EventType.OTHER: "reported",
}
LINKS_SHIP = ("Iran", "China", "Russia", "Hezbollah", "PDVSA")
LINKS_BOAT = ("Tren de Aragua", "Cartel de los Soles", "ELN", "Clan del Golfo")
OUTLETS = (
    ("Reuters", "reuters.com"),
    ("Associated Press", "apnews.com"),
    ("US Southern Command", "southcom.mil"),
    ("US Coast Guard News", "news.uscg.mil"),
    ("Lloyd's List", "lloydslist.com"),
    ("TradeWinds", "tradewindsnews.com"),
    ("The Maritime Executive", "maritime-executive.com"),
    ("Efecto Cocuyo", "efectococuyo.com"),
    ("El Pitazo", "elpitazo.net"),
)
SHIP_WORDS = (
    "Ocean", "Star", "Bella", "Nova", "Aris", "Sea", "Pearl", "Grace", "Lion", "Atlas",
    "Crystal", "Horizon", "Eagle", "Coral", "Phoenix", "Orion", "Sky", "Rose", "Victory", "Aurora",
    "Marlin", "Falcon", "Zenith", "Delta", "Polaris", "Sirius", "Vega", "Lyra", "Hermes", "Titan",
)  # fmt: skip
BOAT_WORDS = (
    "Rayo", "Esperanza", "Don Lucho", "La Gaviota", "Relámpago", "Tiburón", "San Miguel",
    "Estrella", "Doña Rosa", "El Halcón", "Niña Bonita", "Poseidón", "Mi Destino", "La Negra",
)  # fmt: skip
T = TypeVar("T")
ROMAN = ("", "", "", " I", " II", " III", " IV", " V")


@dataclass(frozen=True)
class Ship:
    """A hull that turns up in several incidents: same IMO, perhaps a new name or flag."""

    name: str
    former_names: tuple[str, ...]
    imo: str
    mmsi: str
    vessel_type: VesselType
    flag: str
    linked_to: tuple[str, ...]
    sanctions: str | None


def _weighted(rng: random.Random, weights: dict[T, int]) -> T:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _imo(rng: random.Random) -> str:
    """A 7-digit IMO number whose last digit is its check digit."""
    first_six = str(rng.randint(900_000, 999_999))
    return first_six + str(imo_check_digit(first_six))


def _mmsi(rng: random.Random, flag: str, mids_by_flag: dict[str, list[str]]) -> str:
    """A ship MMSI, its MID allocated to ``flag`` where the ITU table knows one."""
    mids = mids_by_flag.get(flag) or ["636"]  # no flag: a Liberian MID, as many such hulls keep
    return rng.choice(mids) + f"{rng.randint(0, 999_999):06d}"


def _ship_name(rng: random.Random) -> str:
    first, second = rng.sample(SHIP_WORDS, 2)
    return (
        f"{first} {second}{rng.choice(ROMAN)}" if rng.random() < 0.6 else first + rng.choice(ROMAN)
    )


def _make_fleet(rng: random.Random, size: int) -> list[Ship]:
    """The shadow-fleet hulls that seizures, pursuits and boardings pick from."""
    mids_by_flag: dict[str, list[str]] = {}
    for mid, flag in load_mid_table().items():
        mids_by_flag.setdefault(flag, []).append(mid)
    fleet = []
    for _ in range(max(1, size)):
        flag = _weighted(rng, SHIP_FLAGS)
        former = tuple(_ship_name(rng) for _ in range(rng.choice((0, 0, 0, 1, 1, 2))))
        fleet.append(
            Ship(
                name=_ship_name(rng),
                former_names=former,
                imo=_imo(rng),
                mmsi=_mmsi(rng, flag, mids_by_flag) if rng.random() < 0.6 else "",
                vessel_type=_weighted(rng, SHIP_TYPES),
                flag=flag,
                linked_to=tuple(rng.sample(LINKS_SHIP, rng.choice((0, 1, 1, 2)))),
                sanctions=(
                    f"OFAC SDN list, {rng.randint(2019, 2025)}" if rng.random() < 0.35 else None
                ),
            )
        )
    return fleet


def _landmarks() -> list[Place]:
    return [place for place in load_gazetteer() if place.kind in {"port", "terminal", "island"}]


def _describe(latitude: float, longitude: float, area: str, landmarks: Sequence[Place]) -> str:
    """The area, and the nearest landmark within 150 nm as a bearing and distance."""
    scale = math.cos(math.radians(latitude))

    def planar_nm(place: Place) -> float:
        north = place.position.latitude - latitude
        east = (place.position.longitude - longitude) * scale
        return 60.0 * math.hypot(north, east)

    nearest = min(landmarks, key=planar_nm, default=None)
    if nearest is None or (distance := planar_nm(nearest)) > 150:
        return area
    bearing = initial_bearing(nearest.position, Position(latitude, longitude))
    step = 1 if distance < 10 else 5
    miles = max(1, step * round(distance / step))
    return f"{area}, about {miles} nm {compass_point(bearing)} of {nearest.name}"


def _position_at_sea(rng: random.Random) -> tuple[float, float, str]:
    """A point in a weighted sea area that the land outline does not cover."""
    weights = [area[-1] for area in SEA_AREAS]
    while True:
        name, south, north, west, east, _ = rng.choices(SEA_AREAS, weights=weights)[0]
        latitude = round(rng.uniform(south, north), 4)
        longitude = round(rng.uniform(west, east), 4)
        if is_on_land(latitude, longitude) is False:
            return latitude, longitude, name


def _day(rng: random.Random, last_day: dt.date) -> dt.date:
    """A day in the two years up to ``last_day``, more of them late as the campaign escalated."""
    return last_day - dt.timedelta(days=int(SPAN_DAYS * (1 - math.sqrt(rng.random()))))


def _sources(rng: random.Random, day: dt.date, last_day: dt.date, number: int) -> list[dict]:
    sources = []
    for outlet, domain in rng.sample(OUTLETS, rng.choice((1, 1, 2, 2, 3))):
        published = min(last_day, day + dt.timedelta(days=rng.randint(0, 5)))
        sources.append(
            {
                "outlet": outlet,
                "title": f"Interdiction report {number} ({outlet})" if rng.random() < 0.8 else None,
                "url": f"https://www.{domain}/{published:%Y/%m/%d}/interdiction-{number}",
                "published": published.isoformat() if rng.random() < 0.7 else None,
            }
        )
    return sources


def generate_records(count: int, *, seed: int, last_day: dt.date | None = None) -> Iterator[dict]:
    """``count`` incident records as field dicts (not yet validated), the same for the same seed."""
    rng = random.Random(seed)
    today = dt.datetime.now(dt.UTC).date()
    last_day = min(last_day or LAST_DAY, today)
    fleet = _make_fleet(rng, count // INCIDENTS_PER_SHIP)
    landmarks = _landmarks()
    for number in range(1, count + 1):
        event = _weighted(rng, EVENT_WEIGHTS)
        is_ship = event in {EventType.SEIZURE, EventType.PURSUIT} or (
            event is not EventType.STRIKE and rng.random() < 0.5
        )
        day = _day(rng, last_day)
        end_day = None
        if event is EventType.PURSUIT:
            end_day = min(last_day, day + dt.timedelta(days=rng.randint(1, 21)))
        latitude, longitude, area = _position_at_sea(rng)
        if is_ship:
            ship = rng.choice(fleet)
            fields = {
                "vessel_name": ship.name,
                "former_names": ";".join(ship.former_names),
                "imo": ship.imo if rng.random() < 0.85 else "",
                "mmsi": ship.mmsi,
                "vessel_type": ship.vessel_type,
                "flag": ship.flag,
                "linked_to": ";".join(ship.linked_to),
                "sanctions": ship.sanctions,
                "registry": (
                    f"{country_name(ship.flag)} ship registry"
                    if ship.flag and rng.random() < 0.5
                    else None
                ),
            }
            fraudulent = ship.flag in FRAUDULENT_REGISTRIES
            false_flag = _weighted(
                rng,
                {FalseFlag.YES: 45, FalseFlag.UNKNOWN: 35, FalseFlag.NO: 20}
                if fraudulent
                else {FalseFlag.YES: 8, FalseFlag.UNKNOWN: 32, FalseFlag.NO: 60},
            )
        else:
            vessel_type = _weighted(rng, BOAT_TYPES)
            fields = {
                # Most boats struck are never named; other small craft sometimes are.
                "vessel_name": f"{rng.choice(BOAT_WORDS)} {rng.randint(1, 99)}"
                if rng.random() < 0.4
                else None
                if event is EventType.STRIKE
                else f"Unnamed {vessel_type.label} ({format_incident_id(number)})",
                "vessel_type": vessel_type,
                "flag": _weighted(rng, BOAT_FLAGS),
                "linked_to": ";".join(rng.sample(LINKS_BOAT, rng.choice((0, 1, 1, 2)))),
            }
            false_flag = FalseFlag.UNKNOWN if rng.random() < 0.8 else FalseFlag.NO
            if event is EventType.STRIKE:
                fields |= {
                    "vessels_struck": 1,
                    "killed": rng.randint(0, 6),
                    "survivors": rng.choice((None, 0, 0, 1)),
                    "announced_by": "US Southern Command",
                }
        precision = _weighted(
            rng, {DatePrecision.DAY: 85, DatePrecision.MONTH: 8, DatePrecision.APPROXIMATE: 7}
        )
        agency = rng.choice(AGENCIES[event])
        outcome = _weighted(rng, OUTCOMES[event])
        added_at = dt.datetime.combine(
            min(last_day, day + dt.timedelta(days=rng.randint(0, 10))),
            dt.time(rng.randint(0, 23), rng.randint(0, 59)),
            tzinfo=dt.UTC,
        )
        place = _describe(latitude, longitude, area, landmarks)
        yield {
            "id": format_incident_id(number),
            "date": day,
            "end_date": end_day,
            "date_precision": precision,
            "event_type": event,
            "false_flag": false_flag,
            "latitude": latitude,
            "longitude": longitude,
            "place": place,
            "location_precision": _weighted(
                rng,
                {
                    LocationPrecision.EXACT: 40,
                    LocationPrecision.APPROXIMATE: 45,
                    LocationPrecision.REGION: 15,
                },
            ),
            "agency": agency,
            "outcome": outcome,
            "summary": (
                f"{agency} {VERBS[event]} the {fields['vessel_type'].label} "
                f"{fields['vessel_name'] or ''}: {place}. Outcome: {outcome.label}."
            ),
            "notes": "Position estimated from the reported area." if rng.random() < 0.1 else None,
            "sources": _sources(rng, day, last_day, number),
            "verification": _weighted(
                rng,
                {Verification.VERIFIED: 60, Verification.UNVERIFIED: 37, Verification.REJECTED: 3},
            ),
            "added_at": added_at,
            "added_by": GENERATED_BY,
            "added_via": _weighted(rng, {AddedVia.IMPORT: 70, AddedVia.FORM: 25, AddedVia.CLI: 5}),
            **fields,
        }


def write_incidents(out: Path, count: int, *, seed: int) -> Path:
    """Write ``count`` schema-valid incidents to ``out`` as the store's CSV and return ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for record in generate_records(count, seed=seed):
            # Through the schema, so a generator bug fails here instead of in the benchmark.
            writer.writerow(to_csv_row(validate_incident(record)))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m benchmarks.generate --rows N --out PATH [--seed S]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, required=True, help="how many incidents to write")
    parser.add_argument("--out", type=Path, required=True, help="the CSV file to write")
    parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same file")
    args = parser.parse_args(argv)
    if args.rows < 0:
        parser.error("--rows must be 0 or more")
    write_incidents(args.out, args.rows, seed=args.seed)
    print(f"wrote {args.rows:,} incidents to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
