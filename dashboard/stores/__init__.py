"""Where incidents are kept: the store interface, its engines, and the factory that picks one."""

from dashboard.stores.base import (
    AddResult,
    IncidentStore,
    Snapshot,
    StoreUnavailableError,
)
from dashboard.stores.factory import (
    DATABASE_URL_ENV,
    Settings,
    StoreConfigError,
    open_store,
    redact_url,
)

__all__ = [
    "DATABASE_URL_ENV",
    "AddResult",
    "IncidentStore",
    "Settings",
    "Snapshot",
    "StoreConfigError",
    "StoreUnavailableError",
    "open_store",
    "redact_url",
]
