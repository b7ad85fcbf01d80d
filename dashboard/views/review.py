"""The review queue: editors mark unverified incidents verified or rejected, through the store.

A decision is appended to the review log beside the incident file (nothing is overwritten or
deleted); the loader applies the latest decision, so a rejected incident leaves the map at once
and comes back only when the Verification filter asks for rejected ones.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.app_state import current_store, current_view, without_server_paths
from dashboard.editor_gate import (
    current_editor,
    is_editor,
    rate_limit_message,
    require_editor,
    submission_limiter,
)
from dashboard.editors import SUBMISSION_LIMIT, SUBMISSION_WINDOW_SECONDS
from dashboard.errors import IncidentValidationError, InterdictionTrackerError
from dashboard.presentation import escape_markdown, flag_with_mark, vessel_label
from dashboard.schema import (
    REVIEW_COLUMNS,
    EventType,
    LocationPrecision,
    Outcome,
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


def _button_key(incident_id: str, decision: Verification) -> str:
    """The key of the button that records ``decision`` for one incident."""
    return f"review_{decision.value}_{incident_id}"


def _decide(incident_id: str, decision: Verification) -> None:
    """Button callback: append the decision to the review log, or say why it was not."""
    state = st.session_state
    note_key = NOTE_PREFIX + incident_id
    if not is_editor():
        state[_OUTCOME_KEY] = ("error", "Not recorded: enter the editor passphrase first.")
        return
    # A logged-in editor's name is the one recorded, whatever the name box says.
    reviewer = current_editor() or str(state.get(REVIEWER_KEY) or "").strip()
    if not reviewer:
        state[_OUTCOME_KEY] = (
            "error",
            f"Not recorded: fill in 'Your name' first, so {incident_id} records who decided.",
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
        state[_OUTCOME_KEY] = ("error", f"Not recorded: {reasons}")
        return
    except StoreUnavailableError as error:
        state[_OUTCOME_KEY] = ("error", f"Nothing was recorded: {error}. Try again in a moment.")
        return
    except (InterdictionTrackerError, OSError) as error:
        state[_OUTCOME_KEY] = ("error", f"Not recorded: {without_server_paths(str(error))}")
        return
    if not isinstance(review, Review):
        state[_OUTCOME_KEY] = (
            "error",
            f"Refused: more than {SUBMISSION_LIMIT} decisions and additions in "
            f"{SUBMISSION_WINDOW_SECONDS:g} s by {reviewer}. Nothing was recorded; try again "
            f"in {round(review)} s.",
        )
        return
    state[note_key] = ""
    state[_OUTCOME_KEY] = (
        "success",
        f"{review.incident_id} marked {review.decision.label} by {review.reviewer}.",
    )


def review_history(store: IncidentStore) -> pd.DataFrame:
    """The review log's valid decisions, newest first (bad lines are reported by the app)."""
    rows = [review.model_dump() for review in store.reviews()]
    history = pd.DataFrame.from_records(rows, columns=list(REVIEW_COLUMNS))
    history["decision"] = history["decision"].map(lambda value: Verification(value).label)
    return history.iloc[::-1].head(HISTORY_LIMIT)


def _draw_incident(incident: dict[str, object]) -> None:
    """One queued incident in words, every value escaped, with its decision buttons."""
    incident_id = str(incident["id"])
    with st.container(border=True):
        st.markdown(
            f"**{escape_markdown(vessel_label(incident['vessel_name']))}** · `{incident_id}` · "
            f"{escape_markdown(EventType(incident['event_type']).label)}, "
            f"{escape_markdown(incident['date'].date().isoformat())}"
        )
        flag = flag_with_mark(
            None if pd.isna(incident["flag"]) else incident["flag"], incident["false_flag"]
        )
        lines = [
            f"Flag: {flag}",
            f"Outcome: {Outcome(incident['outcome']).label}; agency: {incident['agency']}",
            f"Where: {incident['place']} ({LocationPrecision(incident['location_precision']).label}"
            f", {incident['latitude']:.4f}, {incident['longitude']:.4f})",
        ]
        if not pd.isna(incident["imo"]):
            lines.insert(0, f"IMO {incident['imo']}")
        st.markdown("  \n".join(escape_markdown(line) for line in lines))
        st.markdown(escape_markdown(incident["summary"]))
        for source in incident["sources"]:
            title = f": {source['title']}" if source.get("title") else ""
            st.markdown(escape_markdown(f"Source: {source['outlet']}{title} ({source['url']})"))
        added_at = pd.Timestamp(incident["added_at"]).strftime("%Y-%m-%d %H:%M UTC")
        st.caption(
            f"Added {escape_markdown(added_at)} by {escape_markdown(incident['added_by'])} "
            f"via {escape_markdown(incident['added_via'])}"
        )
        st.text_input("Note (optional)", key=NOTE_PREFIX + incident_id)
        for column, decision in zip(st.columns(len(DECISIONS)), DECISIONS, strict=True):
            column.button(
                f"Mark {decision.label}",
                key=_button_key(incident_id, decision),
                on_click=_decide,
                args=(incident_id, decision),
                type="primary" if decision == Verification.VERIFIED else "secondary",
            )


def render() -> None:
    """Draw the review page."""
    view = current_view()
    st.title("Review queue")
    if not require_editor():
        return
    if outcome := st.session_state.pop(_OUTCOME_KEY, None):
        status, message = outcome
        (st.success if status == "success" else st.error)(escape_markdown(message))
    if not current_editor():
        st.text_input(
            "Your name *",
            key=REVIEWER_KEY,
            help="Recorded with each decision, with the time.",
            persist_state="session",
        )
    incidents = view.incidents
    queue = incidents[incidents["verification"] == Verification.UNVERIFIED.value]
    st.caption(
        f"{len(queue):,} unverified incident(s), oldest first. A decision is added to the review "
        "log; rejected incidents leave the map unless the Verification filter asks for them."
    )
    if queue.empty:
        st.info("Nothing to review: every incident has a decision.")
    for incident in queue.sort_values(["added_at", "id"]).to_dict("records"):
        _draw_incident(incident)
    st.subheader("Review history")
    history = review_history(current_store())
    if history.empty:
        st.caption("No decisions yet.")
    else:
        st.dataframe(
            history,
            hide_index=True,
            column_config={
                "incident_id": st.column_config.TextColumn("Incident"),
                "decision": st.column_config.TextColumn("Decision"),
                "reviewer": st.column_config.TextColumn("Reviewer"),
                "reviewed_at": st.column_config.DatetimeColumn(
                    "When (UTC)", format="YYYY-MM-DD HH:mm"
                ),
                "note": st.column_config.TextColumn("Note", width="large"),
            },
        )


render()
