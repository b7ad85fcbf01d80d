"""The editor passphrase and the per-session submission limit, as plain Python."""

from __future__ import annotations

import pytest

from dashboard.editors import (
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


@pytest.mark.parametrize(
    ("environ", "secrets", "expected"),
    [
        ({}, {}, None),  # open local mode
        ({PASSPHRASE_ENV: "from env"}, {}, "from env"),
        ({}, {PASSPHRASE_SECRET: "from secrets"}, "from secrets"),
        # The environment wins, so a deployment can override a checked-in secrets file.
        ({PASSPHRASE_ENV: "from env"}, {PASSPHRASE_SECRET: "from secrets"}, "from env"),
        # Blank means unset, not "the empty passphrase".
        ({PASSPHRASE_ENV: "  "}, {PASSPHRASE_SECRET: "from secrets"}, "from secrets"),
        ({PASSPHRASE_ENV: ""}, {}, None),
        # A number in secrets.toml still locks the app rather than leaving it open.
        ({}, {PASSPHRASE_SECRET: 12345}, "12345"),
        ({PASSPHRASE_ENV: " padded \n"}, {}, "padded"),
    ],
)
def test_configured_passphrase(environ, secrets, expected) -> None:
    assert configured_passphrase(environ, secrets) == expected


def test_an_unreadable_secrets_file_locks_editing_rather_than_opening_it() -> None:
    with pytest.raises(PassphraseConfigError, match="locked"):
        configured_passphrase({}, {}, secrets_unreadable=True)
    # The environment still works when the file is broken.
    assert configured_passphrase({PASSPHRASE_ENV: "x"}, {}, secrets_unreadable=True) == "x"


@pytest.mark.parametrize(
    ("given", "expected", "accepted"),
    [
        ("s3cret", "s3cret", True),
        ("s3cret\n", "s3cret", True),  # a pasted line break is not part of it
        ("S3cret", "s3cret", False),  # case matters
        ("s3cre", "s3cret", False),
        ("", "s3cret", False),
        ("contraseña ñandú", "contraseña ñandú", True),  # not only ASCII
        ("contrasena nandu", "contraseña ñandú", False),
    ],
)
def test_is_correct_passphrase(given, expected, accepted) -> None:
    assert is_correct_passphrase(given, expected) is accepted


def test_the_fingerprint_tells_passphrases_apart_without_holding_them() -> None:
    assert passphrase_fingerprint("one") == passphrase_fingerprint(" one ")
    assert passphrase_fingerprint("one") != passphrase_fingerprint("two")
    assert "one" not in passphrase_fingerprint("one")


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limiter_refuses_the_21st_event_in_a_minute_and_allows_it_after() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(clock=clock)
    assert (limiter.limit, limiter.window_seconds) == (20, 60.0)
    for _ in range(SUBMISSION_LIMIT):
        assert limiter.try_acquire()
        clock.now += 1.0
    assert not limiter.try_acquire()
    # The first event was at t=1000; it leaves the window at t=1060.
    assert limiter.seconds_until_free() == pytest.approx(1000 + SUBMISSION_WINDOW_SECONDS - 1020)
    clock.now = 1000 + SUBMISSION_WINDOW_SECONDS
    assert limiter.seconds_until_free() == 0.0
    assert limiter.try_acquire()
    assert not limiter.try_acquire()


def test_refused_attempts_do_not_count() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(limit=2, window_seconds=10, clock=clock)
    assert limiter.try_acquire() and limiter.try_acquire()
    for _ in range(50):  # hammering while refused does not push the window on
        assert not limiter.try_acquire()
    clock.now += 10
    assert limiter.try_acquire()


def test_a_burst_spread_over_more_than_a_minute_is_allowed() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(clock=clock)
    for _ in range(3 * SUBMISSION_LIMIT):
        assert limiter.try_acquire()
        clock.now += SUBMISSION_WINDOW_SECONDS / SUBMISSION_LIMIT


@pytest.mark.parametrize(("limit", "window"), [(0, 60), (20, 0), (-1, 60)])
def test_the_limiter_rejects_meaningless_settings(limit, window) -> None:
    with pytest.raises(ValueError, match="limit"):
        SlidingWindowLimiter(limit=limit, window_seconds=window)
