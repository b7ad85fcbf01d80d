"""The add-incident page: locate by map click, place name or coordinates; check; append.

The submit button's callback does the work before the page is drawn: it checks the whole form,
works out the warnings, and writes through the store only when everything is valid and every
warning shown has been confirmed. The page then draws each problem beside its field, so what was
typed stays where it was.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
from collections.abc import Iterator, Mapping
from dataclasses import replace

import folium
import streamlit as st
from streamlit_folium import st_folium

from dashboard import form_fields as form
from dashboard.app_state import current_store, current_view, without_server_paths
from dashboard.checks import VesselWarning, WarningKind, confirmation_note, vessel_warnings
from dashboard.editor_gate import (
    current_editor,
    is_editor,
    rate_limit_message,
    require_editor,
    submission_limiter,
)
from dashboard.editors import SUBMISSION_LIMIT, SUBMISSION_WINDOW_SECONDS
from dashboard.errors import FieldProblem, GeocodingError, InterdictionTrackerError
from dashboard.geo import (
    OnlineGeocoder,
    Position,
    describe_position,
    make_online_geocoder,
    parse_position,
    resolve_place,
    search_places,
)
from dashboard.i18n import N_, _, vocabulary_label
from dashboard.incident_details import page_url, permalink
from dashboard.locator_map import (
    CHOSEN_ZOOM,
    build_locator_map,
    chosen_position_layer,
    nearby_incidents_layer,
)
from dashboard.map_view import online_tiles_enabled
from dashboard.presentation import escape_markdown, incident_table, shown_vessel_label
from dashboard.schema import EARLIEST_DATE, FUTURE_SLACK, AddedVia, Verification, flag_label
from dashboard.stores import StoreUnavailableError
from dashboard.stores.base import RateLimit

KEY_PREFIX = "add_"
LOCATOR_KEY = "add_locator"
LOOKUP_KEY = "add_place_lookup"
CONFIRM_PREFIX = "add_confirm_"
SUBMIT_KEY = "add_submit"
FORM_KEY = "add_incident_form"
_PROBLEMS_KEY = "_add_problems"
_WARNINGS_KEY = "_add_warnings"
_SAVED_KEY = "_add_saved"
_REFUSED_KEY = "_add_refused"
_LOOKUP_RESULT_KEY = "_add_lookup_result"
ONLINE_GEOCODING_ENV = "INTERDICTION_TRACKER_ONLINE_GEOCODING"
# Nominatim's usage policy asks for an agent that names the application.
USER_AGENT = "interdiction-tracker/0.1 (maritime interdiction dashboard; add-incident form)"
ONLINE_TIMEOUT_SECONDS = 5.0
CLICK_DECIMALS = 5  # about a metre: finer than a click on a map can mean
POSITION_PLACEHOLDER = N_("10.5, -66.9  or  10°30'N 66°55'W")
CONFIRMATIONS = {
    WarningKind.POSSIBLE_FALSE_FLAG: N_("Record it anyway: the flag is as reported"),
    WarningKind.DUPLICATE: N_("I have compared it with the incident(s) above: this is another one"),
    WarningKind.ON_LAND: N_("The position is right (a port, a river or the coast)"),
}


def _key(name: str) -> str:
    return KEY_PREFIX + name


def _source_key(row: int, part: str) -> str:
    return f"{KEY_PREFIX}source_{row}_{part}"


# --- session state -----------------------------------------------------------------------------


def _field_defaults() -> dict[str, object]:
    """Every form widget's key with the value it starts from (and returns to after a save)."""
    defaults: dict[str, object] = {}
    for _title, names in form.form_layout():
        for name in names:
            kind = form.widget_kind(name)
            if kind is form.WidgetKind.SOURCES:
                for row in range(form.SOURCE_ROWS):
                    for part in form.SOURCE_PARTS:
                        is_date = form.source_part_kind(part) is form.WidgetKind.DATE
                        defaults[_source_key(row, part)] = None if is_date else ""
            elif kind is form.WidgetKind.CHOICE:
                vocabulary = form.vocabulary_of(name)
                defaults[_key(name)] = form.default_choice(vocabulary) if vocabulary else None
            elif kind is form.WidgetKind.DATE:
                defaults[_key(name)] = None
            else:
                defaults[_key(name)] = ""
    return defaults


def _initialise_state() -> None:
    """Give every form widget its starting value, once per session (before they are drawn)."""
    for key, value in _field_defaults().items():
        st.session_state.setdefault(key, value)


def _clear_form() -> None:
    """Empty the form after a save, keeping who is adding (the next incident is theirs too)."""
    for key, value in _field_defaults().items():
        if key != _key(form.ADDED_BY):
            st.session_state[key] = value
    st.session_state[LOOKUP_KEY] = ""
    st.session_state.pop(_LOOKUP_RESULT_KEY, None)


def _submission() -> form.Submission:
    """What the form holds now, read from session state."""
    state = st.session_state
    values = {
        name: state.get(_key(name))
        for name in form.DRAFT_FIELDS
        if name not in (*form.COORDINATE_FIELDS, form.SOURCES)
    }
    sources = [
        {part: state.get(_source_key(row, part)) for part in form.SOURCE_PARTS}
        for row in range(form.SOURCE_ROWS)
    ]
    return form.Submission(
        values=values,
        position=str(state.get(_key(form.POSITION)) or ""),
        sources=sources,
        added_by=str(state.get(_key(form.ADDED_BY)) or ""),
    )


def _problems_by_field(problems: tuple[FieldProblem, ...]) -> dict[str, list[str]]:
    by_field: dict[str, list[str]] = {}
    for problem in problems:
        by_field.setdefault(problem.field, []).append(problem.reason)
    return by_field


# --- callbacks: they run before the page is drawn ----------------------------------------------


def _submit() -> None:
    """Check the whole form; write it through the store only if it is valid and confirmed."""
    state = st.session_state
    for key in (_SAVED_KEY, _REFUSED_KEY):
        state.pop(key, None)
    if not is_editor():
        state[_REFUSED_KEY] = _("Not saved: enter the editor passphrase first.")
        return
    submission = _submission()
    if editor := current_editor():
        # Who logged in is who added it: the name box cannot say otherwise.
        submission = replace(submission, added_by=editor)
    checked = form.check_submission(submission)
    state[_PROBLEMS_KEY] = _problems_by_field(checked.problems)
    if not checked.is_valid or checked.draft is None or checked.added_by is None:
        state[_WARNINGS_KEY] = []
        return
    store = current_store()
    try:
        warnings = vessel_warnings(checked.draft, store.refresh().result.incidents)
        state[_WARNINGS_KEY] = warnings
        if not all(state.get(CONFIRM_PREFIX + warning.key) for warning in warnings):
            return
        limiter = submission_limiter()
        if not limiter.try_acquire():
            state[_REFUSED_KEY] = rate_limit_message(limiter)
            return
        # The duplicate check is made again, atomically with the write, in the store: another
        # session or replica may have saved the same vessel since the warnings were worked out.
        confirmed = [
            incident_id
            for warning in warnings
            if warning.kind is WarningKind.DUPLICATE
            for incident_id in warning.incident_ids
        ]
        result = store.add_incident(
            checked.draft,
            added_by=checked.added_by,
            added_via=AddedVia.FORM,
            confirmed_duplicates=confirmed,
            rate_limit=RateLimit(SUBMISSION_LIMIT, SUBMISSION_WINDOW_SECONDS),
            verification=Verification.UNVERIFIED,
        )
    except StoreUnavailableError as error:
        if error.may_have_written:
            state[_REFUSED_KEY] = _(
                "The connection was lost while saving ({error}): the incident may or may not "
                "be saved. What you typed is kept; press Add incident again in a moment, and "
                "if it was saved the duplicate warning will name it."
            ).format(error=error)
        else:
            state[_REFUSED_KEY] = _(
                "Nothing was saved: {error}. What you typed is kept; press Add incident "
                "again in a moment."
            ).format(error=error)
        return
    except (InterdictionTrackerError, OSError) as error:
        state[_REFUSED_KEY] = _("Not saved: {error}").format(error=without_server_paths(str(error)))
        return
    if result.retry_after is not None:
        state[_REFUSED_KEY] = _(
            "Refused: more than {limit} submissions in {window} s by {editor}. Nothing was "
            "saved; try again in {wait} s."
        ).format(
            limit=SUBMISSION_LIMIT,
            window=f"{SUBMISSION_WINDOW_SECONDS:g}",
            editor=checked.added_by,
            wait=round(result.retry_after),
        )
        return
    if result.incident is None:
        # Saved by someone else meanwhile: show the new duplicate warning to confirm.
        state[_WARNINGS_KEY] = vessel_warnings(checked.draft, store.refresh().result.incidents)
        return
    incident = result.incident
    # The reviewer must see what the submitter overrode (issue 9): an entry in the
    # append-only review log that leaves the incident unverified.
    if note := confirmation_note(warnings):
        try:
            store.record_review(
                incident.id, Verification.UNVERIFIED, reviewer=checked.added_by, note=note
            )
        except (InterdictionTrackerError, OSError) as error:
            # Saved all the same: say that the reviewer will not see the confirmations.
            state[_REFUSED_KEY] = _(
                "{id} is saved, but the warnings you confirmed could not be logged "
                "for the reviewer: {error}"
            ).format(id=incident.id, error=without_server_paths(str(error)))
    state[_SAVED_KEY] = (incident.id, shown_vessel_label(incident.vessel_name))
    state[_WARNINGS_KEY] = []
    _clear_form()


def _apply_map_click() -> None:
    """Put the clicked point into the position box (st_folium's change callback)."""
    clicked = (st.session_state.get(LOCATOR_KEY) or {}).get("last_clicked")
    if not clicked:
        return
    try:
        position = Position(
            round(float(clicked["lat"]), CLICK_DECIMALS),
            round(float(clicked["lng"]), CLICK_DECIMALS),
        )
    except (KeyError, TypeError, ValueError, GeocodingError):
        return
    st.session_state[_key(form.POSITION)] = (
        f"{position.latitude:.{CLICK_DECIMALS}f}, {position.longitude:.{CLICK_DECIMALS}f}"
    )
    _forget_position_problems()


def _forget_position_problems() -> None:
    """A new position makes the last submission's position problems stale (issue 9)."""
    problems = st.session_state.get(_PROBLEMS_KEY)
    if problems and form.POSITION in problems:
        st.session_state[_PROBLEMS_KEY] = {
            name: reasons for name, reasons in problems.items() if name != form.POSITION
        }


@st.cache_resource
def _shared_online_geocoder() -> OnlineGeocoder:
    """One rate-limited Nominatim lookup for the whole server, as its usage policy asks."""
    return make_online_geocoder(user_agent=USER_AGENT, timeout=ONLINE_TIMEOUT_SECONDS)


def _online_geocoder() -> OnlineGeocoder | None:
    """The online geocoder when configuration switches it on; None (offline only) otherwise."""
    if os.environ.get(ONLINE_GEOCODING_ENV, "").strip().lower() != "on":
        return None
    return _shared_online_geocoder()


def _apply_place_lookup() -> None:
    """Look the typed place up; when found, put its position into the position box."""
    state = st.session_state
    query = str(state.get(LOOKUP_KEY) or "").strip()
    if not query:
        state.pop(_LOOKUP_RESULT_KEY, None)
        return
    online = _online_geocoder()
    try:
        place = resolve_place(query, online_geocoder=online)
    except GeocodingError as error:
        state[_LOOKUP_RESULT_KEY] = ("error", str(error))
        return
    if place is None:
        message = (
            _(
                "No place called {query} in the offline gazetteer or online. Type the "
                "coordinates or click the map instead."
            )
            if online
            else _(
                "No place called {query} in the offline gazetteer. Type the coordinates or "
                "click the map instead."
            )
        )
        state[_LOOKUP_RESULT_KEY] = ("error", message.format(query=repr(query)))
        return
    state[_key(form.POSITION)] = f"{place.position.latitude}, {place.position.longitude}"
    if not str(state.get(_key("place")) or "").strip():
        state[_key("place")] = place.name
    _forget_position_problems()
    others = [other.label for other in search_places(query, limit=4) if other != place]
    found = _("Found {place} at {position} (source: {source}).").format(
        place=place.label, position=place.position, source=place.source
    )
    if others:
        found += " " + _("Other matches: {places}.").format(places="; ".join(others))
    state[_LOOKUP_RESULT_KEY] = ("found", found)


# --- drawing -----------------------------------------------------------------------------------


def _show_problems(problems: Mapping[str, list[str]], field: str) -> None:
    """Each problem of one field, right under its input, naming the field."""
    for reason in problems.get(field, []):
        st.error(
            f"**{escape_markdown(form.problem_label(field))}**: {escape_markdown(reason)}",
            icon=":material/error:",
        )


def _current_position() -> Position | None:
    """The position the box holds now, or None when it is empty or unreadable."""
    text = str(st.session_state.get(_key(form.POSITION)) or "")
    try:
        return parse_position(text) if text.strip() else None
    except GeocodingError:
        return None


@st.cache_resource
def _locator_map(online_tiles: bool) -> folium.Map:
    """The click-to-locate map, built once per server process."""
    return build_locator_map(online_tiles=online_tiles)


def _locate_section() -> None:
    """The map to click and the place search, both filling the form's position box."""
    st.subheader(_("Where did it happen?"))
    online_tiles = online_tiles_enabled()
    position = _current_position()
    map_column, search_column = st.columns([3, 2])
    with map_column:
        # st_folium renames the elements of the map it is given, so it gets a fresh copy.
        st_folium(
            copy.deepcopy(_locator_map(online_tiles)),
            key=LOCATOR_KEY,
            height=360,
            use_container_width=True,
            returned_objects=["last_clicked"],
            # Only these layers change between runs, so the map keeps its zoom and place
            # until a new point is chosen, which it then centres on.
            feature_group_to_add=[
                nearby_incidents_layer(current_view().incidents, position),
                chosen_position_layer(position),
            ],
            center=(position.latitude, position.longitude) if position else None,
            zoom=CHOSEN_ZOOM if position else None,
            on_change=_apply_map_click,
            wrap_longitude=True,
        )
        st.caption(_("Click the sea where it happened: the point goes into Position below."))
    with search_column:
        st.text_input(
            _("Find a place"),
            key=LOOKUP_KEY,
            on_change=_apply_place_lookup,
            placeholder=_("Jose, La Guaira, Gulf of Paria…"),
            help=_(
                "Ports, oil terminals, islands, straits and sea areas of the Caribbean, from the "
                "gazetteer shipped with the app. The place found fills Position below."
            ),
        )
        result = st.session_state.get(_LOOKUP_RESULT_KEY)
        if result is not None:
            status, message = result
            show = st.success if status == "found" else st.error
            show(escape_markdown(message))
        # Outside the form: a form sends its values only on submit, and the preview below
        # must follow what is typed (issue 9).
        st.text_input(
            form.field_label(form.POSITION),
            placeholder=_(POSITION_PLACEHOLDER),
            key=_key(form.POSITION),
            help=form.help_text(form.POSITION),
            on_change=_forget_position_problems,
        )
        _show_problems(st.session_state.get(_PROBLEMS_KEY, {}), form.POSITION)
        if position is None:
            st.info(_("No position yet: click the map, find a place, or type it above."))
        else:
            st.info(
                _("Position {position}: {description}.").format(
                    position=position, description=escape_markdown(describe_position(position))
                )
            )


def _draw_widget(name: str) -> None:
    """The input of one form field, built from what the schema says the field holds."""
    kind = form.widget_kind(name)
    label, key, help_text = form.field_label(name), _key(name), form.help_text(name)
    common = {"key": key, "help": help_text, "persist_state": "session"}
    if kind is form.WidgetKind.CHOICE:
        vocabulary = form.vocabulary_of(name)
        assert vocabulary is not None
        labels = {member.value: vocabulary_label(member) for member in vocabulary}
        st.selectbox(
            label,
            list(labels),
            index=None,
            format_func=labels.__getitem__,
            placeholder=_("Choose…"),
            **common,
        )
    elif kind is form.WidgetKind.FLAG:
        st.selectbox(
            label, _flag_options(), format_func=_flag_name, filter_mode="contains", **common
        )
    elif kind is form.WidgetKind.DATE:
        st.date_input(label, value=None, format="YYYY-MM-DD", **_date_bounds(), **common)
    elif kind is form.WidgetKind.LONG_TEXT:
        st.text_area(label, height=100, **common)
    elif kind is form.WidgetKind.POSITION:
        st.text_input(label, placeholder=_(POSITION_PLACEHOLDER), **common)
    else:
        st.text_input(label, **common)


def _date_bounds() -> dict[str, dt.date]:
    return {
        "min_value": EARLIEST_DATE,
        "max_value": dt.datetime.now(dt.UTC).date() + FUTURE_SLACK,
    }


def _flag_name(code: str) -> str:
    """A flag option as people read it; the empty option in the current language."""
    return flag_label(code) if code else _("no flag / unknown")


@st.cache_data
def _flag_options() -> list[str]:
    return form.flag_options()


def _draw_field(name: str, problems: Mapping[str, list[str]]) -> None:
    if name == form.ADDED_BY and (editor := current_editor()):
        st.session_state[_key(name)] = editor
        help_text = _("The editor you logged in as; recorded with the incident.")
        st.text_input(form.field_label(name), key=_key(name), disabled=True,
                      help=help_text)  # fmt: skip
        return
    _draw_widget(name)
    _show_problems(problems, name)


def _draw_sources(problems: Mapping[str, list[str]]) -> None:
    """The source rows: two in view, the rest folded away; empty rows are ignored."""
    st.caption(form.help_text(form.SOURCES))
    _show_problems(problems, form.SOURCES)
    for row in range(form.SOURCE_ROWS_SHOWN):
        _draw_source_row(row, problems)
    with st.expander(
        _("More sources ({first}–{last})").format(
            first=form.SOURCE_ROWS_SHOWN + 1, last=form.SOURCE_ROWS
        )
    ):
        for row in range(form.SOURCE_ROWS_SHOWN, form.SOURCE_ROWS):
            _draw_source_row(row, problems)


def _draw_source_row(row: int, problems: Mapping[str, list[str]]) -> None:
    for column, part in zip(st.columns(len(form.SOURCE_PARTS)), form.SOURCE_PARTS, strict=True):
        with column:
            key, label = _source_key(row, part), form.source_label(row, part)
            if form.source_part_kind(part) is form.WidgetKind.DATE:
                st.date_input(
                    label,
                    value=None,
                    format="YYYY-MM-DD",
                    key=key,
                    persist_state="session",
                    **_date_bounds(),
                )
            else:
                st.text_input(label, key=key, persist_state="session")
            _show_problems(problems, form.source_field(row, part))


def _grouped(names: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """Fields in rows: short ones two to a row, long ones (text areas, sources) on their own."""
    pending: list[str] = []
    for name in names:
        if form.widget_kind(name) in {form.WidgetKind.LONG_TEXT, form.WidgetKind.SOURCES}:
            if pending:
                yield tuple(pending)
                pending = []
            yield (name,)
        else:
            pending.append(name)
            if len(pending) == 2:
                yield tuple(pending)
                pending = []
    if pending:
        yield tuple(pending)


def _draw_warnings(warnings: list[VesselWarning]) -> None:
    """Each warning with what it refers to and the box that accepts it."""
    st.warning(
        _(
            "Not saved yet: read each warning, tick its box if the record is right, and press "
            "**Add incident** again."
        ),
        icon=":material/warning:",
    )
    incidents = current_view().incidents
    for warning in warnings:
        st.warning(escape_markdown(warning.message))
        if warning.incident_ids:
            st.dataframe(
                incident_table(incidents[incidents["id"].isin(warning.incident_ids)]),
                hide_index=True,
                # 2026-01-25, not 2026-01-25 00:00:00 (issue 9).
                column_config={"Date": st.column_config.DateColumn(format="YYYY-MM-DD")},
            )
        st.checkbox(_(CONFIRMATIONS[warning.kind]), key=CONFIRM_PREFIX + warning.key)


def _draw_outcome(
    problems: Mapping[str, list[str]], saved: tuple[str, str] | None, refused: str | None
) -> None:
    """What the last press of the button did: saved, refused, or the problems in it."""
    if saved:
        incident_id, vessel = saved
        link = permalink(incident_id, page_url())
        st.success(
            _(
                "Saved as **{id}** ({vessel}): [open it on the map]({link}). It is in the "
                "timeline and the table now, marked unverified until an editor reviews it."
            ).format(id=incident_id, vessel=escape_markdown(vessel), link=link),
            icon=":material/check_circle:",
        )
    if refused:
        st.error(escape_markdown(refused), icon=":material/block:")
    if problems:
        fields = ", ".join(escape_markdown(form.problem_label(name)) for name in problems)
        count = sum(len(reasons) for reasons in problems.values())
        st.error(
            _("Not saved: {count} problem(s), each shown beside its field above: {fields}.").format(
                count=count, fields=fields
            ),
            icon=":material/error:",
        )


def _incident_form(saved: tuple[str, str] | None, refused: str | None) -> None:
    """The form itself: every schema field, grouped, with problems and warnings beside them."""
    problems: Mapping[str, list[str]] = st.session_state.get(_PROBLEMS_KEY, {})
    warnings: list[VesselWarning] = st.session_state.get(_WARNINGS_KEY, [])
    with st.form(FORM_KEY, enter_to_submit=False):
        for title, all_names in form.form_layout():
            names = tuple(name for name in all_names if name != form.POSITION)
            st.subheader(form.section_title(title))
            for group in _grouped(names):
                if group == (form.SOURCES,):
                    _draw_sources(problems)
                    continue
                for column, name in zip(st.columns(2 if len(group) > 1 else 1), group, strict=True):
                    with column:
                        _draw_field(name, problems)
        if warnings:
            _draw_warnings(warnings)
        _draw_outcome(problems, saved, refused)
        st.form_submit_button(_("Add incident"), type="primary", on_click=_submit, key=SUBMIT_KEY)


def render() -> None:
    """Draw the add-incident page."""
    st.title(_("Add an incident"))
    if not require_editor():
        return
    _initialise_state()
    # Shown once: the next rerun (a map click for the next incident) no longer repeats them.
    saved = st.session_state.pop(_SAVED_KEY, None)
    refused = st.session_state.pop(_REFUSED_KEY, None)
    if saved:
        st.toast(_("Saved as {id}").format(id=saved[0]), icon=":material/check_circle:")
    st.caption(
        _(
            "Fields marked * are required. Nothing is saved until the whole record is valid; "
            "what you add starts as unverified, with your name and the time."
        )
    )
    _locate_section()
    _incident_form(saved, refused)


render()
