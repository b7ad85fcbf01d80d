"""The read-only embed of the map for articles: what it shows and how to link it.

The embed is asked for with ``?embed=true``. Streamlit reserves the ``embed`` parameter: it
hides it from ``st.query_params`` and reports only ``embed=true`` (as ``st.context.is_embedded``),
where it also drops its own header and toolbar, so ``?embed=1`` cannot reach the app at all.
Plain Python: the page (views/embed.py) draws it, the About page shows the snippet.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

import pandas as pd

from dashboard.filters import IncidentFilter, filter_from_query, filter_to_query

EMBED_PARAM = "embed"
EMBED_VALUE = "true"
EMBED_HEIGHT = 520


def embed_filter(query: Mapping[str, Sequence[str]]) -> IncidentFilter:
    """The filter the embed's URL sets; values the dashboard would ignore are ignored."""
    # No notices: an article's readers cannot fix the link, and the map says what it shows.
    incident_filter, _notices = filter_from_query(query)
    return incident_filter


def embed_url(base_url: str, incident_filter: IncidentFilter, **extra: str) -> str:
    """The address of the embed showing ``incident_filter``."""
    query = {**filter_to_query(incident_filter), **{k: [v] for k, v in extra.items()}}
    query[EMBED_PARAM] = [EMBED_VALUE]
    return f"{base_url}/?{urlencode(query, doseq=True)}"


def dashboard_url(base_url: str, incident_filter: IncidentFilter, **extra: str) -> str:
    """The full dashboard with the same filter: where the embed's caption links."""
    query = {**filter_to_query(incident_filter), **{k: [v] for k, v in extra.items()}}
    return f"{base_url}/?{urlencode(query, doseq=True)}" if query else f"{base_url}/"


def iframe_snippet(url: str, *, title: str, height: int = EMBED_HEIGHT + 60) -> str:
    """The HTML an article pastes to embed the map at ``url``."""
    return (
        f'<iframe src="{html.escape(url, quote=True)}" title="{html.escape(title, quote=True)}" '
        f'width="100%" height="{height}" style="border:0" loading="lazy" '
        'referrerpolicy="no-referrer"></iframe>'
    )


def data_date(incidents: pd.DataFrame) -> dt.date | None:
    """The day the record was last added to, or None for an empty record."""
    if incidents.empty:
        return None
    return incidents["added_at"].max().date()
