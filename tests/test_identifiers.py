"""IMO check digits, MMSI format and the MID → flag table, as the spec for dashboard.identifiers."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pycountry
import pytest

from dashboard.errors import DataFileError
from dashboard.identifiers import (
    MID_TABLE_PATH,
    flag_for_mmsi,
    imo_check_digit,
    is_valid_imo,
    is_valid_mmsi,
    load_mid_table,
    mid_of,
    mmsi_matches_flag,
    normalise_imo,
)

# Real IMO numbers of tankers in the curated data (FACTS.md, "Identifier checks").
REAL_IMOS = ("9304667", "9206310", "9230880", "9289477")


def _bump_digit(imo: str, index: int) -> str:
    """Return imo with the digit at index raised by one (9 wraps to 0)."""
    # +1 always breaks the check: every weight (7..2, and 1 for the check digit itself) times 1 or
    # times -9 is nonzero mod 10. A +2 at the weight-5 digit would not be caught by IMO's scheme.
    bumped = str((int(imo[index]) + 1) % 10)
    return imo[:index] + bumped + imo[index + 1 :]


@pytest.mark.parametrize("imo", REAL_IMOS)
def test_real_imo_numbers_are_valid(imo: str) -> None:
    assert is_valid_imo(imo)


@pytest.mark.parametrize(
    ("first_six", "expected"),
    [
        ("930466", 7),  # 9*7 + 3*6 + 0*5 + 4*4 + 6*3 + 6*2 = 127
        ("920631", 0),  # 63 + 12 + 0 + 24 + 9 + 2 = 110
        ("000000", 0),  # all zeros weigh nothing
    ],
)
def test_imo_check_digit_is_the_weighted_sum_mod_10(first_six: str, expected: int) -> None:
    assert imo_check_digit(first_six) == expected


@pytest.mark.parametrize(
    "first_six",
    [
        "93046",  # five digits
        "9304667",  # a whole IMO number, not its first six
        "93O466",  # letter O for zero
        "９３０４６６",  # fullwidth digits
    ],
)
def test_imo_check_digit_rejects_anything_but_six_ascii_digits(first_six: str) -> None:
    with pytest.raises(ValueError, match="first 6 ASCII digits"):
        imo_check_digit(first_six)


@pytest.mark.parametrize(
    "imo",
    [
        *(pytest.param(_bump_digit(imo, 6), id=f"{imo}-last-digit") for imo in REAL_IMOS),
        *(pytest.param(_bump_digit(imo, 3), id=f"{imo}-middle-digit") for imo in REAL_IMOS),
        *(pytest.param(_bump_digit(imo, 0), id=f"{imo}-first-digit") for imo in REAL_IMOS),
    ],
)
def test_imo_with_one_digit_changed_is_invalid(imo: str) -> None:
    assert not is_valid_imo(imo)


@pytest.mark.parametrize(
    "value",
    [
        "",  # empty
        "930466",  # six digits: check digit missing
        "93046677",  # eight digits
        "IMO 9304667",  # the prefix is normalise_imo's job, not the validator's
        "IMO9304667",  # same, without the space
        "9304667 ",  # trailing space
        " 9304667",  # leading space
        "9304-667",  # punctuation
        "93O4667",  # letter O for zero
        "９３０４６６７",  # fullwidth digits: isdigit() says yes, we say no
        "٩٣٠٤٦٦٧",  # Arabic-Indic digits
        "9304667\n",  # trailing newline
    ],
)
def test_is_valid_imo_rejects_anything_but_seven_ascii_digits(value: str) -> None:
    assert not is_valid_imo(value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9304667", "9304667"),  # already clean
        ("IMO 9304667", "9304667"),  # the usual written form
        ("IMO9304667", "9304667"),  # prefix without a space
        ("imo 9304667", "9304667"),  # prefix in lower case
        ("  IMO  9304667 ", "9304667"),  # stray whitespace around and inside
        ("930 4667", "9304667"),  # spaces inside the number
        ("９３０４６６７", "９３０４６６７"),  # fullwidth digits pass, for is_valid_imo to reject
        ("IMO", ""),  # prefix only
        ("MO 9304667", "MO9304667"),  # not the prefix: left for the validator to reject
    ],
)
def test_normalise_imo_strips_prefix_and_spaces(text: str, expected: str) -> None:
    assert normalise_imo(text) == expected


@pytest.mark.parametrize(("text", "valid"), [("IMO 9304667", True), ("IMO 9304668", False)])
def test_normalised_imo_is_what_gets_validated(text: str, valid: bool) -> None:
    assert is_valid_imo(normalise_imo(text)) is valid


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("351123456", True),  # Panama
        ("775000001", True),  # Venezuela
        ("273456789", True),  # Russia
        ("636012345", True),  # Liberia
        ("799999999", True),  # first digit 7: well-formed even though MID 799 is unallocated
        ("200000000", True),  # first digit 2: well-formed
        ("35112345", False),  # eight digits
        ("3511234567", False),  # ten digits
        ("", False),  # empty
        ("003669999", False),  # coast station (starts 00)
        ("036699999", False),  # group call (starts 0)
        ("111351123", False),  # SAR aircraft (starts 111)
        ("970123456", False),  # AIS-SART (starts 970)
        ("993512345", False),  # aid to navigation (starts 99)
        ("812345678", False),  # handheld VHF (starts 8)
        ("35112345a", False),  # a letter
        ("351 23456", False),  # a space
        ("３５１１２３４５６", False),  # fullwidth digits
    ],
)
def test_is_valid_mmsi_accepts_only_ship_mmsis(value: str, valid: bool) -> None:
    assert is_valid_mmsi(value) is valid


def test_mid_of_is_the_first_three_digits() -> None:
    assert mid_of("351123456") == "351"


@pytest.mark.parametrize("mmsi", ["35112345", "003669999", "３５１１２３４５６"])
def test_mid_of_rejects_what_is_not_a_ship_mmsi(mmsi: str) -> None:
    with pytest.raises(ValueError, match="ship MMSI"):
        mid_of(mmsi)


@pytest.mark.parametrize(
    ("mmsi", "flag"),
    [
        ("351123456", "PA"),  # Panama's first MID
        ("357123456", "PA"),  # Panama's last MID of the first block
        ("370123456", "PA"),  # Panama's second block, 370-374
        ("374123456", "PA"),  # ... to its end
        ("636012345", "LR"),  # Liberia
        ("637012345", "LR"),  # Liberia's second MID
        ("750012345", "GY"),  # Guyana
        ("273456789", "RU"),  # Russia
        ("538001234", "MH"),  # Marshall Islands
        ("775000001", "VE"),  # Venezuela
        ("422123456", "IR"),  # Iran
        ("413123456", "CN"),  # China
        ("366123456", "US"),  # United States
        ("306123456", "CW"),  # Curaçao (306 is shared with SX and BQ; see mid.SOURCE.md)
        ("307123456", "AW"),  # Aruba: its own ISO code, not NL
        ("362123456", "TT"),  # Trinidad and Tobago
        ("677123456", "TZ"),  # Tanzania's second MID
    ],
)
def test_flag_for_mmsi_reads_the_mid_table(mmsi: str, flag: str) -> None:
    assert flag_for_mmsi(mmsi) == flag


@pytest.mark.parametrize(
    "mmsi",
    [
        "200123456",  # 200 was never allocated
        "360123456",  # a gap between El Salvador (359) and Saint Pierre and Miquelon (361)
        "700123456",  # 700 is not allocated; South America starts at 701
        "799123456",  # beyond the last MID, 775
    ],
)
def test_flag_for_mmsi_is_none_for_an_unallocated_mid(mmsi: str) -> None:
    assert flag_for_mmsi(mmsi) is None


@pytest.mark.parametrize(
    ("mmsi", "flag", "expected"),
    [
        ("351123456", "PA", True),  # Panama MID, Panama flag
        ("775000001", "VE", True),  # Venezuela MID, Venezuela flag
        ("351123456", "pa", True),  # case of the flag does not matter
        ("351123456", "GY", False),  # Panama MID, Guyana flag: a possible false flag
        ("750012345", "PA", False),  # Guyana MID, Panama flag
        ("273456789", "VE", False),  # Russia MID, Venezuela flag
        ("306123456", "SX", False),  # shared MID 306 maps to CW only: a known false alarm
        ("351123456", "", None),  # no flag recorded
        ("351123456", "  ", None),  # blank flag
        ("351123456", None, None),  # missing flag
        ("700123456", "PA", None),  # unallocated MID: nothing to compare
    ],
)
def test_mmsi_matches_flag(mmsi: str, flag: str | None, expected: bool | None) -> None:
    assert mmsi_matches_flag(mmsi, flag) is expected


def test_mmsi_matches_flag_rejects_a_malformed_mmsi() -> None:
    with pytest.raises(ValueError, match="ship MMSI"):
        mmsi_matches_flag("35112345", "PA")


def _mid_rows() -> list[dict[str, str]]:
    """Return the rows of the shipped MID table as dicts."""
    with MID_TABLE_PATH.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_mid_table_has_the_expected_header() -> None:
    with MID_TABLE_PATH.open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == ["mid", "flag", "name"]


@pytest.mark.parametrize("row", _mid_rows(), ids=lambda row: row["mid"])
def test_every_mid_row_is_a_three_digit_mid_with_a_known_flag(row: dict[str, str]) -> None:
    assert len(row["mid"]) == 3
    assert row["mid"].isascii()
    assert row["mid"].isdigit()
    assert 201 <= int(row["mid"]) <= 775
    assert pycountry.countries.get(alpha_2=row["flag"]) is not None, row["flag"]
    assert row["name"].strip()


def test_mid_table_lists_each_mid_once() -> None:
    mids = [row["mid"] for row in _mid_rows()]
    assert len(mids) == len(set(mids))


def test_mid_table_covers_the_itu_list() -> None:
    # 292 allocated MIDs, 201 to 775, as transcribed; see data/mid.SOURCE.md.
    assert len(_mid_rows()) == 292


def test_mid_table_has_a_source_note() -> None:
    source = (MID_TABLE_PATH.parent / "mid.SOURCE.md").read_text(encoding="utf-8")
    assert "itu.int" in source


def test_load_mid_table_matches_the_csv() -> None:
    assert load_mid_table() == {row["mid"]: row["flag"] for row in _mid_rows()}


def test_load_mid_table_returns_a_copy_callers_cannot_spoil() -> None:
    load_mid_table()["351"] = "XX"
    assert load_mid_table()["351"] == "PA"


def test_an_edited_mid_table_is_read_again(tmp_path: Path) -> None:
    table = tmp_path / "mid.csv"
    shutil.copy(MID_TABLE_PATH, table)
    assert flag_for_mmsi("775000001", path=table) == "VE"
    before = table.stat().st_mtime_ns
    table.write_text("mid,flag,name\n775,XX,Edited\n", encoding="utf-8")
    # Two writes inside one filesystem clock tick can share an mtime; make the edit visible.
    os.utime(table, ns=(before + 1_000_000_000, before + 1_000_000_000))
    assert flag_for_mmsi("775000001", path=table) == "XX"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("mmsi,flag,name\n351,PA,Panama\n", "header must be mid,flag,name"),  # wrong header
        ("", "header must be"),  # empty file
        ("mid,flag,name\n351,PA\n", "line 2: expected 3 fields"),  # a field missing
        ("mid,flag,name\n35,PA,Panama\n", "line 2: MID must be 3 digits"),  # two-digit MID
        ("mid,flag,name\n351,Panama,Panama\n", "line 2: flag must be an ISO alpha-2"),  # a name
        ("mid,flag,name\n351,pa,Panama\n", "line 2: flag must be an ISO alpha-2"),  # lower case
        ("mid,flag,name\n351,PA,Panama\n351,GY,Guyana\n", "line 3: MID 351 is listed twice"),
    ],
)
def test_a_broken_mid_table_raises_data_file_error(
    tmp_path: Path, content: str, message: str
) -> None:
    table = tmp_path / "mid.csv"
    table.write_text(content, encoding="utf-8")
    with pytest.raises(DataFileError, match=message):
        load_mid_table(table)


def test_a_missing_mid_table_raises_data_file_error(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="cannot be read"):
        load_mid_table(tmp_path / "absent.csv")


def test_a_mid_table_that_is_not_utf8_raises_data_file_error(tmp_path: Path) -> None:
    table = tmp_path / "mid.csv"
    table.write_bytes("mid,flag,name\n306,CW,Curaçao\n".encode("latin-1"))
    with pytest.raises(DataFileError, match="cannot be read"):
        load_mid_table(table)
