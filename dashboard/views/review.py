"""The review queue: editors mark unverified incidents verified or rejected, through the store.

A decision is appended to the review log beside the incident file (nothing is overwritten or
deleted); the loader applies the latest decision, so a rejected incident leaves the map at once
and comes back only when the Verification filter asks for rejected ones.
"""

from __future__ import annotations

import re

import folium
import pandas as pd
import streamlit as st

from dashboard.app_state import current_store, current_view, without_server_paths
from dashboard.assets import localise
from dashboard.checks import CONFIRMED_NOTE_PREFIX
from dashboard.editor_gate import (
    current_editor,
    is_editor,
    rate_limit_message,
    require_editor,
    submission_limiter,
)
from dashboard.editors import SUBMISSION_LIMIT, SUBMISSION_WINDOW_SECONDS
from dashboard.errors import IncidentValidationError, InterdictionTrackerError
from dashboard.i18n import _, format_number, vocabulary_label
from dashboard.incident_details import permalink
from dashboard.map_component import render_map_payload, show_map
from dashboard.map_view import build_base_map, online_tiles_enabled
from dashboard.presentation import escape_markdown, incident_facts, shown_vessel_label
from dashboard.schema import (
    ID_PATTERN,
    REVIEW_COLUMNS,
    AddedVia,
    EventType,
    Review,
    Verification,
)
from dashboard.stores import IncidentStore, StoreUnavailableError
from dashboard.stores.base import RateLimit

REVIEWER_KEY = "review_reviewer"
NOTE_PREFIX = "review_note_"
_OUTCOME_KEY = "_review_outcome"
# Every decision but "unverified", which is where an incident starts, not a verdict on it.
DECISIONS = tuple(decision for decision in Verification if decision != Verification.UNVERIFIED)
HISTORY_LIMIT = 500
INCIDENT_ID = re.compile(ID_PATTERN.pattern.strip("^$"))


def _button_key(incident_id: str, decision: Verification, prefix: str = "review") -> str:
    """The key of the button that records ``decision`` for one incident."""
    return f"{prefix}_{decision.value}_{incident_id}"


def is_same_person(first: object, second: object) -> bool:
    """True when two names are the same person's, ignoring case and runs of spaces."""
    return " ".join(str(first).split()).casefold() == " ".join(str(second).split()).casefold()


def _decide(
    incident_id: str, decision: Verification, added_by: str, note_prefix: str = NOTE_PREFIX
) -> None:
    """Button callback: append the decision to the review log, or say why it was not."""
    state = st.session_state
    note_key = note_prefix + incident_id
    if not is_editor():
        state[_OUTCOME_KEY] = ("error", _("Not recorded: enter the editor passphrase first."))
        return
    # A logged-in editor's name is the one recorded, whatever the name box says.
    reviewer = current_editor() or str(state.get(REVIEWER_KEY) or "").strip()
    if not reviewer:
        state[_OUTCOME_KEY] = (
            "error",
            _("Not recorded: fill in 'Your name' first, so {id} records who decided.").format(
                id=incident_id
            ),
        )
        return
    if decision == Verification.VERIFIED and is_same_person(reviewer, added_by):
        state[_OUTCOME_KEY] = (
            "error",
            _(
                "Not recorded: {id} was submitted by {editor}; another editor must verify it."
            ).format(id=incident_id, editor=added_by),
        )
        return
    limiter = submission_limiter()
    if not limiter.try_acquire():
        state[_OUTCOME_KEY] = ("error", rate_limit_message(limiter))
        return
    try:
        review = current_store().record_review(
            incident_id,
            decision,
            reviewer=reviewer,
            note=str(state.get(note_key) or "") or None,
            rate_limit=RateLimit(SUBMISSION_LIMIT, SUBMISSION_WINDOW_SECONDS),
        )
    except IncidentValidationError as error:
        reasons = "; ".join(f"{p.field}: {p.reason}" for p in error.problems)
        state[_OUTCOME_KEY] = ("error", _("Not recorded: {reasons}").format(reasons=reasons))
        return
    except StoreUnavailableError as error:
        state[_OUTCOME_KEY] = (
            "error",
            _("Nothing was recorded: {error}. Try again in a moment.").format(error=error),
        )
        return
    except (InterdictionTrackerError, OSError) as error:
        state[_OUTCOME_KEY] = (
            "error",
            _("Not recorded: {reasons}").format(reasons=without_server_paths(str(error))),
        )
        return
    if not isinstance(review, Review):
        state[_OUTCOME_KEY] = (
            "error",
            _(
                "Refused: more than {limit} decisions and additions in {window} s by {editor}. "
                "Nothing was recorded; try again in {wait} s."
            ).format(
                limit=SUBMISSION_LIMIT,
                window=f"{SUBMISSION_WINDOW_SECONDS:g}",
                editor=reviewer,
                wait=round(review),
            ),
        )
        return
    state[note_key] = ""
    state[_OUTCOME_KEY] = (
        "success",
        _("{id} marked {decision} by {editor}.").format(
            id=review.incident_id,
            decision=vocabulary_label(review.decision),
            editor=review.reviewer,
        ),
    )


def review_history(store: IncidentStore) -> pd.DataFrame:
    """The review log's valid decisions, newest first (bad lines are reported by the app)."""
    rows = [review.model_dump() for review in store.reviews()]
    history = pd.DataFrame.from_records(rows, columns=list(REVIEW_COLUMNS))
    history["decision"] = history["decision"].map(lambda value: Verification(value).label)
    return history.iloc[::-1].head(HISTORY_LIMIT)


def _decision_words(label: object) -> str:
    """A decision from the review history (its English label) in the current language."""
    members = {member.label: member for member in Verification}
    return vocabulary_label(members[label]) if label in members else str(label)


def _added_via(value: object) -> str:
    """How an incident came in, in the current language (the raw value if it is not known)."""
    try:
        return vocabulary_label(AddedVia(str(value)))
    except ValueError:
        return str(value)


def _incident_history(history: pd.DataFrame, incident_id: str) -> pd.DataFrame:
    """The log's entries for one incident, oldest first."""
    return history[history["incident_id"] == incident_id].iloc[::-1]


@st.cache_resource(max_entries=32, show_spinner=False)
def _point_map(incident_id: str, latitude: float, longitude: float, online_tiles: bool):
    """A small map of one incident's point, built and rendered once per position."""
    small = build_base_map(online_tiles=online_tiles, prefer_canvas=False)
    folium.CircleMarker(
        [latitude, longitude],
        radius=7,
        color="#ffffff",
        weight=2,
        fill=True,
        fill_color="#D55E00",
        fill_opacity=0.9,
        interactive=False,
    ).add_to(small)
    small.location, small.options["zoom"] = [latitude, longitude], 5
    return render_map_payload(localise(small), key=f"review_map_{incident_id}")


def _draw_confirmations(entries: pd.DataFrame) -> None:
    """What the submitter confirmed at save time, with links to the incidents it cites."""
    for note in entries["note"].dropna():
        if not str(note).startswith(CONFIRMED_NOTE_PREFIX):
            continue
        st.warning(escape_markdown(note), icon=":material/warning:")
        for cited in sorted({match.group(0) for match in INCIDENT_ID.finditer(str(note))}):
            st.markdown(
                _("[Open {id}, the possible duplicate, on the map]({link})").format(
                    id=cited, link=permalink(cited)
                )
            )


def _draw_history(entries: pd.DataFrame) -> None:
    """Every decision on the incident, oldest first; the last one is in force."""
    if entries.empty:
        st.caption(_("No decision yet."))
        return
    lines = []
    for entry in entries.to_dict("records"):
        when = pd.Timestamp(entry["reviewed_at"]).strftime("%Y-%m-%d %H:%M UTC")
        note = "" if pd.isna(entry["note"]) or not entry["note"] else str(entry["note"])
        if note.startswith(CONFIRMED_NOTE_PREFIX):
            lines.append(
                _("{when}: submitted by {editor}, confirming the warnings above").format(
                    when=when, editor=entry["reviewer"]
                )
            )
            continue
        decision = _decision_words(entry["decision"])
        line = _("{when}: {decision} by {editor}").format(
            when=when, decision=decision, editor=entry["reviewer"]
        )
        lines.append(f"{line}: {note}" if note else line)
    st.markdown(_("**History** (the latest decision is in force)"))
    st.markdown("\n".join(f"- {escape_markdown(line)}" for line in lines))


def _draw_incident(
    incident: dict[str, object], history: pd.DataFrame, *, prefix: str = "review"
) -> None:
    """One incident in words, every value escaped, with its history and decision buttons."""
    incident_id = str(incident["id"])
    note_prefix = NOTE_PREFIX if prefix == "review" else f"{prefix}_note_"
    with st.container(border=True):
        vessel = escape_markdown(shown_vessel_label(incident["vessel_name"]))
        event = escape_markdown(vocabulary_label(EventType(incident["event_type"])))
        st.markdown(
            f"**{vessel}** · `{incident_id}` · {event}, "
            f"{escape_markdown(incident['date'].date().isoformat())}"
        )
        facts, where = st.columns([3, 2])
        with facts:
            lines = [f"{label}: {text}" for label, text in incident_facts(incident)]
            lines.append(
                _("Position: {latitude}, {longitude}").format(
                    latitude=f"{incident['latitude']:.4f}", longitude=f"{incident['longitude']:.4f}"
                )
            )
            st.markdown("  \n".join(escape_markdown(line) for line in lines))
        with where:
            show_map(
                _point_map(
                    incident_id,
                    float(incident["latitude"]),
                    float(incident["longitude"]),
                    online_tiles_enabled(),
                ),
                key=f"{prefix}_map_{incident_id}",
                height=200,
            )
        st.markdown(escape_markdown(incident["summary"]))
        for source in incident["sources"]:
            named = (
                f"{source['outlet']}: {source['title']}"
                if source.get("title")
                else source["outlet"]
            )
            line = _("Source: {source} ({url})").format(source=named, url=source["url"])
            st.markdown(escape_markdown(line))
        added_at = pd.Timestamp(incident["added_at"]).strftime("%Y-%m-%d %H:%M UTC")
        st.caption(
            _("Added {when} by {editor} via {channel}").format(
                when=escape_markdown(added_at),
                editor=escape_markdown(incident["added_by"]),
                channel=escape_markdown(_added_via(incident["added_via"])),
            )
        )
        entries = _incident_history(history, incident_id)
        _draw_confirmations(entries)
        _draw_history(entries)
        st.text_input(_("Note (optional)"), key=note_prefix + incident_id)
        for column, decision in zip(st.columns(len(DECISIONS)), DECISIONS, strict=True):
            column.button(
                _("Mark {decision}").format(decision=vocabulary_label(decision)),
                key=_button_key(incident_id, decision, prefix),
                on_click=_decide,
                args=(incident_id, decision, str(incident["added_by"]), note_prefix),
                type="primary" if decision == Verification.VERIFIED else "secondary",
            )


def _draw_revision(incidents: pd.DataFrame, history: pd.DataFrame) -> None:
    """Pick a decided incident to change its decision; the log keeps the earlier ones."""
    decided = incidents[incidents["id"].isin(set(history["incident_id"]))]
    decided = decided[decided["verification"] != Verification.UNVERIFIED.value]
    if decided.empty:
        return
    st.subheader(_("Revise a decision"))
    labels = {
        row["id"]: _("{id} · {vessel} · now {decision}").format(
            id=row["id"],
            vessel=shown_vessel_label(row["vessel_name"]),
            decision=vocabulary_label(Verification(row["verification"])),
        )
        for row in decided.to_dict("records")
    }
    chosen = st.selectbox(
        _("Incident"),
        list(labels),
        index=None,
        format_func=labels.__getitem__,
        key="review_revise_choice",
        placeholder=_("Choose a decided incident"),
    )
    if chosen:
        _draw_incident(decided[decided["id"] == chosen].iloc[0].to_dict(), history, prefix="revise")


def render() -> None:
    """Draw the review page."""
    view = current_view()
    st.title(_("Review queue"))
    if not require_editor():
        return
    if outcome := st.session_state.pop(_OUTCOME_KEY, None):
        status, message = outcome
        (st.success if status == "success" else st.error)(escape_markdown(message))
    if not current_editor():
        st.text_input(
            _("Your name") + " *",
            key=REVIEWER_KEY,
            help=_("Recorded with each decision, with the time."),
            persist_state="session",
        )
    incidents = view.incidents
    queue = incidents[incidents["verification"] == Verification.UNVERIFIED.value]
    st.caption(
        _(
            "{count} unverified incident(s), oldest first. A decision is added to the review "
            "log; rejected incidents leave the map unless the Verification filter asks for them."
        ).format(count=format_number(len(queue)))
    )
    history = review_history(current_store())
    if queue.empty:
        st.info(_("Nothing to review: every incident has a decision."))
    for incident in queue.sort_values(["added_at", "id"]).to_dict("records"):
        _draw_incident(incident, history)
    _draw_revision(incidents, history)
    st.subheader(_("Review history"))
    if history.empty:
        st.caption(_("No decisions yet."))
    else:
        shown = history.assign(decision=history["decision"].map(_decision_words))
        st.dataframe(
            shown,
            hide_index=True,
            column_config={
                "incident_id": st.column_config.TextColumn(_("Incident")),
                "decision": st.column_config.TextColumn(_("Decision")),
                "reviewer": st.column_config.TextColumn(_("Reviewer")),
                "reviewed_at": st.column_config.DatetimeColumn(
                    _("When (UTC)"), format="YYYY-MM-DD HH:mm"
                ),
                "note": st.column_config.TextColumn(_("Note"), width="large"),
            },
        )


render()
