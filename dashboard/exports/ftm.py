"""FollowTheMoney entities of a (filtered) incident frame, one JSON object a line.

Built with the ``followthemoney`` package's own model, so Aleph and OpenSanctions' tools
(``ftm validate``, ``ftm export-excel``, ...) read the file as their own:

- one ``Vessel`` per vessel, where "the same vessel" is ``vessel_views.vessel_keys`` (the IMO
  number, or the name without one); an unnamed boat struck at sea is no vessel anyone can name
  again, so its incident stands alone;
- one ``Event`` per incident (date, place, summary, sources), with an ``Address`` holding its
  place and coordinates;
- one ``UnknownLink`` from the vessel to each of its events. FtM's ``Event.involved`` accepts
  only people and organisations (a ``Vessel`` is an asset), and ``Trip.vehicle`` would call an
  interdiction a journey, so a link entity is the model's own way to join them.

Ids are derived from incident ids and vessel keys, never from the export's order, so the same
incident or vessel keeps its id from one export to the next and re-imports merge, not duplicate.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from dashboard.presentation import vessel_label
from dashboard.schema import (
    DatePrecision,
    EventType,
    FalseFlag,
    Outcome,
    VesselType,
    flag_label,
)
from dashboard.vessel_views import IMO_PREFIX, vessel_keys

if TYPE_CHECKING:
    from followthemoney.proxy import EntityProxy


@contextlib.contextmanager
def _csv_field_limit_kept() -> Iterator[None]:
    """Put the csv module's field size limit back after the block, whatever it did to it."""
    limit = csv.field_size_limit()
    try:
        yield
    finally:
        csv.field_size_limit(limit)


# Importing followthemoney raises the csv module's process-wide field limit from 128 KB to
# 30 MB. The store relies on the standard limit to refuse hostile files and never to write a
# cell that a fresh process could not read back, so one FtM export must not change it.
with _csv_field_limit_kept():
    from followthemoney import model
    from followthemoney.types import registry

ID_PREFIX = "interdiction-tracker"
# model and registry too: readers of this output (the tests) take followthemoney from here, so
# the field limit is kept for them as well.
__all__ = [
    "ID_PREFIX",
    "ftm_entities",
    "incident_entity_id",
    "model",
    "registry",
    "to_ftm_bytes",
    "vessel_entity_id",
]


def incident_entity_id(incident_id: str) -> str:
    """The Event id of an incident: ``interdiction-tracker-inc-0001``."""
    return f"{ID_PREFIX}-{incident_id.lower()}"


def vessel_entity_id(vessel_key: str) -> str:
    """The Vessel id for a vessel key: the IMO number when known, else a digest of the name."""
    if vessel_key.startswith(IMO_PREFIX):
        return f"{ID_PREFIX}-vessel-imo-{vessel_key.removeprefix(IMO_PREFIX)}"
    digest = hashlib.sha1(vessel_key.encode("utf-8"), usedforsecurity=False).hexdigest()
    return f"{ID_PREFIX}-vessel-{digest[:16]}"


def ftm_entities(frame: pd.DataFrame) -> Iterator[EntityProxy]:
    """The vessels (sorted by id), then each incident's event, place and vessel link."""
    keys = vessel_keys(frame)
    records = frame.assign(_vessel=keys).to_dict("records")
    by_vessel: dict[str, list[Mapping[str, Any]]] = {}
    for incident in records:
        if not pd.isna(incident["_vessel"]):
            by_vessel.setdefault(str(incident["_vessel"]), []).append(incident)
    vessels = sorted(
        (_vessel(key, incidents) for key, incidents in by_vessel.items()),
        key=lambda entity: entity.id,
    )
    yield from vessels
    for incident in records:
        yield from _incident(incident)


def to_ftm_bytes(frame: pd.DataFrame) -> bytes:
    """The entities as newline-delimited FtM JSON (UTF-8), the form ``ftm`` commands read."""
    lines = (
        json.dumps(entity.to_dict(), ensure_ascii=False, sort_keys=True)
        for entity in ftm_entities(frame)
    )
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def _vessel(key: str, incidents: list[Mapping[str, Any]]) -> EntityProxy:
    """One Vessel from its incidents: the newest row's name, flag and type lead."""
    newest_first = sorted(incidents, key=lambda row: (row["date"], row["id"]), reverse=True)
    vessel = model.make_entity("Vessel")
    vessel.id = vessel_entity_id(key)
    names = _unique(
        name
        for row in newest_first
        for name in (row["vessel_name"], *row["former_names"])
        if isinstance(name, str) and name
    )
    vessel.add("name", names[0])
    vessel.add("previousName", names[1:])
    flags = _unique(row["flag"] for row in newest_first if isinstance(row["flag"], str))
    if flags:
        vessel.add("flag", flags[0])
        vessel.add("pastFlags", flags[1:])
    for row in newest_first:
        vessel.add("imoNumber", _text(row["imo"]))
        vessel.add("mmsi", _text(row["mmsi"]))
        vessel.add("sourceUrl", [source["url"] for source in row["sources"]])
    vessel.add("type", VesselType(newest_first[0]["vessel_type"]).label)
    linked = _unique(name for row in newest_first for name in row["linked_to"])
    sanctions = _unique(_text(row["sanctions"]) for row in newest_first)
    false_flags = _unique(
        row["flag"]
        for row in newest_first
        if isinstance(row["flag"], str) and row["false_flag"] == FalseFlag.YES
    )
    notes = []
    if false_flags:
        # FtM's flag is the flag flown; that it was flown falsely is ours to say.
        flown = ", ".join(flag_label(flag) for flag in false_flags)
        notes.append(f"Reported as flying a false flag: {flown}.")
    if linked:
        notes.append(f"Linked to: {', '.join(linked)}.")
    if any(sanctions):
        notes.append(f"Sanctions: {'; '.join(value for value in sanctions if value)}.")
    vessel.add("notes", " ".join(notes) or None)
    return vessel


def _incident(incident: Mapping[str, Any]) -> Iterator[EntityProxy]:
    """The incident's Event and Address, and its link to its vessel when it has one."""
    event_id = incident_entity_id(incident["id"])
    event_type = EventType(incident["event_type"]).label
    place = model.make_entity("Address")
    place.id = f"{event_id}-place"
    # FtM's address cleaning turns ";" into ","; written cleaned, the file is what tools read.
    place.add("full", incident["place"])
    # Strings: FtM rounds a float to two decimals, and the coordinates must come back as given.
    place.add("latitude", repr(float(incident["latitude"])), cleaned=True)
    place.add("longitude", repr(float(incident["longitude"])), cleaned=True)
    yield place

    event = model.make_entity("Event")
    event.id = event_id
    event.add("name", f"{event_type.capitalize()}: {vessel_label(incident['vessel_name'])}")
    date = _ftm_date(incident["date"], incident["date_precision"])
    event.add("date", date)
    if not pd.isna(incident["end_date"]):
        event.add("startDate", date)
        event.add("endDate", incident["end_date"].date().isoformat())
    event.add("location", incident["place"])
    event.add("addressEntity", place.id)
    event.add("summary", incident["summary"])
    event.add("notes", _text(incident["notes"]))
    event.add("keywords", [event_type, Outcome(incident["outcome"]).label])
    event.add(
        "description",
        f"{incident['id']}: {event_type} by {incident['agency']}; "
        f"outcome: {Outcome(incident['outcome']).label}.",
    )
    event.add("sourceUrl", [source["url"] for source in incident["sources"]])
    event.add("publisher", [source["outlet"] for source in incident["sources"]])
    yield event

    if not pd.isna(incident["_vessel"]):
        link = model.make_entity("UnknownLink")
        link.id = f"{event_id}-vessel"
        link.add("subject", vessel_entity_id(str(incident["_vessel"])))
        link.add("object", event_id)
        link.add("role", event_type)
        link.add("date", date)
        yield link


def _ftm_date(date: pd.Timestamp, precision: str) -> str:
    """The date as FtM writes it: ``2025-12`` when only the month is known."""
    if precision == DatePrecision.MONTH:
        return date.strftime("%Y-%m")
    return date.date().isoformat()


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _unique(values: Any) -> list[Any]:
    """``values`` without repeats (ignoring case for text), in first-seen order."""
    seen: dict[object, Any] = {}
    for value in values:
        if value is not None:
            seen.setdefault(value.casefold() if isinstance(value, str) else value, value)
    return list(seen.values())
