"""One place that reads the configuration and opens the store it names."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dashboard.errors import InterdictionTrackerError
from dashboard.store import DATA_PATH_ENV, data_path
from dashboard.stores.base import IncidentStore

DATABASE_URL_ENV = "INTERDICTION_TRACKER_DATABASE_URL"
# A file holding the database password (a Docker or Kubernetes secret), so the URL needs none.
DATABASE_PASSWORD_FILE_ENV = "INTERDICTION_TRACKER_DATABASE_PASSWORD_FILE"  # noqa: S105
# user:password@ in any URL-like text, to blank out the password wherever text may hold one.
_PASSWORD_IN_URL = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://[^:/@\s]*):[^@\s]*@", re.I)


class StoreConfigError(InterdictionTrackerError):
    """The configured store cannot be used as given; the message says which setting to fix."""


def redact_url(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``."""
    return _PASSWORD_IN_URL.sub(r"\g<scheme>:***@", text)


@dataclass(frozen=True)
class Settings:
    """Where the incidents are kept: a database URL, or else the CSV file."""

    database_url: str | None = None
    data_path: Path | None = None
    database_password_file: Path | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings the environment gives (database URL, else the CSV path)."""
        environ = os.environ if environ is None else environ
        url = environ.get(DATABASE_URL_ENV, "").strip() or None
        configured = environ.get(DATA_PATH_ENV, "").strip()
        path = Path(configured).expanduser() if configured else None
        secret = environ.get(DATABASE_PASSWORD_FILE_ENV, "").strip()
        return cls(
            database_url=url,
            data_path=path,
            database_password_file=Path(secret) if secret else None,
        )

    def __repr__(self) -> str:  # never a password in a log line or a traceback
        url = redact_url(self.database_url) if self.database_url else None
        return f"Settings(database_url={url!r}, data_path={self.data_path!r})"

    @property
    def key(self) -> str:
        """What identifies the store, without its password (a cache key)."""
        return (
            redact_url(self.database_url)
            if self.database_url
            else str(self.data_path or data_path())
        )


def open_store(settings: Settings | None = None) -> IncidentStore:
    """The store the settings name: PostgreSQL for a database URL, the CSV file otherwise."""
    settings = settings or Settings.from_environment()
    if settings.database_url:
        if not settings.database_url.startswith(("postgresql", "postgres")):
            raise StoreConfigError(
                f"{DATABASE_URL_ENV} must be a PostgreSQL URL such as "
                "postgresql+psycopg://user@host/tracker"
            )
        from dashboard.stores.postgres import PostgresStore  # SQLAlchemy only when asked for

        url = settings.database_url
        if url.startswith(("postgres://", "postgresql://")):  # psycopg 3 is the driver we ship
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        if settings.database_password_file is not None:
            import sqlalchemy as sa

            url = sa.make_url(url).set(password=_read_secret(settings.database_password_file))
        return PostgresStore(url)
    from dashboard.stores.csv_store import CsvStore

    return CsvStore(settings.data_path or data_path())


def _read_secret(path: Path) -> str:
    """The password in a secret file (its one line, without the line end)."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise StoreConfigError(
            f"Cannot read the database password file {path} ({error.strerror}); "
            f"fix {DATABASE_PASSWORD_FILE_ENV}."
        ) from None
