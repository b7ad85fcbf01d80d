"""Vessel checks on a valid draft: warnings a person may accept before the record is written.

Errors (an IMO whose check digit is wrong, a latitude of 95) belong to the schema and block the
record outright. The findings here are leads or likely slips that an analyst may knowingly
accept: an MMSI registered to another state than the flag (often the story itself), the same
vessel already recorded around the same date, and a point "at sea" that lies on land.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd

from dashboard.i18n import _, vocabulary_label
from dashboard.identifiers import flag_for_mmsi, mmsi_matches_flag
from dashboard.land import is_on_land
from dashboard.presentation import shown_vessel_label
from dashboard.schema import FalseFlag, IncidentDraft, Verification, flag_label

DUPLICATE_WINDOW = dt.timedelta(days=3)


class WarningKind(StrEnum):
    """What a warning is about; each kind needs its own confirmation."""

    POSSIBLE_FALSE_FLAG = "possible_false_flag"
    DUPLICATE = "duplicate"
    ON_LAND = "on_land"


@dataclass(frozen=True)
class VesselWarning:
    """One finding about a draft, in words, with the incidents it refers to."""

    kind: WarningKind
    message: str
    incident_ids: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """A key naming this exact warning: a confirmation covers only the text that was read."""
        digest = hashlib.sha256(self.message.encode("utf-8")).hexdigest()[:12]
        return f"{self.kind.value}-{digest}"


def _fold_name(name: object) -> str:
    """A vessel name for comparison: case and runs of spaces ignored ("" for an unnamed boat)."""
    return " ".join(name.casefold().split()) if isinstance(name, str) else ""


def check_false_flag(draft: IncidentDraft) -> VesselWarning | None:
    """A "possible false flag" warning when the MMSI's MID belongs to another state."""
    if draft.mmsi is None or draft.flag is None:
        return None
    # Already recorded as a false flag: the mismatch is what the record says, not news.
    if draft.false_flag == FalseFlag.YES:
        return None
    if mmsi_matches_flag(draft.mmsi, draft.flag) is not False:
        return None
    mid_flag = flag_for_mmsi(draft.mmsi)
    return VesselWarning(
        WarningKind.POSSIBLE_FALSE_FLAG,
        _(
            "Possible false flag: MMSI {mmsi} starts with MID {mid}, which is allocated to "
            "{mid_flag}, but the flag given is {flag}. The vessel may be flying a flag it is not "
            "registered under, or was reflagged without a new MMSI; set 'False flag' if the "
            "reports say so."
        ).format(
            mmsi=draft.mmsi,
            mid=draft.mmsi[:3],
            mid_flag=flag_label(mid_flag),
            flag=flag_label(draft.flag),
        ),
    )


def find_duplicates(draft: IncidentDraft, incidents: pd.DataFrame) -> pd.DataFrame:
    """The incidents of the same vessel (IMO, or a name) within DUPLICATE_WINDOW of the draft."""
    first, last = pd.Timestamp(draft.date), pd.Timestamp(draft.end_date or draft.date)
    starts = incidents["date"]
    ends = incidents["end_date"].fillna(starts)
    # The gap between the two date spans (zero or less when they overlap), vectorised because
    # the file may hold many thousands of incidents and this runs on every submission.
    gap = starts.clip(lower=first) - ends.clip(upper=last)
    near = incidents[gap <= pd.Timedelta(DUPLICATE_WINDOW)]
    draft_names = {_fold_name(name) for name in (draft.vessel_name, *draft.former_names) if name}
    if not draft_names and draft.imo is None:  # an unnamed boat can't be matched to another
        return incidents.iloc[0:0]
    same_vessel = [
        (draft.imo is not None and imo == draft.imo)
        or bool(draft_names & {_fold_name(name), *map(_fold_name, former)})
        for imo, name, former in zip(
            near["imo"], near["vessel_name"], near["former_names"], strict=True
        )
    ]
    return near[pd.Series(same_vessel, index=near.index, dtype=bool)]


def check_duplicates(draft: IncidentDraft, incidents: pd.DataFrame) -> VesselWarning | None:
    """A warning naming the incidents that may already record this one."""
    found = find_duplicates(draft, incidents)
    if found.empty:
        return None
    described = "; ".join(
        f"{incident['id']} ({shown_vessel_label(incident['vessel_name'])}, "
        f"{incident['date'].date().isoformat()}, "
        f"{vocabulary_label(Verification(incident['verification']))})"
        for incident in found.to_dict("records")
    )
    return VesselWarning(
        WarningKind.DUPLICATE,
        _(
            "Possible duplicate: the same vessel (by IMO or name) is already recorded within "
            "{days} days of this date: {incidents}."
        ).format(days=DUPLICATE_WINDOW.days, incidents=described),
        tuple(found["id"]),
    )


def check_on_land(draft: IncidentDraft) -> VesselWarning | None:
    """A warning when the point lies on the land outline (coast-level, about 2 km accuracy)."""
    if not is_on_land(draft.latitude, draft.longitude):
        return None
    return VesselWarning(
        WarningKind.ON_LAND,
        _(
            "The position {latitude}, {longitude} lies on land, not at sea. Check latitude and "
            "longitude (a sign or a swapped pair is a common slip); a port or river position may "
            "be right."
        ).format(latitude=f"{draft.latitude:.4f}", longitude=f"{draft.longitude:.4f}"),
    )


def vessel_warnings(draft: IncidentDraft, incidents: pd.DataFrame) -> list[VesselWarning]:
    """Every warning for ``draft`` against the incidents already recorded, in a fixed order."""
    found: Iterable[VesselWarning | None] = (
        check_false_flag(draft),
        check_duplicates(draft, incidents),
        check_on_land(draft),
    )
    return [warning for warning in found if warning is not None]


# The review-log note that records, at save time, which warnings the submitter confirmed.
CONFIRMED_NOTE_PREFIX = "Submitter confirmed warnings: "
_WARNING_WORDS = {
    WarningKind.POSSIBLE_FALSE_FLAG: "possible false flag (MMSI's country differs from the flag)",
    WarningKind.DUPLICATE: "possible duplicate of",
    WarningKind.ON_LAND: "position on land",
}


def confirmation_note(warnings: Iterable[VesselWarning]) -> str | None:
    """The short note naming each confirmed warning (and the incidents it cites); None if none."""
    parts = [
        " ".join([_WARNING_WORDS[warning.kind], ", ".join(warning.incident_ids)]).strip()
        for warning in warnings
    ]
    return CONFIRMED_NOTE_PREFIX + "; ".join(parts) + "." if parts else None
