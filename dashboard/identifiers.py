"""Vessel identifiers: the IMO check digit, MMSI format, and the MMSI's MID → flag state."""

from __future__ import annotations

import csv
import functools
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from dashboard.errors import DataFileError

MID_TABLE_PATH = Path(__file__).resolve().parent.parent / "data" / "mid.csv"
MID_TABLE_COLUMNS = ("mid", "flag", "name")
IMO_LENGTH = 7
IMO_WEIGHTS = (7, 6, 5, 4, 3, 2)
MMSI_LENGTH = 9
MID_LENGTH = 3
# Ship station MMSIs start with a MID, and MIDs start with 2-7; 0 (coast stations and groups),
# 1 (SAR aircraft), 8 (handhelds) and 9 (AIS-SART, aids to navigation) are not ships.
SHIP_MMSI_FIRST_DIGITS = frozenset("234567")
IMO_PREFIX = "IMO"


def _is_ascii_digits(value: str, length: int) -> bool:
    """Return True when value is exactly `length` ASCII digits 0-9."""
    # str.isdigit alone accepts fullwidth and superscript digits; isascii shuts them out.
    return len(value) == length and value.isascii() and value.isdigit()


def imo_check_digit(first_six: str) -> int:
    """Return the IMO check digit for the first six digits of an IMO number."""
    if not _is_ascii_digits(first_six, len(IMO_WEIGHTS)):
        raise ValueError(f"expected the first 6 ASCII digits of an IMO number, got {first_six!r}")
    digits = (int(digit) for digit in first_six)
    return sum(digit * weight for digit, weight in zip(digits, IMO_WEIGHTS, strict=True)) % 10


def is_valid_imo(value: str) -> bool:
    """Return True when value is exactly 7 ASCII digits whose last is the right check digit."""
    if not _is_ascii_digits(value, IMO_LENGTH):
        return False
    return imo_check_digit(value[:-1]) == int(value[-1])


def normalise_imo(text: str) -> str:
    """Return text without an ``IMO`` prefix (any case) or whitespace, ready for is_valid_imo."""
    compact = "".join(text.split())
    if compact[: len(IMO_PREFIX)].upper() == IMO_PREFIX:
        compact = compact[len(IMO_PREFIX) :]
    return compact


def is_valid_mmsi(value: str) -> bool:
    """Return True when value is a ship station MMSI: exactly 9 ASCII digits, first digit 2-7."""
    return _is_ascii_digits(value, MMSI_LENGTH) and value[0] in SHIP_MMSI_FIRST_DIGITS


def mid_of(mmsi: str) -> str:
    """Return the three Maritime Identification Digits (the flag part) of a ship MMSI."""
    if not is_valid_mmsi(mmsi):
        raise ValueError(f"expected a ship MMSI (9 ASCII digits starting 2-7), got {mmsi!r}")
    return mmsi[:MID_LENGTH]


@functools.lru_cache(maxsize=8)
def _read_mid_table(path: Path, version: tuple[int, int]) -> Mapping[str, str]:
    """Return the MID table at path as a read-only mid → flag mapping (cached per file version)."""
    del version  # only part of the cache key, so an edited file is read again
    table: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or tuple(header) != MID_TABLE_COLUMNS:
            expected = ",".join(MID_TABLE_COLUMNS)
            raise DataFileError(f"{path}: header must be {expected}, got {header}")
        for row in reader:
            where = f"{path} line {reader.line_num}"
            if len(row) != len(MID_TABLE_COLUMNS):
                raise DataFileError(f"{where}: expected 3 fields, got {len(row)}")
            mid, flag, _name = row
            if not _is_ascii_digits(mid, MID_LENGTH) or mid[0] not in SHIP_MMSI_FIRST_DIGITS:
                raise DataFileError(f"{where}: MID must be 3 digits 200-799, got {mid!r}")
            if not (len(flag) == 2 and flag.isascii() and flag.isalpha() and flag.isupper()):
                raise DataFileError(f"{where}: flag must be an ISO alpha-2 code, got {flag!r}")
            if mid in table:
                raise DataFileError(f"{where}: MID {mid} is listed twice")
            table[mid] = flag
    return MappingProxyType(table)


def _mid_table(path: Path) -> Mapping[str, str]:
    """Return the cached MID table at path, read again only when the file has changed."""
    resolved = Path(path).resolve()
    try:
        stat = resolved.stat()
        return _read_mid_table(resolved, (stat.st_mtime_ns, stat.st_size))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DataFileError(f"MID table {resolved} cannot be read: {error}") from error


def load_mid_table(path: Path = MID_TABLE_PATH) -> dict[str, str]:
    """Return the ITU MID table as a new dict of MID (three digits) → ISO 3166-1 alpha-2 flag."""
    return dict(_mid_table(path))


def flag_for_mmsi(mmsi: str, *, path: Path = MID_TABLE_PATH) -> str | None:
    """Return the ISO flag code the MMSI's MID is allocated to, or None if it is unallocated."""
    return _mid_table(path).get(mid_of(mmsi))


def mmsi_matches_flag(mmsi: str, flag: str | None, *, path: Path = MID_TABLE_PATH) -> bool | None:
    """Return whether the MMSI's MID belongs to flag, or None when the MID or flag is unknown."""
    # A mismatch is a lead (a possible false flag, or a reflagged hull whose MMSI never changed),
    # so callers report it as a warning rather than rejecting the record.
    if flag is None or not flag.strip():
        return None
    mid_flag = flag_for_mmsi(mmsi, path=path)
    if mid_flag is None:
        return None
    return mid_flag == flag.strip().upper()
