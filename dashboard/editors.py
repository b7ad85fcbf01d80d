"""Who may write: the editor passphrase and the per-session submission limit (no Streamlit here).

With no passphrase configured the app runs in open local mode: anyone who can open it may add
and review incidents, which suits one analyst on a laptop. A shared deployment sets
``INTERDICTION_TRACKER_EDITOR_PASSPHRASE`` (or ``editor_passphrase`` in Streamlit's
``secrets.toml``); the environment wins when both are set.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

from dashboard.errors import InterdictionTrackerError

# Where the passphrase is looked up (names, not passphrases).
PASSPHRASE_ENV = "INTERDICTION_TRACKER_EDITOR_PASSPHRASE"  # noqa: S105
PASSPHRASE_SECRET = "editor_passphrase"  # noqa: S105
SUBMISSION_LIMIT = 20
SUBMISSION_WINDOW_SECONDS = 60.0
# Wrong passphrases a session may try per window before it has to wait.
PASSPHRASE_ATTEMPT_LIMIT = 10


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
