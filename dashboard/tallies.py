"""The record's own tallies: strikes, boats struck, dead and survivors, by month and by sea area.

Every figure is summed from the rows, never typed in, so the About page, the README and the tests
agree with the data by construction. A count a report did not give is missing, not zero: the
tallies say how many strikes have no reported toll rather than counting them as none.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.schema import COUNT_COLUMNS, EventType
from dashboard.sea_areas import SEA_AREAS, sea_area

TALLY_COLUMNS = ("strikes", *COUNT_COLUMNS, "killed_not_reported")


@dataclass(frozen=True)
class StrikeTally:
    """The strikes of a frame, summed."""

    strikes: int
    vessels_struck: int
    killed: int
    survivors: int
    # Strikes whose death toll no report gave: their dead are not in ``killed``.
    killed_not_reported: int
    first: pd.Timestamp | None
    last: pd.Timestamp | None


def strikes_of(frame: pd.DataFrame) -> pd.DataFrame:
    """The strike rows of ``frame``."""
    return frame[frame["event_type"].astype(str) == EventType.STRIKE.value]


def _count(column: pd.Series) -> int:
    return int(pd.to_numeric(column, errors="coerce").sum())


def tally_strikes(frame: pd.DataFrame) -> StrikeTally:
    """The strikes in ``frame`` with their boats, dead and survivors as reported."""
    strikes = strikes_of(frame)
    return StrikeTally(
        strikes=len(strikes),
        vessels_struck=_count(strikes["vessels_struck"]),
        killed=_count(strikes["killed"]),
        survivors=_count(strikes["survivors"]),
        killed_not_reported=int(strikes["killed"].isna().sum()),
        first=strikes["date"].min() if len(strikes) else None,
        last=strikes["date"].max() if len(strikes) else None,
    )


def _grouped(strikes: pd.DataFrame, keys: pd.Series) -> pd.DataFrame:
    counts = strikes[list(COUNT_COLUMNS)].apply(pd.to_numeric, errors="coerce")
    grouped = counts.groupby(keys, observed=True, sort=True)
    table = grouped.sum(min_count=0).astype(int)
    table.insert(0, "strikes", grouped.size())
    table["killed_not_reported"] = counts["killed"].isna().groupby(keys, observed=True).sum()
    return table[list(TALLY_COLUMNS)]


def strikes_by_month(frame: pd.DataFrame) -> pd.DataFrame:
    """Strikes and their counts per calendar month, oldest first, indexed by "2025-09"."""
    strikes = strikes_of(frame)
    months = strikes["date"].dt.strftime("%Y-%m").rename("month")
    return _grouped(strikes, months)


def sea_areas(frame: pd.DataFrame) -> pd.Series:
    """The named sea of each row's point (see dashboard.sea_areas for how coarse that is)."""
    return pd.Series(
        [
            sea_area(latitude, longitude)
            for latitude, longitude in zip(frame["latitude"], frame["longitude"], strict=True)
        ],
        index=frame.index,
        dtype=pd.CategoricalDtype(SEA_AREAS),
        name="sea_area",
    )


def strikes_by_sea_area(frame: pd.DataFrame) -> pd.DataFrame:
    """Strikes and their counts per named sea, in the order of SEA_AREAS (empty ones left out)."""
    strikes = strikes_of(frame)
    return _grouped(strikes, sea_areas(strikes))


def record_summary_markdown(frame: pd.DataFrame) -> str:
    """The README's "What is in it" figures, written from the rows."""
    tally = tally_strikes(frame)
    events = frame["event_type"].astype(str).value_counts()
    latest = frame["date"].max()
    kinds = ", ".join(
        f"{int(events[member.value])} {member.label}{'s' if events[member.value] != 1 else ''}"
        for member in EventType
        if events.get(member.value, 0)
    )
    lines = [
        f"- {len(frame)} incidents from {frame['date'].min():%Y-%m-%d} to "
        f"{latest:%Y-%m-%d} (the date of the latest row): {kinds}.",
    ]
    if tally.strikes:
        lines.append(
            f"- Strikes on small vessels: {tally.strikes} announced strikes on "
            f"{tally.vessels_struck} boats, {tally.killed} people reported killed and "
            f"{tally.survivors} survivors reported"
            + (
                f" ({tally.killed_not_reported} strikes have no reported death toll)."
                if tally.killed_not_reported
                else "."
            )
        )
    disputed = int(frame["disputed_fields"].map(bool).sum())
    lines.append(f"- {disputed} incidents on which reports disagree (marked disputed).")
    return "\n".join(lines)
