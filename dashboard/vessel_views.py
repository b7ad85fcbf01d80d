"""Per-vessel and per-flag views of the incidents: plain pandas (and Altair), no Streamlit.

A vessel is identified by its IMO number, which stays with the hull through renames and reflags
(Bella 1 became Marinera under the same IMO 9230880). A row without an IMO joins the vessel whose
current or former names include its name when exactly one IMO carries that name; otherwise rows
without an IMO are grouped by name, linked through their former names.
"""

from __future__ import annotations

from collections.abc import Iterable

import altair as alt
import numpy as np
import pandas as pd

from dashboard.colours import FALSE_FLAG_COLOURS
from dashboard.i18n import N_, _, format_percent, ngettext
from dashboard.presentation import UNNAMED_VESSEL
from dashboard.schema import FalseFlag, flag_label

IMO_PREFIX = "imo:"
NAME_PREFIX = "name:"
# The false-flag states in the order the flag chart stacks them, with the words it shows.
FALSE_FLAG_WORDS: dict[FalseFlag, str] = {
    FalseFlag.YES: N_("false flag"),
    FalseFlag.UNKNOWN: N_("disputed or unverified"),
    FalseFlag.NO: N_("not false"),
}
FLAG_COUNT_COLUMNS = ("flag", "label", "incidents", "false_flags", "disputed", "false_share")
# The only columns vessel_keys, vessel_choices and flag_counts read: the vessels page copies
# these out of the filtered incidents, and whole rows only for the one vessel it shows.
PICKER_COLUMNS = (
    "id",
    "date",
    "end_date",
    "vessel_name",
    "former_names",
    "imo",
    "flag",
    "false_flag",
)


def _folded(value: object) -> str | None:
    """A name folded so that "MARINERA" and "Marinera" match; None for no name at all."""
    # The loader reads an empty name as NaN: only real text names a vessel.
    if isinstance(value, str) and (stripped := value.strip()):
        return stripped.casefold()
    return None


def _folded_names(column: pd.Series) -> np.ndarray:
    """Each cell of ``column`` folded (None for no name), each distinct name folded once."""
    codes, distinct = pd.factorize(column)
    folded = np.array([*map(_folded, distinct.tolist()), None], dtype=object)
    return folded[codes]  # a missing cell's code is -1: the None at the end


def _former_names(column: pd.Series) -> dict[int, list[str]]:
    """The folded former names of the rows that have any, by row position."""
    return {
        row: folded
        for row, names in enumerate(column.tolist())
        if names and (folded := [name for name in map(_folded, names) if name is not None])
    }


def _only_claim(names: list[str], imos_by_name: dict[str, set[str]]) -> str | None:
    """The IMO number when exactly one is known to have carried any of ``names``."""
    claimed: str | None = None
    for name in names:
        imos = imos_by_name.get(name)
        if not imos:
            continue
        if len(imos) > 1:
            return None
        (imo,) = imos
        if claimed is not None and imo != claimed:
            return None
        claimed = imo
    return claimed


def vessel_keys(frame: pd.DataFrame) -> pd.Series:
    """The vessel key of each row: ``imo:9230880``, ``name:olina`` for a vessel with no IMO,
    or missing for an unnamed boat (which no other row can be said to share)."""
    # Rows with an IMO are keyed at once; only the others are looked at one by one (1,000,000
    # incidents: 1.6 s, where a Python pass over every row's list of names took 3.8 s).
    current = _folded_names(frame["vessel_name"])
    former = _former_names(frame["former_names"])
    imos = np.array(
        [imo if isinstance(imo, str) and imo else None for imo in frame["imo"].tolist()],
        dtype=object,
    )
    has_imo = pd.notna(imos)
    with_imo = np.flatnonzero(has_imo)
    imos_by_name: dict[str, set[str]] = {}
    pairs = pd.DataFrame({"name": current[with_imo], "imo": imos[with_imo]}).dropna()
    for name, imo in pairs.drop_duplicates().itertuples(index=False):
        imos_by_name.setdefault(name, set()).add(imo)
    for row in with_imo.tolist():
        for name in former.get(row, ()):
            imos_by_name.setdefault(name, set()).add(imos[row])
    keys = np.full(len(frame), None, dtype=object)
    keys[with_imo] = IMO_PREFIX + imos[with_imo]
    # Union-find over the names of rows that no IMO claims: a former name links two rows.
    parent: dict[str, str] = {}

    def find(name: str) -> str:
        parent.setdefault(name, name)
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    keyed_by_name: list[tuple[int, str]] = []
    for row in np.flatnonzero(~has_imo).tolist():
        row_names = ([] if current[row] is None else [current[row]]) + former.get(row, [])
        if not row_names:
            continue  # an unnamed boat: a vessel of its own, unknown
        imo = _only_claim(row_names, imos_by_name)
        if imo is not None:
            keys[row] = IMO_PREFIX + imo
            continue
        keyed_by_name.append((row, row_names[0]))
        root = find(row_names[0])
        for name in row_names[1:]:
            other = find(name)
            if other != root:
                # The smaller name becomes the root, so a key does not depend on row order.
                root, other = min(root, other), max(root, other)
                parent[other] = root
    for row, first_name in keyed_by_name:
        keys[row] = NAME_PREFIX + find(first_name)
    return pd.Series(keys, index=frame.index, dtype="string")


def _in_date_order(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["date", "end_date", "id"], kind="stable")


def vessel_history(
    frame: pd.DataFrame, vessel_key: str, *, keys: pd.Series | None = None
) -> pd.DataFrame:
    """The incidents of one vessel (a key from ``vessel_keys``), oldest first.

    ``keys`` may pass ``vessel_keys(frame)`` when the caller has it already.
    """
    keys = vessel_keys(frame) if keys is None else keys
    # An unnamed boat's key is missing: it is in no vessel's history.
    return _in_date_order(frame[(keys == vessel_key).fillna(False).to_numpy(dtype=bool)])


def _unique(values: Iterable[str]) -> list[str]:
    """``values`` without repeats (ignoring case), in first-seen order."""
    seen: dict[str, str] = {}
    for value in values:
        if isinstance(value, str) and value:  # a row may name no vessel (an unnamed boat)
            seen.setdefault(value.casefold(), value)
    return list(seen.values())


def _label(
    names_newest_first: list[str], former_newest_first: list[tuple[str, ...]], key: str
) -> str:
    """The label of a vessel from its rows' names and former names, newest row first."""
    names = _unique(
        [*names_newest_first, *(name for former in former_newest_first for name in former)]
    )
    current, former = (names[0], names[1:]) if names else (_(UNNAMED_VESSEL), [])
    label = (
        _("{name} (ex {former})").format(name=current, former=", ".join(former))
        if former
        else current
    )
    identity = f"IMO {key.removeprefix(IMO_PREFIX)}" if key.startswith(IMO_PREFIX) else _("no IMO")
    count = len(names_newest_first)
    incidents = ngettext("{count} incident", "{count} incidents", count).format(count=count)
    return f"{label} · {identity} · {incidents}"


def vessel_choices(frame: pd.DataFrame, *, keys: pd.Series | None = None) -> list[tuple[str, str]]:
    """Every vessel in ``frame`` as (key, label), sorted by the label.

    ``keys`` may pass ``vessel_keys(frame)`` when the caller has it already.
    """
    if frame.empty:
        return []
    keys = vessel_keys(frame) if keys is None else keys
    # Plain lists in date order, one pass: a pandas group per vessel took seconds at 100,000.
    columns = frame[["id", "date", "end_date", "vessel_name", "former_names"]]
    ordered = _in_date_order(columns.assign(_position=np.arange(len(frame))))
    positions = ordered["_position"].to_numpy()
    names = ordered["vessel_name"].tolist()
    formers = ordered["former_names"].tolist()
    rows_of: dict[str, list[int]] = {}
    for row, key in enumerate(keys.to_numpy()[positions].tolist()):
        if isinstance(key, str):  # unnamed boats (missing keys) are no vessel anyone can pick
            rows_of.setdefault(key, []).append(row)
    choices = [
        (key, _label([names[row] for row in rows[::-1]], [formers[row] for row in rows[::-1]], key))
        for key, rows in rows_of.items()
    ]
    return sorted(choices, key=lambda choice: (choice[1].casefold(), choice[0]))


def vessel_sources(history: pd.DataFrame) -> pd.DataFrame:
    """One row per source cited by the incidents in ``history``: id, date, outlet, title, URL."""
    rows = [
        {
            "id": incident_id,
            "date": date,
            "outlet": source["outlet"],
            "title": source.get("title"),
            "published": source.get("published"),
            "url": source["url"],
        }
        for incident_id, date, sources in zip(
            history["id"], history["date"], history["sources"], strict=True
        )
        for source in sources
    ]
    return pd.DataFrame(rows, columns=["id", "date", "outlet", "title", "published", "url"])


def flag_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Incidents per flag state, with false and disputed flags and the false share, most first."""
    status = frame["false_flag"].astype(str)
    grouped = pd.DataFrame(
        {
            "flag": frame["flag"].fillna("").astype(str),
            "incidents": 1,
            "false_flags": (status == FalseFlag.YES).astype(int),
            "disputed": (status == FalseFlag.UNKNOWN).astype(int),
        }
    )
    counts = grouped.groupby("flag", sort=False).sum().reset_index()
    counts["label"] = [
        flag_label(code) if code else _("no flag / unknown") for code in counts["flag"]
    ]
    counts["flag"] = [code or None for code in counts["flag"]]
    counts["false_share"] = (counts["false_flags"] / counts["incidents"]).astype(float)
    counts = counts.sort_values(["incidents", "label"], ascending=[False, True], kind="stable")
    return counts[list(FLAG_COUNT_COLUMNS)].reset_index(drop=True)


def build_flag_chart(counts: pd.DataFrame) -> alt.LayerChart:
    """Horizontal bars of incidents per flag (from ``flag_counts``), split by false-flag status."""
    # The chart's words in the current language; the table of counts stays language-free.
    words_of = {status: _(words) for status, words in FALSE_FLAG_WORDS.items()}
    parts = []
    for status, words in words_of.items():
        if status is FalseFlag.YES:
            number = counts["false_flags"]
        elif status is FalseFlag.UNKNOWN:
            number = counts["disputed"]
        else:
            number = counts["incidents"] - counts["false_flags"] - counts["disputed"]
        parts.append(pd.DataFrame({"label": counts["label"], "status": words, "count": number}))
    bars_data = pd.concat(parts, ignore_index=True)
    bars_data["order"] = bars_data["status"].map(
        {words: rank for rank, words in enumerate(words_of.values())}
    )
    bars_data = bars_data[bars_data["count"] > 0]
    order = list(counts["label"])
    y = alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelLimit=240))
    bars = (
        alt.Chart(bars_data)
        .mark_bar()
        .encode(
            y=y,
            x=alt.X("count:Q", title=_("Incidents"), stack="zero", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "status:N",
                title=_("Flag"),
                scale=alt.Scale(
                    domain=list(words_of.values()),
                    range=[FALSE_FLAG_COLOURS[status] for status in FALSE_FLAG_WORDS],
                ),
                legend=alt.Legend(orient="top"),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("label:N", title=_("Flag")),
                alt.Tooltip("status:N", title=_("Status")),
                alt.Tooltip("count:Q", title=_("Incidents")),
            ],
        )
    )
    # A share of false flags means nothing for incidents that name no flag at all.
    flown = counts[counts["flag"].notna()]
    share_data = pd.DataFrame(
        {
            "label": flown["label"],
            "incidents": flown["incidents"],
            "text": [
                _("{share} false ({false} of {total})").format(
                    share=format_percent(share), false=false, total=total
                )
                for share, false, total in zip(
                    flown["false_share"], flown["false_flags"], flown["incidents"], strict=True
                )
            ],
        }
    )
    shares = (
        alt.Chart(share_data)
        .mark_text(align="left", dx=4, color="#333333")
        .encode(y=alt.Y("label:N", sort=order), x="incidents:Q", text="text:N")
    )
    # "fit-x": Streamlit would otherwise squeeze legend, axes and bars into the given height.
    return alt.layer(bars, shares).properties(
        height=max(60, 26 * len(counts)),
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"),
    )
