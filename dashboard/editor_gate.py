"""The editor gate the Add and Review pages share, and the session's submission limiter.

The rules live in ``dashboard.editors`` (plain Python); this module only asks Streamlit for the
configured editors, draws the login form and keeps who logged in for the session. Failed logins
are counted in ``editors.LOGIN_THROTTLE``, shared by every session of the server process.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from dashboard.editors import (
    EDITOR_NAME_SECRET,
    EDITORS_SECRET,
    LOGIN_THROTTLE,
    PASSPHRASE_ENV,
    PASSPHRASE_SECRET,
    SSO_EDITORS_SECRET,
    SUBMISSION_LIMIT,
    SUBMISSION_WINDOW_SECONDS,
    EditorAccounts,
    PassphraseConfigError,
    SlidingWindowLimiter,
    configured_accounts,
    editors_file,
    read_editors_file,
    throttle_keys,
    wait_message,
)
from dashboard.i18n import N_, _
from dashboard.presentation import escape_markdown

_EDITOR_KEY = "_editor"  # (name, credential digest) of who logged in this session
_ERROR_KEY = "_editor_gate_error"
_LIMITER_KEY = "_submission_limiter"
PASSPHRASE_INPUT_KEY = "editor_passphrase_input"  # noqa: S105 (a widget key)
NAME_INPUT_KEY = "editor_name_input"
REFUSAL_MESSAGE = N_(
    "Wrong passphrase, or no editor of that name. Nothing was unlocked; ask an editor for the "
    "current one."
)
# {variable} and {secret} are PASSPHRASE_ENV and PASSPHRASE_SECRET, filled in where it is shown.
OPEN_MODE_NOTICE = N_(
    "Open local mode: no editor is configured, so anyone who can open this app can add and "
    "review incidents. To restrict editing, add editors with `python -m dashboard editors add "
    "NAME`, or set `{variable}` or `{secret}` in .streamlit/secrets.toml."
)


def editor_accounts() -> EditorAccounts:
    """Every configured editor (environment, secrets, editors file).

    Raises PassphraseConfigError when a secrets or editors file exists that cannot be read.
    """
    file_editors = read_editors_file(editors_file(os.environ))
    # load_if_toml_exists answers False, rather than raising, both when there is no secrets
    # file and when there is one it cannot parse; only the second must keep editing locked.
    if st.secrets.load_if_toml_exists():
        secrets = {
            name: st.secrets[name]
            for name in st.secrets
            if name in (PASSPHRASE_SECRET, EDITORS_SECRET, EDITOR_NAME_SECRET, SSO_EDITORS_SECRET)
        }
        return configured_accounts(os.environ, secrets, file_editors=file_editors)
    files = st.get_option("secrets.files")
    unreadable = any(Path(path).expanduser().exists() for path in files)
    return configured_accounts(
        os.environ, {}, secrets_unreadable=unreadable, file_editors=file_editors
    )


def _client_address() -> str | None:
    # Behind a proxy this is the proxy's address unless it passes the client's on; the per-name
    # count holds either way.
    try:
        return st.context.ip_address
    except Exception:  # no browser behind this run (AppTest, bare mode)
        return None


def _check_login() -> None:
    """Form callback: log the session in when name and passphrase match; never keep them."""
    state = st.session_state
    given = str(state.get(PASSPHRASE_INPUT_KEY) or "")
    name = str(state.get(NAME_INPUT_KEY) or "")
    # Cleared at once, so the typed passphrase is not sent back to the browser or kept here.
    state[PASSPHRASE_INPUT_KEY] = ""
    try:
        accounts = editor_accounts()
    except PassphraseConfigError:
        return
    if accounts.is_open:
        return
    keys = throttle_keys(_client_address(), name)
    if wait := LOGIN_THROTTLE.seconds_to_wait(keys):
        state[_ERROR_KEY] = wait_message(wait)
        return
    editor = accounts.authenticate(name, given)
    if editor is None:
        LOGIN_THROTTLE.record_failure(keys)
        state[_ERROR_KEY] = _(REFUSAL_MESSAGE)
        return
    LOGIN_THROTTLE.record_success(keys[1])
    state[_EDITOR_KEY] = (editor, accounts.credential(editor))
    state.pop(_ERROR_KEY, None)


def _sso_user() -> dict[str, object]:
    """What Streamlit knows of the single-sign-on user ({} when nobody is logged in)."""
    try:
        return dict(st.user.to_dict())
    except Exception:  # no [auth] configured, or no browser behind this run
        return {}


def _logged_in(accounts: EditorAccounts) -> str | None:
    """The editor this session logged in as, while their credential is unchanged."""
    if accounts.sso_emails and (editor := accounts.sso_editor(_sso_user())):
        return editor
    remembered = st.session_state.get(_EDITOR_KEY)
    if not remembered:
        return None
    name, credential = remembered
    return name if credential is not None and accounts.credential(name) == credential else None


def current_editor() -> str | None:
    """The name of the editor this session logged in as; None in open mode or logged out."""
    try:
        accounts = editor_accounts()
    except PassphraseConfigError:
        return None
    return None if accounts.is_open else _logged_in(accounts)


def is_editor() -> bool:
    """Whether this session may write: open local mode, or an editor has logged in."""
    try:
        accounts = editor_accounts()
    except PassphraseConfigError:
        return False
    return accounts.is_open or _logged_in(accounts) is not None


def require_editor() -> bool:
    """True when this session may add and review; otherwise draws the login form."""
    try:
        accounts = editor_accounts()
    except PassphraseConfigError as error:
        st.error(escape_markdown(error), icon=":material/lock:")
        return False
    if accounts.is_open:
        notice = _(OPEN_MODE_NOTICE).format(variable=PASSPHRASE_ENV, secret=PASSPHRASE_SECRET)
        st.info(notice, icon=":material/lock_open:")
        return True
    if editor := _logged_in(accounts):
        st.caption(_("Logged in as editor **{name}**.").format(name=escape_markdown(editor)))
        return True
    st.info(
        _("Adding and reviewing incidents is for editors. Log in with your name and passphrase.")
    )
    if accounts.sso_emails:
        user = _sso_user()
        if user.get("is_logged_in") is True:
            who = escape_markdown(user.get("email") or _("this account"))
            st.warning(
                _("You are logged in as {who}, which is not one of the editors.").format(who=who)
            )
            st.button(_("Log out"), on_click=st.logout, key="editor_sso_logout")
        else:
            st.button(_("Log in with single sign-on"), on_click=st.login, key="editor_sso_login")
    with st.form("editor_passphrase_form", enter_to_submit=True):
        st.text_input(
            _("Editor name"),
            key=NAME_INPUT_KEY,
            help=_("Leave it empty to use the newsroom's shared passphrase."),
        )
        st.text_input(_("Editor passphrase"), type="password", key=PASSPHRASE_INPUT_KEY)
        st.form_submit_button(_("Unlock"), on_click=_check_login)
    if error := st.session_state.get(_ERROR_KEY):
        st.error(escape_markdown(error), icon=":material/block:")
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
    return _(
        "Refused: more than {limit} submissions in {window} s from this session. Nothing was "
        "saved; try again in {wait} s."
    ).format(limit=limiter.limit, window=f"{limiter.window_seconds:g}", wait=wait)
