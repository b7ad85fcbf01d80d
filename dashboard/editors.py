"""Who may write: named editors, the shared passphrase, failed-login limits (no Streamlit here).

With no editor configured the app runs in open local mode: anyone who can open it may add and
review incidents, which suits one analyst on a laptop. A shared deployment names its editors:
each has a passphrase of their own, stored only as an argon2 hash (``python -m dashboard
editors add NAME`` writes it to the editors file, or paste its line under ``[editors]`` in
Streamlit's ``secrets.toml``), and what they add or review records the name they logged in
with. The older single passphrase, ``INTERDICTION_TRACKER_EDITOR_PASSPHRASE`` (or
``editor_passphrase`` in ``secrets.toml``), keeps working as one editor whose name is
``INTERDICTION_TRACKER_EDITOR_NAME`` (or ``editor_name``; default "editor"); the environment
wins when both are set.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import math
import os
import threading
import time
import tomllib
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pydantic import TypeAdapter, ValidationError

from dashboard.errors import InterdictionTrackerError
from dashboard.schema import MAX_SHORT_TEXT_CHARS, RequiredText

# Where the passphrase is looked up (names, not passphrases).
PASSPHRASE_ENV = "INTERDICTION_TRACKER_EDITOR_PASSPHRASE"  # noqa: S105
PASSPHRASE_SECRET = "editor_passphrase"  # noqa: S105
SUBMISSION_LIMIT = 20
SUBMISSION_WINDOW_SECONDS = 60.0
EDITOR_NAME_ENV = "INTERDICTION_TRACKER_EDITOR_NAME"
EDITOR_NAME_SECRET = "editor_name"  # noqa: S105 (a name, not a secret)
DEFAULT_SHARED_EDITOR = "editor"
EDITORS_SECRET = "editors"  # noqa: S105 (a table: name = "$argon2id$...")
# Single sign-on (st.login, configured under [auth]): the e-mail addresses that are editors.
SSO_EDITORS_SECRET = "sso_editors"  # noqa: S105 (a list of addresses, not a secret)
EDITORS_FILE_ENV = "INTERDICTION_TRACKER_EDITORS_FILE"
DEFAULT_EDITORS_FILE = Path(".streamlit") / "editors.toml"
# Failed logins: this many are free, then each one doubles the wait before the next attempt.
FREE_FAILURES = 5
FIRST_DELAY_SECONDS = 2.0
MAX_DELAY_SECONDS = 15 * 60.0
# A key with no failure for this long starts again from nothing.
FORGET_AFTER_SECONDS = 60 * 60.0
MAX_TRACKED_KEYS = 10_000
_HASHER = PasswordHasher()


class PassphraseConfigError(InterdictionTrackerError):
    """The secrets file exists but cannot be read; editing stays locked until it is fixed."""


def _text(value: object) -> str:
    # A number in secrets.toml is still a passphrase: treating it as "none" would open the app.
    return "" if value is None else str(value).strip()


def configured_passphrase(
    environ: Mapping[str, str],
    secrets: Mapping[str, object],
    *,
    secrets_unreadable: bool = False,
) -> str | None:
    """The passphrase from the environment, else from the secrets; None if neither sets one."""
    if from_environment := _text(environ.get(PASSPHRASE_ENV)):
        return from_environment
    if secrets_unreadable:
        # A broken secrets file may well hold the passphrase: fail closed, not open.
        raise PassphraseConfigError(
            "The Streamlit secrets file exists but cannot be read, so adding and reviewing are "
            f"locked. Fix .streamlit/secrets.toml, or set {PASSPHRASE_ENV}."
        )
    return _text(secrets.get(PASSPHRASE_SECRET)) or None


def is_correct_passphrase(given: str, expected: str) -> bool:
    """Whether ``given`` is the passphrase, compared in constant time."""
    # compare_digest on str accepts only ASCII; bytes let a passphrase use any characters.
    return hmac.compare_digest(given.strip().encode("utf-8"), expected.strip().encode("utf-8"))


def passphrase_fingerprint(passphrase: str) -> str:
    """A digest to remember which passphrase a session entered, so a changed one asks again."""
    return hashlib.sha256(passphrase.strip().encode("utf-8")).hexdigest()


class SlidingWindowLimiter:
    """At most ``limit`` events in any ``window_seconds``; the clock is injectable for tests."""

    def __init__(
        self,
        *,
        limit: int = SUBMISSION_LIMIT,
        window_seconds: float = SUBMISSION_WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1 or window_seconds <= 0:
            raise ValueError("limit must be at least 1 and window_seconds positive")
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._events: deque[float] = deque()
        self._lock = threading.Lock()

    def _forget_old(self, now: float) -> None:
        while self._events and now - self._events[0] >= self.window_seconds:
            self._events.popleft()

    def try_acquire(self) -> bool:
        """True, counting one event, when the limit allows it; False (counting nothing) if not."""
        with self._lock:
            now = self._clock()
            self._forget_old(now)
            if len(self._events) >= self.limit:
                return False
            self._events.append(now)
            return True

    def seconds_until_free(self) -> float:
        """How long until the next event would be allowed; 0 when it would be now."""
        with self._lock:
            now = self._clock()
            self._forget_old(now)
            if len(self._events) < self.limit:
                return 0.0
            return max(0.0, self._events[0] + self.window_seconds - now)


# --- named editors -----------------------------------------------------------------------------


@functools.cache
def _dummy_hash() -> str:
    # Checked when the name is unknown, so a wrong name costs as long as a wrong passphrase and
    # the time taken does not tell which names exist. Made on first use: hashing takes 0.1 s.
    return _HASHER.hash("not any editor's passphrase")


def hash_passphrase(passphrase: str) -> str:
    """The argon2id hash to store for ``passphrase`` (never the passphrase itself)."""
    if not passphrase.strip():
        raise ValueError("the passphrase must not be empty")
    return _HASHER.hash(passphrase.strip())


def verify_passphrase(stored_hash: str, given: str) -> bool:
    """Whether ``given`` is the passphrase behind ``stored_hash``; False for a broken hash."""
    try:
        return _HASHER.verify(stored_hash, given.strip())
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def clean_editor_name(text: str) -> str:
    """``text`` as an editor's name: cleaned as the schema cleans names; raises ValueError."""
    # The name is recorded as added_by and reviewer: the schema's rules for those apply, so no
    # right-to-left override or zero-width space can make two editors look alike.
    try:
        return TypeAdapter(RequiredText).validate_python(text)
    except ValidationError as error:
        # A length limit placed after a validator is reported as too_short / too_long.
        if "too_short" in error.errors()[0]["type"]:
            raise ValueError("an editor's name must not be empty") from None
        raise ValueError(
            f"an editor's name must be text of at most {MAX_SHORT_TEXT_CHARS} characters "
            "(it is too long)"
        ) from None


@dataclass(frozen=True)
class EditorAccounts:
    """Who may log in: named editors with their hashes, and the shared passphrase's editor."""

    hashes: Mapping[str, str] = field(default_factory=dict)
    shared_name: str = DEFAULT_SHARED_EDITOR
    shared_passphrase: str | None = None
    sso_emails: frozenset[str] = frozenset()  # casefolded

    @property
    def is_open(self) -> bool:
        """True when nobody is configured: open local mode, anyone may write."""
        return not self.hashes and self.shared_passphrase is None and not self.sso_emails

    def sso_editor(self, user: Mapping[str, object]) -> str | None:
        """The e-mail address of a single-sign-on user (``st.user``) who is an editor; or None."""
        email = user.get("email")
        if user.get("is_logged_in") is not True or not isinstance(email, str):
            return None
        # An address the identity provider has not verified proves nothing.
        if user.get("email_verified") is False:
            return None
        return email if email.strip().casefold() in self.sso_emails else None

    def authenticate(self, name: str, passphrase: str) -> str | None:
        """The editor's name when ``passphrase`` is theirs; None otherwise."""
        name = " ".join(name.split())
        if not passphrase.strip():
            return None
        if stored := self._hash_of(name):
            return self._canonical(name) if verify_passphrase(stored, passphrase) else None
        if self.shared_passphrase is not None and name in ("", self.shared_name):
            verify_passphrase(_dummy_hash(), passphrase)  # the same time as a named editor
            if is_correct_passphrase(passphrase, self.shared_passphrase):
                return self.shared_name
            return None
        verify_passphrase(_dummy_hash(), passphrase)
        return None

    def credential(self, name: str) -> str | None:
        """A digest of what ``name`` logs in with: when it changes, their sessions ask again."""
        if stored := self._hash_of(name):
            return hashlib.sha256(stored.encode("utf-8")).hexdigest()
        if self.shared_passphrase is not None and name == self.shared_name:
            return passphrase_fingerprint(self.shared_passphrase)
        if name.strip().casefold() in self.sso_emails:
            return hashlib.sha256(f"sso:{name.strip().casefold()}".encode()).hexdigest()
        return None

    def _hash_of(self, name: str) -> str | None:
        canonical = self._canonical(name)
        return self.hashes.get(canonical) if canonical else None

    def _canonical(self, name: str) -> str | None:
        # Names match whatever their case: "Ana" logs in as the editor configured as "ana".
        folded = name.casefold()
        return next((known for known in self.hashes if known.casefold() == folded), None)


def editors_file(environ: Mapping[str, str]) -> Path:
    """The editors file: ``$INTERDICTION_TRACKER_EDITORS_FILE`` or ``.streamlit/editors.toml``."""
    configured = environ.get(EDITORS_FILE_ENV, "").strip()
    return Path(configured).expanduser() if configured else DEFAULT_EDITORS_FILE


def read_editors_file(path: Path) -> dict[str, str]:
    """The name → hash table of an editors file ({} when there is none)."""
    try:
        with path.open("rb") as handle:
            table = tomllib.load(handle).get(EDITORS_SECRET, {})
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as error:
        # It may well name the editors: fail closed, not open.
        raise PassphraseConfigError(
            f"The editors file {path.name} cannot be read ({error}), so adding and reviewing "
            "are locked. Fix it, or add the editors again with `python -m dashboard editors add`."
        ) from None
    return _hash_table(table, where=path.name)


def _hash_table(table: object, *, where: str) -> dict[str, str]:
    if not isinstance(table, Mapping) or not all(
        isinstance(value, str) and value.startswith("$argon2") for value in table.values()
    ):
        raise PassphraseConfigError(
            f"[{EDITORS_SECRET}] in {where} must map each editor's name to an argon2 hash "
            "made by `python -m dashboard editors add NAME`; adding and reviewing are locked."
        )
    return {str(name): value for name, value in table.items()}


def configured_accounts(
    environ: Mapping[str, str],
    secrets: Mapping[str, object],
    *,
    secrets_unreadable: bool = False,
    file_editors: Mapping[str, str] | None = None,
) -> EditorAccounts:
    """Every editor the environment, the secrets and the editors file name."""
    shared = configured_passphrase(environ, secrets, secrets_unreadable=secrets_unreadable)
    hashes = {**(file_editors or {})}
    if EDITORS_SECRET in secrets:
        hashes.update(_hash_table(secrets[EDITORS_SECRET], where="secrets.toml"))
    shared_name = (
        _text(environ.get(EDITOR_NAME_ENV))
        or _text(secrets.get(EDITOR_NAME_SECRET))
        or DEFAULT_SHARED_EDITOR
    )
    sso = secrets.get(SSO_EDITORS_SECRET, ())
    if isinstance(sso, str) or not all(isinstance(email, str) for email in sso):
        raise PassphraseConfigError(
            f"{SSO_EDITORS_SECRET} in secrets.toml must be a list of e-mail addresses, "
            'e.g. ["ana@newsroom.example"]; adding and reviewing are locked.'
        )
    return EditorAccounts(
        hashes=hashes,
        shared_name=shared_name,
        shared_passphrase=shared,
        sso_emails=frozenset(email.strip().casefold() for email in sso if email.strip()),
    )


def add_editor(path: Path, name: str, passphrase: str) -> str:
    """Store ``name``'s passphrase hash in the editors file (replacing theirs); the clean name."""
    name = clean_editor_name(name)
    editors = {
        known: value
        for known, value in read_editors_file(path).items()
        if known.casefold() != name.casefold()
    }
    editors[name] = hash_passphrase(passphrase)
    _write_editors_file(path, editors)
    return name


def remove_editor(path: Path, name: str) -> str | None:
    """Remove ``name`` from the editors file; the name removed, or None if it was not there."""
    editors = read_editors_file(path)
    folded = " ".join(name.split()).casefold()
    removed = next((known for known in editors if known.casefold() == folded), None)
    if removed is not None:
        del editors[removed]
        _write_editors_file(path, editors)
    return removed


def _write_editors_file(path: Path, editors: Mapping[str, str]) -> None:
    """Replace the editors file with ``editors``, readable by its owner only."""
    # JSON strings are TOML basic strings (the same escapes); the file holds only hashes.
    lines = [f"[{EDITORS_SECRET}]"] + [
        f"{json.dumps(known, ensure_ascii=False)} = {json.dumps(value)}"
        for known, value in sorted(editors.items())
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.new")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


# --- failed logins, counted across sessions -------------------------------------------------


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0
    blocked_until: float = 0.0


class LoginThrottle:
    """Failed logins per key (a client address, an editor's name), shared by every session.

    The first FREE_FAILURES cost nothing; after that each failure doubles the wait before the
    next attempt, up to MAX_DELAY_SECONDS. A session of its own, or a new browser, does not
    reset it: it lives in the server process. Several replicas each keep their own count.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: dict[tuple[str, str], _Failures] = {}
        self._lock = threading.Lock()

    def seconds_to_wait(self, keys: Iterable[tuple[str, str]]) -> float:
        """How long until any of ``keys`` may try again; 0 when they may now."""
        with self._lock:
            now = self._clock()
            waits = [self._current(key, now).blocked_until - now for key in keys]
            return max([0.0, *waits])

    def record_failure(self, keys: Iterable[tuple[str, str]]) -> None:
        """Count one failed login against every key."""
        with self._lock:
            now = self._clock()
            self._forget_old(now)
            for key in keys:
                failures = self._current(key, now)
                failures.count += 1
                failures.last = now
                beyond = failures.count - FREE_FAILURES
                if beyond > 0:
                    delay = min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2.0 ** min(beyond - 1, 30))
                    failures.blocked_until = now + delay
                self._failures[key] = failures

    def clear(self) -> None:
        """Forget every failure (a restart does the same)."""
        with self._lock:
            self._failures.clear()

    def record_success(self, key: tuple[str, str]) -> None:
        """Forget the failures of one key (the editor who has just logged in)."""
        with self._lock:
            self._failures.pop(key, None)

    def _current(self, key: tuple[str, str], now: float) -> _Failures:
        failures = self._failures.get(key)
        if failures is None or now - failures.last >= FORGET_AFTER_SECONDS:
            return _Failures()
        return failures

    def _forget_old(self, now: float) -> None:
        if len(self._failures) < MAX_TRACKED_KEYS:
            return
        for key in [k for k, f in self._failures.items() if now - f.last >= FORGET_AFTER_SECONDS]:
            del self._failures[key]
        if len(self._failures) >= MAX_TRACKED_KEYS:  # a flood of addresses: drop the oldest
            oldest = sorted(self._failures, key=lambda k: self._failures[k].last)
            for key in oldest[: len(oldest) // 2]:
                del self._failures[key]


def throttle_keys(address: str | None, name: str) -> list[tuple[str, str]]:
    """The keys one login attempt counts against: its client address and the name tried."""
    return [("address", address or "unknown"), ("name", " ".join(name.casefold().split()))]


def wait_message(seconds: float) -> str:
    """The refusal while a client or a name must wait."""
    return f"Too many failed attempts. Try again in {max(1, math.ceil(seconds))} s."


# One per server process, shared by every session (st.session_state would be one per browser).
LOGIN_THROTTLE = LoginThrottle()
