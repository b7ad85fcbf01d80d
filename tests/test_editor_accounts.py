"""Named editors with argon2-hashed passphrases, the shared passphrase as one of them, and
failed logins counted across sessions with growing delays (issue 10)."""

from __future__ import annotations

import contextlib
import io
import stat
from pathlib import Path

import pytest
from form_helpers import VALID_FORM, copy_curated, fill, has_widget, open_page, submit
from incident_samples import draft_fields
from streamlit.testing.v1 import AppTest

from dashboard import cli
from dashboard.editors import (
    EDITORS_FILE_ENV,
    FIRST_DELAY_SECONDS,
    FORGET_AFTER_SECONDS,
    FREE_FAILURES,
    MAX_DELAY_SECONDS,
    PASSPHRASE_ENV,
    EditorAccounts,
    LoginThrottle,
    PassphraseConfigError,
    add_editor,
    configured_accounts,
    hash_passphrase,
    read_editors_file,
    throttle_keys,
)
from dashboard.schema import AddedVia, validate_draft
from dashboard.store import append_incident, load_incidents, reviews_path

ANA = "correct horse battery staple"
SHARED = "the shared newsroom passphrase"


@pytest.fixture(scope="module")
def ana_hash() -> str:
    return hash_passphrase(ANA)


# --- accounts, as plain Python ----------------------------------------------------------------


def test_the_stored_hash_is_argon2id_and_does_not_hold_the_passphrase(ana_hash):
    assert ana_hash.startswith("$argon2id$")
    assert ANA not in ana_hash


@pytest.mark.parametrize(
    ("name", "passphrase", "editor"),
    [
        ("Ana", ANA, "Ana"),
        ("ana", ANA, "Ana"),  # names match whatever their case; the configured one is recorded
        ("  Ana ", ANA + "\n", "Ana"),  # pasted spaces and line breaks are not part of them
        ("Ana", "correct horse battery", None),
        ("Ana", "", None),
        ("Bo", ANA, None),  # another editor's passphrase is not yours
        ("Nobody", ANA, None),
        ("", SHARED, "desk"),  # the shared passphrase is one editor, named in the config
        ("desk", SHARED, "desk"),
        ("Ana", SHARED, None),  # ...and only that one
        ("", ANA, None),
    ],
)
def test_authenticate_names_the_editor_whose_passphrase_it_is(ana_hash, name, passphrase, editor):
    accounts = EditorAccounts(
        hashes={"Ana": ana_hash, "Bo": hash_passphrase("bo's own passphrase")},
        shared_name="desk",
        shared_passphrase=SHARED,
    )
    assert accounts.authenticate(name, passphrase) == editor


def test_a_changed_passphrase_changes_the_credential_so_sessions_ask_again(ana_hash):
    before = EditorAccounts(hashes={"Ana": ana_hash})
    after = EditorAccounts(hashes={"Ana": hash_passphrase("a brand new passphrase")})
    assert before.credential("Ana") != after.credential("Ana")
    assert EditorAccounts().credential("Ana") is None  # removed: logged out


def test_accounts_come_from_the_environment_secrets_and_editors_file(ana_hash):
    accounts = configured_accounts(
        {PASSPHRASE_ENV: SHARED, "INTERDICTION_TRACKER_EDITOR_NAME": "night desk"},
        {"editors": {"Bo": hash_passphrase("bo's own passphrase")}},
        file_editors={"Ana": ana_hash},
    )
    assert set(accounts.hashes) == {"Ana", "Bo"}
    assert accounts.authenticate("", SHARED) == "night desk"
    assert configured_accounts({}, {}).is_open


@pytest.mark.parametrize(
    "table",
    [
        {"Ana": ANA},  # a passphrase pasted where its hash belongs
        {"Ana": 1234},
        "Ana",
    ],
)
def test_anything_but_hashes_in_the_editors_table_locks_editing(table):
    with pytest.raises(PassphraseConfigError, match="locked"):
        configured_accounts({}, {"editors": table})


def test_add_editor_writes_a_private_file_of_hashes_that_reads_back(tmp_path):
    path = tmp_path / "conf" / "editors.toml"
    assert add_editor(path, "Ana", ANA) == "Ana"
    assert add_editor(path, "Zoë \u202eX", "zoe's own passphrase") == "Zoë X"  # cleaned name
    add_editor(path, "ana", "ana's second passphrase")  # the same editor, a new passphrase
    editors = read_editors_file(path)
    assert set(editors) == {"ana", "Zoë X"}
    assert EditorAccounts(hashes=editors).authenticate("Ana", "ana's second passphrase") == "ana"
    assert ANA not in path.read_text(encoding="utf-8")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_unreadable_editors_file_locks_editing_rather_than_opening_it(tmp_path):
    path = tmp_path / "editors.toml"
    path.write_text("[editors\nAna = ", encoding="utf-8")
    with pytest.raises(PassphraseConfigError, match="locked"):
        read_editors_file(path)


# --- the command -------------------------------------------------------------------------------


def _run(*args: object, stdin: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdin", io.StringIO(stdin))
        status = cli.main([str(arg) for arg in args])
    return status, err.getvalue()


def test_editors_add_stores_only_a_hash(tmp_path, monkeypatch):
    path = tmp_path / "editors.toml"
    monkeypatch.setenv(EDITORS_FILE_ENV, str(path))
    status, err = _run("editors", "add", "Ana", stdin=ANA + "\n")
    assert status == 0, err
    assert err == f"editor 'Ana' can now log in; their passphrase hash is in {path}.\n"
    assert EditorAccounts(hashes=read_editors_file(path)).authenticate("Ana", ANA) == "Ana"


@pytest.mark.parametrize(
    ("name", "passphrase", "words"),
    [
        ("Ana", "short", "at least 12 characters"),
        ("   ", ANA, "must not be empty"),
        ("x" * 301, ANA, "too long"),
    ],
)
def test_editors_add_refuses_an_unusable_name_or_passphrase(tmp_path, name, passphrase, words):
    path = tmp_path / "editors.toml"
    status, err = _run("editors", "add", name, "--file", path, stdin=passphrase)
    assert status == 1
    assert words in err and len(err.splitlines()) == 1
    assert not path.exists()


# --- failed logins ----------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_failures_are_free_at_first_then_each_doubles_the_wait():
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock)
    keys = throttle_keys("198.51.100.7", "Ana")
    for _ in range(FREE_FAILURES):
        assert throttle.seconds_to_wait(keys) == 0
        throttle.record_failure(keys)
    waits = []
    for _ in range(12):
        throttle.record_failure(keys)
        waits.append(throttle.seconds_to_wait(keys))
    assert waits[:4] == [FIRST_DELAY_SECONDS * 2**n for n in range(4)]
    assert waits[-1] == MAX_DELAY_SECONDS
    clock.now += FORGET_AFTER_SECONDS
    assert throttle.seconds_to_wait(keys) == 0  # an hour of quiet forgets


def test_a_name_is_throttled_from_any_address_and_an_address_for_any_name():
    throttle = LoginThrottle(clock=FakeClock())
    for number in range(FREE_FAILURES + 1):
        throttle.record_failure(throttle_keys(f"203.0.113.{number}", "Ana"))
    assert throttle.seconds_to_wait(throttle_keys("192.0.2.1", "ana")) > 0  # new address
    for number in range(FREE_FAILURES + 1):
        throttle.record_failure(throttle_keys("192.0.2.99", f"guess {number}"))
    assert throttle.seconds_to_wait(throttle_keys("192.0.2.99", "Bo")) > 0  # new name


# --- the pages --------------------------------------------------------------------------------


@pytest.fixture
def data_file(tmp_path, monkeypatch, ana_hash) -> Path:
    path = copy_curated(tmp_path, monkeypatch)
    editors = tmp_path / "editors.toml"
    editors.write_text(f'[editors]\nAna = "{ana_hash}"\n', encoding="utf-8")
    monkeypatch.setenv(EDITORS_FILE_ENV, str(editors))
    monkeypatch.setenv(PASSPHRASE_ENV, SHARED)
    return path


def _log_in(app: AppTest, name: str, passphrase: str) -> AppTest:
    app.text_input(key="editor_name_input").set_value(name)
    app.text_input(key="editor_passphrase_input").set_value(passphrase)
    return app.button[0].click().run()


def test_what_an_editor_adds_records_the_name_they_logged_in_with(data_file):
    app = _log_in(open_page("views/add.py"), "ana", ANA)
    assert has_widget(app, "add_vessel_name")
    assert app.text_input(key="add_added_by").disabled
    # Whatever the name box is made to say (a crafted message can set a disabled widget), the
    # recorded name is the authenticated one.
    form = {key: value for key, value in VALID_FORM.items() if key != "add_added_by"}
    app.session_state["add_added_by"] = "Somebody Else"
    submit(fill(app, form))
    assert app.success, [e.value for e in app.error]
    assert load_incidents(data_file).incidents.iloc[-1]["added_by"] == "Ana"


def test_the_shared_passphrase_logs_in_as_the_configured_editor(data_file, monkeypatch):
    monkeypatch.setenv("INTERDICTION_TRACKER_EDITOR_NAME", "night desk")
    draft = validate_draft(draft_fields(vessel_name="Queued For Review", imo=""))
    queued = append_incident(draft, added_by="form user", added_via=AddedVia.FORM, path=data_file)
    app = _log_in(open_page("views/review.py"), "", SHARED)
    assert not has_widget(app, "review_reviewer")  # no name to type: it is known
    assert any("night desk" in caption.value for caption in app.caption)
    app.button(key=f"review_rejected_{queued.id}").click().run()
    assert any("by night desk" in success.value for success in app.success)
    (decision,) = reviews_path(data_file).read_text(encoding="utf-8").splitlines()[1:]
    assert f"{queued.id},rejected,night desk," in decision


def test_failed_logins_count_across_sessions_and_then_even_the_right_one_waits(data_file):
    for _ in range(FREE_FAILURES):
        # A new session each time: a new browser used to start from nothing.
        app = _log_in(open_page("views/add.py"), "Ana", "a wrong guess")
        assert any("Wrong passphrase" in error.value for error in app.error)
    app = _log_in(open_page("views/add.py"), "Ana", "another wrong guess")
    app = _log_in(open_page("views/add.py"), "Ana", ANA)
    assert any("Too many failed attempts" in error.value for error in app.error)
    assert not has_widget(app, "add_vessel_name")


# --- single sign-on (st.login) ------------------------------------------------------------------

SSO = EditorAccounts(sso_emails=frozenset({"ana@newsroom.example"}))


@pytest.mark.parametrize(
    ("user", "editor"),
    [
        ({"is_logged_in": True, "email": "ana@newsroom.example"}, "ana@newsroom.example"),
        ({"is_logged_in": True, "email": "Ana@Newsroom.example"}, "Ana@Newsroom.example"),
        ({"is_logged_in": True, "email": "bo@newsroom.example"}, None),  # not an editor
        ({"is_logged_in": False, "email": "ana@newsroom.example"}, None),
        ({"email": "ana@newsroom.example"}, None),  # no login at all
        # The identity provider says it has not checked the address: it proves nothing.
        ({"is_logged_in": True, "email": "ana@newsroom.example", "email_verified": False}, None),
    ],
)
def test_a_single_sign_on_user_is_an_editor_only_when_listed_and_verified(user, editor):
    assert SSO.sso_editor(user) == editor


def test_what_a_single_sign_on_editor_adds_records_their_address(tmp_path, monkeypatch):
    data_file = copy_curated(tmp_path, monkeypatch)
    app = AppTest.from_file(str(Path(__file__).parents[1] / "dashboard" / "app.py"))
    app.secrets["sso_editors"] = ["ana@newsroom.example"]
    app.user = {"is_logged_in": True, "email": "ana@newsroom.example"}
    app.switch_page("views/add.py").run(timeout=60)
    assert has_widget(app, "add_vessel_name")
    form = {key: value for key, value in VALID_FORM.items() if key != "add_added_by"}
    submit(fill(app, form))
    assert load_incidents(data_file).incidents.iloc[-1]["added_by"] == "ana@newsroom.example"


def test_a_single_sign_on_user_who_is_no_editor_is_told_so(tmp_path, monkeypatch):
    copy_curated(tmp_path, monkeypatch)
    app = AppTest.from_file(str(Path(__file__).parents[1] / "dashboard" / "app.py"))
    app.secrets["sso_editors"] = ["ana@newsroom.example"]
    app.user = {"is_logged_in": True, "email": "bo@newsroom.example"}
    app.switch_page("views/add.py").run(timeout=60)
    assert not has_widget(app, "add_vessel_name")
    assert any("not one of the editors" in warning.value for warning in app.warning)


def test_editors_remove_takes_an_editor_out_and_logs_their_sessions_out(tmp_path):
    path = tmp_path / "editors.toml"
    add_editor(path, "Ana", ANA)
    add_editor(path, "Bo", "bo's own passphrase")
    before = EditorAccounts(hashes=read_editors_file(path))
    status, err = _run("editors", "remove", "ana", "--file", path, stdin="")
    assert status == 0, err
    after = EditorAccounts(hashes=read_editors_file(path))
    assert set(after.hashes) == {"Bo"}
    assert before.credential("Ana") is not None and after.credential("Ana") is None
    status, err = _run("editors", "remove", "Ana", "--file", path, stdin="")
    assert status == 1 and "names no editor 'Ana'" in err
