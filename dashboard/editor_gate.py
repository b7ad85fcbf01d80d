"""The editor gate the Add and Review pages share, and the session's submission limiter.

The rules live in ``dashboard.editors`` (plain Python); this module only asks Streamlit for the
configured passphrase, draws the passphrase form and keeps the per-session state.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from dashboard.editors import (
    PASSPHRASE_ATTEMPT_LIMIT,
    PASSPHRASE_ENV,
    PASSPHRASE_SECRET,
    SUBMISSION_LIMIT,
    SUBMISSION_WINDOW_SECONDS,
    PassphraseConfigError,
    SlidingWindowLimiter,
    configured_passphrase,
    is_correct_passphrase,
    passphrase_fingerprint,
)

_UNLOCKED_KEY = "_editor_unlocked"
_ERROR_KEY = "_editor_gate_error"
_ATTEMPTS_KEY = "_editor_attempts"
_LIMITER_KEY = "_submission_limiter"
PASSPHRASE_INPUT_KEY = "editor_passphrase_input"  # noqa: S105 (a widget key)
REFUSAL_MESSAGE = "Wrong passphrase. Nothing was unlocked; ask an editor for the current one."
OPEN_MODE_NOTICE = (
    "Open local mode: no editor passphrase is configured, so anyone who can open this app can "
    f"add and review incidents. To restrict editing, set `{PASSPHRASE_ENV}` or "
    f"`{PASSPHRASE_SECRET}` in .streamlit/secrets.toml."
)


def editor_passphrase() -> str | None:
    """The configured editor passphrase (environment first, then secrets), or None.

    Raises PassphraseConfigError when a secrets file exists that Streamlit cannot read.
    """
    # load_if_toml_exists answers False, rather than raising, both when there is no secrets
    # file and when there is one it cannot parse; only the second must keep editing locked.
    if st.secrets.load_if_toml_exists():
        return configured_passphrase(os.environ, st.secrets)
    files = st.get_option("secrets.files")
    unreadable = any(Path(path).expanduser().exists() for path in files)
    return configured_passphrase(os.environ, {}, secrets_unreadable=unreadable)


def _attempt_limiter() -> SlidingWindowLimiter:
    if _ATTEMPTS_KEY not in st.session_state:
        st.session_state[_ATTEMPTS_KEY] = SlidingWindowLimiter(
            limit=PASSPHRASE_ATTEMPT_LIMIT, window_seconds=SUBMISSION_WINDOW_SECONDS
        )
    return st.session_state[_ATTEMPTS_KEY]


def _check_passphrase() -> None:
    """Form callback: unlock the session when the passphrase is right; never keep what was typed."""
    given = st.session_state.get(PASSPHRASE_INPUT_KEY) or ""
    # Cleared at once, so the typed passphrase is not sent back to the browser or kept here.
    st.session_state[PASSPHRASE_INPUT_KEY] = ""
    try:
        expected = editor_passphrase()
    except PassphraseConfigError:
        return
    if expected is None:
        return
    limiter = _attempt_limiter()
    if not limiter.try_acquire():
        wait = max(1, round(limiter.seconds_until_free()))
        st.session_state[_ERROR_KEY] = f"Too many attempts. Try again in {wait} s."
    elif is_correct_passphrase(given, expected):
        st.session_state[_UNLOCKED_KEY] = passphrase_fingerprint(expected)
        st.session_state.pop(_ERROR_KEY, None)
    else:
        st.session_state[_ERROR_KEY] = REFUSAL_MESSAGE


def is_editor() -> bool:
    """Whether this session may write: open local mode, or the right passphrase was entered."""
    try:
        expected = editor_passphrase()
    except PassphraseConfigError:
        return False
    if expected is None:
        return True
    return st.session_state.get(_UNLOCKED_KEY) == passphrase_fingerprint(expected)


def require_editor() -> bool:
    """True when this session may add and review; otherwise draws the passphrase form."""
    try:
        expected = editor_passphrase()
    except PassphraseConfigError as error:
        st.error(str(error), icon=":material/lock:")
        return False
    if expected is None:
        st.info(OPEN_MODE_NOTICE, icon=":material/lock_open:")
        return True
    if st.session_state.get(_UNLOCKED_KEY) == passphrase_fingerprint(expected):
        return True
    st.info("Adding and reviewing incidents is for editors. Enter the editor passphrase.")
    with st.form("editor_passphrase_form", enter_to_submit=True):
        st.text_input("Editor passphrase", type="password", key=PASSPHRASE_INPUT_KEY)
        st.form_submit_button("Unlock", on_click=_check_passphrase)
    if error := st.session_state.get(_ERROR_KEY):
        st.error(error, icon=":material/block:")
    return False


def submission_limiter() -> SlidingWindowLimiter:
    """This session's limiter on writes (additions and reviews)."""
    if _LIMITER_KEY not in st.session_state:
        st.session_state[_LIMITER_KEY] = SlidingWindowLimiter(
            limit=SUBMISSION_LIMIT, window_seconds=SUBMISSION_WINDOW_SECONDS
        )
    return st.session_state[_LIMITER_KEY]


def rate_limit_message(limiter: SlidingWindowLimiter) -> str:
    """The refusal shown when a session writes too often."""
    wait = max(1, round(limiter.seconds_until_free()))
    return (
        f"Refused: more than {limiter.limit} submissions in {limiter.window_seconds:g} s from "
        f"this session. Nothing was saved; try again in {wait} s."
    )
