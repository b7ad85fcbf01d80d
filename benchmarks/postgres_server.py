"""A throwaway PostgreSQL server from the installed binaries, for the tests and the benchmark.

PostgreSQL refuses to run as root, so when we are root the server runs as the ``postgres``
user (through ``runuser``) in a temporary directory that user owns, on a free port.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

POSTGRES_LIB = Path("/usr/lib/postgresql")
START_TIMEOUT_SECONDS = 60
DATABASE = "tracker"
USER = "tracker"
PASSWORD = "s3cret-Passw0rd"


def find_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl (the newest installed version), or None."""
    numbered = [path for path in POSTGRES_LIB.glob("*/bin") if path.parent.name.isdigit()]
    versions = sorted(numbered, key=lambda path: int(path.parent.name), reverse=True)
    for folder in versions:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PostgresServer:
    """A running server: its folder, port and the URL of its one database."""

    binaries: Path
    folder: Path
    port: int

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the test database, password included."""
        return f"postgresql+psycopg://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{DATABASE}"

    def _as_owner(self, *command: str) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *command]
        return list(command)

    def _pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = self._as_owner(
            str(self.binaries / "pg_ctl"),
            "-D",
            str(self.folder / "data"),
            "-w",
            "-t",
            str(START_TIMEOUT_SECONDS),
            *args,
        )
        return subprocess.run(command, capture_output=True, text=True, check=check)

    def start(self) -> None:
        """Start (or start again) the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("-l", str(self.folder / "server.log"), "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (no error when it is not running)."""
        self._pg_ctl("-m", mode, "stop", check=False)

    def restart(self) -> None:
        """``pg_ctl restart``: every connection is cut, committed data stays."""
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("-m", "fast", "-l", str(self.folder / "server.log"), "-o", options, "restart")

    def log(self) -> str:
        """The server's own log, for failure messages."""
        try:
            return (self.folder / "server.log").read_text(errors="replace")
        except OSError:
            return ""

    def psql(self, sql: str) -> str:
        """Run SQL as the superuser over the socket; its output."""
        command = self._as_owner(
            str(self.binaries / "psql"),
            "-h",
            str(self.folder),
            "-p",
            str(self.port),
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-Atc",
            sql,
        )
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def start_server(binaries: Path) -> PostgresServer:
    """A new server in a fresh temporary folder, with the ``tracker`` user and database."""
    folder = Path(tempfile.mkdtemp(prefix="tracker-pg-"))
    folder.chmod(0o700)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    server = PostgresServer(binaries, folder, _free_port())
    init = server._as_owner(
        str(binaries / "initdb"),
        "-D",
        str(folder / "data"),
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
    )
    subprocess.run(init, capture_output=True, text=True, check=True)
    for attempt in range(5):
        try:
            server.start()
            break
        except subprocess.CalledProcessError:
            if attempt == 4:
                raise
            server.port = _free_port()  # taken between choosing and binding: another one
            time.sleep(0.2)
    server.psql(f"CREATE USER {USER} PASSWORD '{PASSWORD}'")
    server.psql(f"CREATE DATABASE {DATABASE} OWNER {USER}")
    return server


def remove_server(server: PostgresServer) -> None:
    """Stop the server and delete its folder."""
    server.stop("immediate")
    shutil.rmtree(server.folder, ignore_errors=True)
