"""Atom feeds of the latest verified incidents, built with feedgen.

One feed of the whole record and one per flag state, written as files that Streamlit serves
under ``/app/static/feeds/`` (``write_feeds``), and the same feed of any filtered frame as an
export (``to_atom_bytes``). Each entry carries the map popup's wording as its content (every
data value escaped, so a ``<script>`` in a vessel name reaches a feed reader as text), the
incident's permalink on the dashboard, and its sources as related links.

Ids are ``urn:uuid`` names derived from the incident id, so they survive a move of the
dashboard to another address; ``updated`` is the newest entry's, never the time of writing,
so writing an unchanged record gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np
import pandas as pd
from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from lxml import etree

from dashboard.assets import write_atomically
from dashboard.map_view import popup_html
from dashboard.presentation import vessel_label
from dashboard.schema import EventType, Verification, country_name, flag_label

# Where people reach the dashboard; feed links must be absolute, and a server cannot know the
# address it is reached at without trusting the request's Host header.
PUBLIC_URL_ENV = "INTERDICTION_TRACKER_PUBLIC_URL"
DEFAULT_PUBLIC_URL = "http://localhost:8501"
FEEDS_DIR_NAME = "feeds"
ALL_FEED_NAME = "incidents.atom"
FLAG_FEEDS_DIR_NAME = "flag"
FEEDS_URL_PATH = f"/app/static/{FEEDS_DIR_NAME}"
# A feed reader wants what is new, not the whole record.
LATEST_ENTRIES = 100
INCIDENT_PARAM = "incident"
FEED_AUTHOR = "Interdiction Tracker"
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/interdiction-tracker")


def public_url() -> str:
    """The dashboard's public address, from $INTERDICTION_TRACKER_PUBLIC_URL, without a final /."""
    return (os.environ.get(PUBLIC_URL_ENV, "").strip() or DEFAULT_PUBLIC_URL).rstrip("/")


def incident_permalink(incident_id: str, *, base_url: str) -> str:
    """The dashboard link that opens one incident: ``…/?incident=INC-0007``."""
    return f"{base_url}/?{urlencode({INCIDENT_PARAM: incident_id})}"


def flag_feed_path(flag: str) -> str:
    """The feed file of one flag state, relative to the feeds folder: ``flag/PA.atom``."""
    return f"{FLAG_FEEDS_DIR_NAME}/{flag.upper()}.atom"


def feed_url(relative_path: str, *, base_url: str) -> str:
    """The address at which the app serves a feed file."""
    return f"{base_url}{FEEDS_URL_PATH}/{relative_path}"


@dataclass(frozen=True)
class FeedScope:
    """Which incidents a feed holds and what it calls itself."""

    title: str
    file: str
    flag: str | None = None

    @classmethod
    def whole_record(cls) -> FeedScope:
        """The feed of every verified incident."""
        return cls("Interdiction Tracker: verified incidents", ALL_FEED_NAME)

    @classmethod
    def for_flag(cls, flag: str) -> FeedScope:
        """The feed of the verified incidents of vessels under one flag state."""
        title = f"Interdiction Tracker: verified incidents, {flag_label(flag)} flag"
        return cls(title, flag_feed_path(flag), flag.upper())


class _Entry(FeedEntry):
    """feedgen's entry, writing the rel and title of its links."""

    def atom_entry(self, extensions: bool = True) -> etree._Element:
        """The entry element, with each link's attributes restored."""
        element = super().atom_entry(extensions)
        # feedgen 1.0.0 writes only href: its loop variable shadows the link it reads from,
        # and every source would then claim to be the entry's own page (rel="alternate").
        nodes = [node for node in element if etree.QName(node).localname == "link"]
        for node, link in zip(nodes, self.link() or [], strict=True):
            for attribute in ("rel", "type", "title"):
                if link.get(attribute):
                    node.set(attribute, str(link[attribute]))
        return element


def _uuid_urn(name: str) -> str:
    return uuid.uuid5(_ID_NAMESPACE, name).urn


def latest_verified(frame: pd.DataFrame, *, limit: int = LATEST_ENTRIES) -> pd.DataFrame:
    """The verified incidents, newest first (by date, then by when they were added)."""
    return frame.take(_newest_verified(frame)[:limit])


def _verified(frame: pd.DataFrame) -> np.ndarray:
    """The positions of the verified incidents."""
    return np.flatnonzero((frame["verification"] == Verification.VERIFIED.value).to_numpy())


def _newest_verified(frame: pd.DataFrame) -> np.ndarray:
    """The positions of the verified incidents, newest first (date, when added, id)."""
    # Sorted on the three key columns alone: sorting whole rows copied every column, which at
    # 1,000,000 incidents took seconds for each of the feeds.
    verified = _verified(frame)
    keys = frame[["date", "added_at", "id"]].take(verified).reset_index(drop=True)
    order = keys.sort_values(["date", "added_at", "id"], ascending=False, kind="stable").index
    return verified[order.to_numpy()]


def _entry_title(incident: Mapping[str, Any]) -> str:
    event = EventType(incident["event_type"]).label.capitalize()
    return f"{event}: {vessel_label(incident['vessel_name'])}, {incident['date'].date()}"


def _as_utc(value: pd.Timestamp) -> dt.datetime:
    stamp = value.to_pydatetime()
    return stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp.astimezone(dt.UTC)


def build_feed(frame: pd.DataFrame, scope: FeedScope, *, base_url: str) -> FeedGenerator:
    """The Atom feed of ``frame``'s latest verified incidents within ``scope``."""
    if scope.flag is not None:
        frame = frame[frame["flag"] == scope.flag]
    return _feed(latest_verified(frame), scope, base_url=base_url)


def _feed(incidents: pd.DataFrame, scope: FeedScope, *, base_url: str) -> FeedGenerator:
    """The Atom feed of ``incidents`` (the scope's latest verified ones, newest first)."""
    feed = FeedGenerator()
    feed.id(_uuid_urn(f"feed:{scope.file}"))
    feed.title(scope.title)
    feed.author({"name": FEED_AUTHOR, "uri": base_url})
    dashboard = f"{base_url}/?{urlencode({'flag': scope.flag})}" if scope.flag else f"{base_url}/"
    feed.link(href=dashboard, rel="alternate", type="text/html")
    feed.link(href=feed_url(scope.file, base_url=base_url), rel="self")
    feed.subtitle(
        "Interdictions at sea around Venezuela and the Caribbean, newest first. "
        "Summaries are our own words; every entry links its published sources."
    )
    feed.language("en")
    feed.generator("Interdiction Tracker (feedgen)")
    newest = incidents["added_at"].max() if len(incidents) else None
    feed.updated(_as_utc(newest) if newest is not None else dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    # feedgen writes entries in reverse order of adding: oldest first in, newest first out.
    for incident in reversed(incidents.to_dict("records")):
        entry = feed.add_entry(_Entry())
        entry.id(_uuid_urn(f"incident:{incident['id']}"))
        entry.title(_entry_title(incident))
        entry.link(href=incident_permalink(incident["id"], base_url=base_url), rel="alternate")
        for source in incident["sources"]:
            entry.link(href=source["url"], rel="related", title=source.get("outlet"))
        entry.published(_as_utc(incident["date"]))
        entry.updated(_as_utc(incident["added_at"]))
        entry.summary(incident["summary"], type="text")
        # The map popup's HTML, each value escaped once; feedgen escapes the whole for XML.
        entry.content(popup_html(incident), type="html")
        entry.category(
            term=str(incident["event_type"]), label=EventType(incident["event_type"]).label
        )
        if isinstance(incident["flag"], str) and incident["flag"]:
            entry.category(term=f"flag:{incident['flag']}", label=flag_label(incident["flag"]))
    return feed


def to_atom_bytes(frame: pd.DataFrame) -> bytes:
    """The Atom feed of the frame's latest verified incidents (the Table page's download)."""
    scope = FeedScope("Interdiction Tracker: verified incidents (filtered)", ALL_FEED_NAME)
    return build_feed(frame, scope, base_url=public_url()).atom_str(pretty=True)


def feed_scopes(frame: pd.DataFrame) -> Iterable[FeedScope]:
    """The whole record's feed and one per flag state that a verified incident flies."""
    yield FeedScope.whole_record()
    flags = frame["flag"].take(_verified(frame)).dropna().unique()
    for flag in sorted(set(flags) - {""}):
        if country_name(flag) is not None:
            yield FeedScope.for_flag(flag)


def write_feeds(frame: pd.DataFrame, static_dir: Path, *, base_url: str) -> list[Path]:
    """Write every feed under ``static_dir/feeds/``; return the files written."""
    feeds_dir = static_dir / FEEDS_DIR_NAME
    written = []
    # The verified incidents are ordered once; each feed takes the first of its own flag.
    newest = _newest_verified(frame)
    flag_codes, flags = pd.factorize(frame["flag"].take(newest))
    code_of = {flag: code for code, flag in enumerate(flags)}
    for scope in feed_scopes(frame):
        positions = (
            newest if scope.flag is None else newest[flag_codes == code_of.get(scope.flag, -2)]
        )
        incidents = frame.take(positions[:LATEST_ENTRIES])
        target = feeds_dir / scope.file
        write_atomically(target, _feed(incidents, scope, base_url=base_url).atom_str(pretty=True))
        written.append(target)
    # A flag whose last verified incident went (rejected, corrected) loses its feed file.
    flag_dir = feeds_dir / FLAG_FEEDS_DIR_NAME
    kept = {path.resolve() for path in written}
    for stale in flag_dir.glob("*.atom") if flag_dir.is_dir() else ():
        if stale.resolve() not in kept:
            stale.unlink(missing_ok=True)
    return written
