"""The command line: validate, add, import and export incidents, and serve the dashboard.

Run as ``python -m dashboard COMMAND``; ``python -m dashboard COMMAND --help`` explains each one.
Exit status: 0 on success, 1 when the data or the input is at fault (every problem is listed,
one per line), 2 when the command line itself is wrong.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import getpass
import io
import json
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

import pandas as pd

from dashboard import store
from dashboard.checks import DUPLICATE_WINDOW, find_duplicates
from dashboard.editors import (
    DEFAULT_EDITORS_FILE,
    EDITORS_FILE_ENV,
    add_editor,
    editors_file,
    remove_editor,
)
from dashboard.errors import (
    DataFileError,
    FieldProblem,
    IncidentValidationError,
    InterdictionTrackerError,
)
from dashboard.export_stream import export_incidents
from dashboard.exports import EXPORTERS, EXPORTERS_BY_NAME
from dashboard.filters import (
    FILTER_PARAMS,
    FilterParam,
    IncidentFilter,
    filter_from_query,
    filter_incidents,
)
from dashboard.identifiers import mmsi_matches_flag
from dashboard.schema import (
    COLUMNS,
    MAX_SHORT_TEXT_CHARS,
    AddedVia,
    Incident,
    IncidentDraft,
    flag_label,
    validate_draft,
    validate_incident,
)
from dashboard.stores import IncidentStore, Settings, open_store
from dashboard.stores.csv_store import CsvStore
from dashboard.tallies import record_summary_markdown

APP_PATH = Path(__file__).resolve().parent / "app.py"
# The export formats by name, from the one registry the Table page offers as downloads too.
EXPORT_FORMATS = {exporter.name: exporter.render for exporter in EXPORTERS}
# The data file's own format (no formula guard, "\n" line ends): a record kept in PostgreSQL
# dumped back for review in git, or moved to another store with `import`. Not a registry
# entry: it is written from the stored records, not from a displayed frame.
CURATED_FORMAT = "curated"
# Written a batch of the file at a time when the store is the CSV file (export_stream.py).
STREAMED_FORMATS = ("csv", "geojson")
DEFAULT_ADDED_BY = "cli"
# A filter's URL parameter that reads badly as an option gets a clearer option name here.
OPTION_NAMES = {"q": "text"}
EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
MIN_PASSPHRASE_CHARS = 12


def main(argv: Sequence[str] | None = None) -> int:
    """The exit status of running the command line ``argv`` (default: ``sys.argv[1:]``)."""
    parser = build_parser()
    # Only `serve` takes arguments it does not know: they are streamlit's.
    args, extra = parser.parse_known_args(argv)
    if extra and args.run is not run_serve:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    try:
        return args.run(args)
    except IncidentValidationError as error:
        _print_problems(error.problems)
        return EXIT_PROBLEMS
    except InterdictionTrackerError as error:
        _say(f"error: {error}")
        return EXIT_PROBLEMS
    except BrokenPipeError:
        # The reader (``| head``) went away; that is its choice, not our failure. Point stdout
        # at /dev/null so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        return 128 + 2
    except OSError as error:
        # A read-only data file, a full disk, a folder that cannot be written: one plain line.
        where = f" {error.filename}" if error.filename else ""
        _say(f"error: cannot use{where}: {error.strerror or error}. Nothing was changed.")
        return EXIT_PROBLEMS


def build_parser() -> argparse.ArgumentParser:
    """The parser for every subcommand; each sets ``run`` to the function that carries it out."""
    # --data is accepted before or after the subcommand; SUPPRESS keeps the later one from
    # resetting a value given earlier.
    data_option = argparse.ArgumentParser(add_help=False)
    data_option.add_argument(
        "--data",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="PATH",
        help=f"incident file to use (default: ${store.DATA_PATH_ENV} or data/incidents.csv)",
    )
    parser = argparse.ArgumentParser(
        prog="python -m dashboard",
        description="Interdiction Tracker: check, extend and export the incident file.",
        parents=[data_option],
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser(
        "validate", parents=[data_option], help="check an incident file; list every bad line"
    )
    validate.add_argument("path", nargs="?", type=Path, help="file to check (default: --data)")
    validate.set_defaults(run=run_validate)

    add = commands.add_parser(
        "add", parents=[data_option], help="append one incident given as a JSON object"
    )
    add.add_argument(
        "--file", type=Path, help="JSON file holding the incident (default: read standard input)"
    )
    _add_by_option(add)
    add.set_defaults(run=run_add)

    import_ = commands.add_parser(
        "import", parents=[data_option], help="append every row of a CSV file, or none"
    )
    import_.add_argument("file", type=Path, help="CSV with the schema's columns and a header")
    import_.add_argument(
        "--force",
        action="store_true",
        help="import rows that look like incidents already in the file (same id, or the same "
        "vessel within 3 days); without it they are skipped and listed",
    )
    import_.add_argument(
        "--keep-ids",
        action="store_true",
        help="seed an empty store with whole records: ids, verification and provenance kept "
        "(the file needs every column); how data/incidents.csv seeds PostgreSQL",
    )
    _add_by_option(import_)
    import_.set_defaults(run=run_import)

    export = commands.add_parser(
        "export",
        parents=[data_option],
        help="write the (filtered) incidents as "
        + ", ".join(exporter.label for exporter in EXPORTERS),
        description="Formats: "
        + "; ".join(f"{exporter.name}: {exporter.help}" for exporter in EXPORTERS),
    )
    export.add_argument(
        "--format", required=True, choices=sorted([*EXPORT_FORMATS, CURATED_FORMAT])
    )
    export.add_argument(
        "--output", type=Path, metavar="FILE", help="file to write (default: standard output)"
    )
    for spec in FILTER_PARAMS:
        is_multi = isinstance(getattr(IncidentFilter(), spec.attribute), tuple)
        option = OPTION_NAMES.get(spec.param, spec.param)
        export.add_argument(
            f"--{option}",
            dest=f"filter_{spec.param}",
            action="append" if is_multi else "store",
            type=_filter_value(spec),
            metavar=option.upper(),
            help=spec.describe + (" (repeat for several)" if is_multi else ""),
        )
    export.set_defaults(run=run_export)

    summary = commands.add_parser(
        "summary",
        parents=[data_option],
        help="print the record's figures as the README's 'What is in it' list",
    )
    summary.set_defaults(run=run_summary)

    editors = commands.add_parser(
        "editors", help="name the editors who may add and review incidents in the dashboard"
    )
    editor_commands = editors.add_subparsers(
        dest="editors_command", required=True, metavar="ACTION"
    )
    add_editor = editor_commands.add_parser(
        "add",
        help="add an editor (or give one a new passphrase); asks for the passphrase",
        description="Store NAME's passphrase as an argon2 hash in the editors file (never the "
        "passphrase itself). The passphrase is asked for twice, or read from the first line "
        "of standard input when that is not a terminal.",
    )
    add_editor.add_argument("name", metavar="NAME", help="the name recorded with what they do")
    add_editor.add_argument(
        "--file",
        type=Path,
        metavar="PATH",
        help=f"editors file (default: ${EDITORS_FILE_ENV} or {DEFAULT_EDITORS_FILE})",
    )
    add_editor.set_defaults(run=run_editors_add)
    remove_editor = editor_commands.add_parser(
        "remove", help="remove an editor: their sessions are logged out at once"
    )
    remove_editor.add_argument("name", metavar="NAME")
    remove_editor.add_argument("--file", type=Path, metavar="PATH", help="editors file")
    remove_editor.set_defaults(run=run_editors_remove)

    db = commands.add_parser("db", parents=[data_option], help="set up the incident store")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_init = db_commands.add_parser(
        "init",
        parents=[data_option],
        help="create or migrate the store (PostgreSQL tables, or the CSV file's header)",
    )
    db_init.set_defaults(run=run_db_init)

    serve = commands.add_parser(
        "serve",
        parents=[data_option],
        help="start the dashboard (extra arguments go to `streamlit run`)",
    )
    serve.set_defaults(run=run_serve)
    return parser


def _add_by_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--by",
        type=_non_empty,
        metavar="NAME",
        help="who is adding (default: $USER, or 'cli')",
    )


def _non_empty(text: str) -> str:
    if not text.strip() or len(text.strip()) > MAX_SHORT_TEXT_CHARS:
        raise argparse.ArgumentTypeError(f"must be 1 to {MAX_SHORT_TEXT_CHARS} characters")
    return text.strip()


def _filter_value(spec: FilterParam) -> Callable[[str], str]:
    """An argparse type that accepts exactly the values the filter's own URL form accepts."""

    def check(value: str) -> str:
        _, notices = filter_from_query({spec.param: [value]})
        if notices:
            raise argparse.ArgumentTypeError(f"{value!r}: expected {spec.describe}")
        return value

    return check


# --- the commands -----------------------------------------------------------------------------


def run_validate(args: argparse.Namespace) -> int:
    """0 when every line of the file is a valid incident; 1, with one line per problem, if not."""
    path = args.path or _data_path(args)
    result = store.load_incidents(path)
    count = len(result.incidents)
    if not result.problems:
        print(f"{path}: {_incidents(count)}, all valid.")
        return EXIT_OK
    _print_problems(result.problems, stream=sys.stdout)
    print(
        f"{path}: {_incidents(count)} valid; {len(result.problems)} problem(s) "
        f"on {len(result.bad_lines)} line(s) were left out."
    )
    return EXIT_PROBLEMS


def run_summary(args: argparse.Namespace) -> int:
    """0 after printing the figures, summed from the valid rows (the README block's content)."""
    result = _store(args).load().result
    print(record_summary_markdown(result.incidents))
    return EXIT_OK


def run_add(args: argparse.Namespace) -> int:
    """0 after appending the incident and printing its id; 1, writing nothing, on bad input."""
    path = _data_path(args)  # only read for a CSV store
    source = str(args.file) if args.file else "standard input"
    try:
        draft = _validate_new_incident(_read_json_object(args.file, source))
    except IncidentValidationError as error:
        _print_problems(error.problems)
        _say(f"nothing added to {_location(args)}; fix the field(s) above and try again.")
        return EXIT_PROBLEMS
    incident_store = _store(args)
    is_new = _check_header(path) if isinstance(incident_store, CsvStore) else False
    incident = incident_store.append(draft, added_by=_added_by(args), added_via=AddedVia.CLI)
    if is_new:
        _say(f"note: created the incident file {path}")
    for warning in _warnings(draft):
        _say(f"warning: {warning}")
    print(incident.id)
    return EXIT_OK


def run_import(args: argparse.Namespace) -> int:
    """0 after adding every row of the file; 1, writing nothing, if any row is bad.

    With --keep-ids a file with every column seeds an empty store with whole records: that is
    how a PostgreSQL store is seeded from data/incidents.csv.
    """
    path = _data_path(args)
    try:
        text = args.file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFileError(f"No file at {args.file}; give the CSV to import.") from None
    except UnicodeDecodeError as error:
        raise DataFileError(f"{args.file} is not UTF-8 text (byte {error.start}).") from None
    except OSError as error:
        raise DataFileError(f"Cannot read {args.file}: {error.strerror}.") from None
    try:
        rows = store.import_rows_from_csv(text, name=str(args.file))
    except IncidentValidationError as error:
        _print_problems(error.problems)
        lines = {problem.line for problem in error.problems}
        _say(
            f"{args.file}: nothing imported; {len(error.problems)} problem(s) on "
            f"{len(lines)} line(s). Fix them and import the whole file again."
        )
        return EXIT_PROBLEMS
    if not rows:
        _say(f"{args.file} holds no incidents; nothing imported.")
        return EXIT_OK
    incident_store = _store(args)
    is_new = _check_header(path) if isinstance(incident_store, CsvStore) else False
    if args.keep_ids:
        # A seed (or a restore): the record reads the same in every store, ids and provenance
        # included. One transaction, or one swap of the file; only into an empty store.
        whole = _whole_records(text, name=str(args.file))
        if whole is None:
            raise DataFileError(f"{args.file}: --keep-ids needs every column of the schema.")
        if not (is_new or _is_empty(incident_store)):
            raise DataFileError(
                f"{incident_store.location} already holds incidents; --keep-ids seeds only an "
                "empty store."
            )
        incident_store.restore(whole)
        print(f"restored {_incidents(len(whole))}: {whole[0].id} to {whole[-1].id}")
        return EXIT_OK
    if not args.force and not is_new:
        known = incident_store.load().result.incidents
        rows = _without_duplicates(rows, known, name=args.file)
        if not rows:
            _say("nothing imported: every row is already in the file (use --force to add them).")
            return EXIT_OK
    drafts = [row.draft for row in rows]
    incidents = incident_store.import_many(drafts, added_by=_added_by(args))
    print(f"imported {_incidents(len(incidents))}: {incidents[0].id} to {incidents[-1].id}")
    return EXIT_OK


def _without_duplicates(
    rows: Sequence[store.ImportRow], incidents: pd.DataFrame, *, name: Path
) -> list[store.ImportRow]:
    """The rows that record no incident already in the file; each one left out is listed."""
    # Importing the same export twice would otherwise double every incident.
    known_ids = set(incidents["id"])
    kept: list[store.ImportRow] = []
    for row in rows:
        if row.incident_id in known_ids:
            reason = f"{row.incident_id} is already in the file"
        elif not (found := find_duplicates(row.draft, incidents)).empty:
            reason = (
                f"the same vessel is already recorded within {DUPLICATE_WINDOW.days} days: "
                + ", ".join(found["id"])
            )
        else:
            kept.append(row)
            continue
        _say(f"skipped line {row.line}: {reason}")
    if skipped := len(rows) - len(kept):
        _say(f"{name}: skipped {skipped} possible duplicate(s); use --force to import them too.")
    return kept


def run_export(args: argparse.Namespace) -> int:
    """0 after writing the incidents that pass the filter options in the asked format."""
    incident_store = _store(args)
    is_data_file = isinstance(incident_store, CsvStore) and args.output is not None
    if is_data_file and args.output.resolve() == incident_store.path.resolve():
        raise DataFileError(
            f"Refusing to overwrite the incident file {incident_store.path} with an export."
        )
    if isinstance(incident_store, CsvStore) and args.format in STREAMED_FORMATS:
        return _export_streamed(incident_store.path, _incident_filter(args), args)
    result = incident_store.load().result
    if result.problems:
        _say(
            f"warning: {len(result.bad_lines)} bad line(s) of {incident_store.location} left out; "
            "run `python -m dashboard validate` to list them."
        )
    frame = filter_incidents(result.incidents, _incident_filter(args))
    if args.format == CURATED_FORMAT:
        kept = set(frame["id"])
        payload = store.curated_csv_bytes(
            incident for incident in incident_store.stored_incidents() if incident.id in kept
        )
    else:
        exporter = EXPORTERS_BY_NAME[args.format]
        if not exporter.is_available:
            raise DataFileError(f"The {exporter.name} format {exporter.install_hint}.")
        payload = exporter.render(frame)
    if args.output is None:
        sys.stdout.buffer.write(payload)
        sys.stdout.buffer.flush()
    else:
        try:
            args.output.write_bytes(payload)
        except OSError as error:
            raise DataFileError(f"Cannot write {args.output}: {error.strerror}.") from None
        _say(f"wrote {_incidents(len(frame))} to {args.output}")
    return EXIT_OK


def _export_streamed(path: Path, incident_filter: IncidentFilter, args: argparse.Namespace) -> int:
    """0 after streaming the CSV file's incidents that pass the filter (see run_export)."""
    # Streamed a batch of the file at a time (dashboard/export_stream.py): 1,000,000 incidents
    # in a few hundred megabytes. Standard output goes through a temporary file, since a
    # stream that has to start again cannot take back what it wrote.
    try:
        if args.output is None:
            with tempfile.TemporaryFile() as handle:
                count, problems = export_incidents(path, args.format, incident_filter, handle)
                handle.seek(0)
                shutil.copyfileobj(handle, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            count, problems = _export_to_file(path, args, incident_filter)
    except OSError as error:
        where = args.output or "standard output"
        raise DataFileError(f"Cannot write {where}: {error.strerror}.") from None
    if problems:
        bad_lines = {problem.line for problem in problems if problem.line is not None}
        _say(
            f"warning: {len(bad_lines)} bad line(s) of {path} left out; "
            "run `python -m dashboard validate` to list them."
        )
    if args.output is not None:
        _say(f"wrote {_incidents(count)} to {args.output}")
    return EXIT_OK


def run_editors_add(args: argparse.Namespace) -> int:
    """0 after storing the editor's passphrase hash; 1 when the name or passphrase is unusable."""
    path = args.file or editors_file(os.environ)
    if sys.stdin.isatty():
        passphrase = getpass.getpass(f"Passphrase for {args.name}: ")
        if getpass.getpass("The same again: ") != passphrase:
            _say("error: the two passphrases differ; nothing was stored.")
            return EXIT_PROBLEMS
    else:
        passphrase = sys.stdin.readline().rstrip("\r\n")
    if len(passphrase.strip()) < MIN_PASSPHRASE_CHARS:
        _say(f"error: a passphrase needs at least {MIN_PASSPHRASE_CHARS} characters.")
        return EXIT_PROBLEMS
    try:
        name = add_editor(path, args.name, passphrase)
    except ValueError as error:
        _say(f"error: {error}")
        return EXIT_PROBLEMS
    _say(f"editor {name!r} can now log in; their passphrase hash is in {path}.")
    return EXIT_OK


def run_editors_remove(args: argparse.Namespace) -> int:
    """0 after removing the editor; 1 when the editors file has nobody of that name."""
    path = args.file or editors_file(os.environ)
    removed = remove_editor(path, args.name)
    if removed is None:
        _say(f"error: {path} names no editor {args.name!r}; nothing was changed.")
        return EXIT_PROBLEMS
    _say(f"editor {removed!r} removed from {path}; their open sessions are logged out.")
    return EXIT_OK


def run_db_init(args: argparse.Namespace) -> int:
    """0 once the store exists at the latest schema: PostgreSQL migrated, or the CSV created."""
    incident_store = _store(args)
    incident_store.create_schema()
    print(f"{incident_store.location}: ready")
    return EXIT_OK


def _export_to_file(
    path: Path, args: argparse.Namespace, incident_filter: IncidentFilter
) -> tuple[int, tuple[FieldProblem, ...]]:
    """Export into a file beside ``args.output`` and swap it in whole, keeping the old mode."""
    # An export that fails (an unreadable data file) leaves an earlier export untouched.
    output: Path = args.output
    descriptor, name = tempfile.mkstemp(
        dir=output.parent, prefix=f".{output.name}.", suffix=".partial"
    )
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            exported = export_incidents(path, args.format, incident_filter, handle)
        if output.exists():
            mode = stat.S_IMODE(output.stat().st_mode)
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        temporary.chmod(mode)
        temporary.replace(output)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return exported


def run_serve(args: argparse.Namespace) -> NoReturn:
    """Never returns: the process becomes ``streamlit run dashboard/app.py``."""
    if "data" in args:
        # The app reads its data path from the environment, which exec hands on.
        os.environ[store.DATA_PATH_ENV] = str(args.data.resolve())
    # Imported here, not at the top: it pulls in folium, which would add half a second to
    # every other command.
    from dashboard.assets import ensure_static_assets

    ensure_static_assets()
    _write_feeds(args)
    extra = args.extra[1:] if args.extra[:1] == ["--"] else args.extra
    command = [sys.executable, "-m", "streamlit", "run", str(APP_PATH), *extra]
    sys.stdout.flush()
    os.execvp(command[0], command)  # noqa: S606 (our own interpreter, no shell)


# --- helpers ----------------------------------------------------------------------------------


def _write_feeds(args: argparse.Namespace) -> None:
    """Write the Atom feeds before the server starts, so a feed reader finds them at once."""
    from dashboard.assets import STATIC_DIR
    from dashboard.exports.feed import public_url, write_feeds

    try:
        incidents = _store(args).load().result.incidents
        write_feeds(incidents, STATIC_DIR, base_url=public_url())
    except (OSError, InterdictionTrackerError) as error:
        # The app writes them on its first run after the record is readable again.
        _say(f"warning: the Atom feeds could not be written now ({error}).")


def _data_path(args: argparse.Namespace) -> Path:
    return getattr(args, "data", None) or store.data_path()


def _settings(args: argparse.Namespace) -> Settings:
    """The configured store; ``--data`` names a CSV file and wins over the database URL."""
    if getattr(args, "data", None) is not None:
        return Settings(data_path=args.data)
    return Settings.from_environment()


def _store(args: argparse.Namespace) -> IncidentStore:
    return open_store(_settings(args))


def _location(args: argparse.Namespace) -> str:
    settings = _settings(args)
    return settings.key


def _is_empty(incident_store: IncidentStore) -> bool:
    if isinstance(incident_store, CsvStore) and not incident_store.path.exists():
        return True
    return len(incident_store.load().result.incidents) == 0


def _whole_records(text: str, *, name: str) -> list[Incident] | None:
    """The file's records with ids and provenance, when it has every column and all are valid."""
    text = text.removeprefix("\ufeff")  # as import_rows_from_csv reads it
    header = [cell.strip() for cell in next(csv.reader(io.StringIO(text)), [])]
    if set(header) != set(COLUMNS):
        return None
    incidents: list[Incident] = []
    problems: list[FieldProblem] = []
    for line, record in store.iter_csv_records(text, columns=COLUMNS, name=name):
        if isinstance(record, FieldProblem):
            problems.append(record)
            continue
        try:
            incidents.append(validate_incident(record, line=line))
        except IncidentValidationError as error:
            problems.extend(error.problems)
    if problems:
        raise IncidentValidationError(problems)
    return incidents or None


def _added_by(args: argparse.Namespace) -> str:
    return args.by or os.environ.get("USER", "").strip() or DEFAULT_ADDED_BY


def _read_json_object(file: Path | None, source: str) -> dict[str, object]:
    """The JSON object in ``file`` (or standard input); raises IncidentValidationError if none."""
    if file is None and sys.stdin.isatty():
        _say("Reading the incident as a JSON object from standard input; end it with Ctrl-D.")
    try:
        text = file.read_text(encoding="utf-8") if file else sys.stdin.read()
    except FileNotFoundError:
        raise DataFileError(f"No file at {file}; give the JSON file to add.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DataFileError(f"Cannot read {source}: {error}.") from None
    try:
        fields = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        reason = f"{source} is not valid JSON ({error.msg} at {where})"
        raise IncidentValidationError([FieldProblem("input", reason)]) from None
    except RecursionError:
        reason = f"{source} nests arrays or objects too deeply to be an incident"
        raise IncidentValidationError([FieldProblem("input", reason)]) from None
    except ValueError:
        # Python refuses to read an integer of more than 4,300 digits (a guard against DoS).
        reason = f"{source} holds a number too long to be any field of an incident"
        raise IncidentValidationError([FieldProblem("input", reason)]) from None
    if not isinstance(fields, dict):
        reason = f"{source} must hold one JSON object, {{...}}, with the incident's fields"
        raise IncidentValidationError([FieldProblem("input", reason)])
    return fields


def _validate_new_incident(fields: dict[str, object]) -> IncidentDraft:
    """The draft in ``fields``; raises IncidentValidationError naming every bad field."""
    # The schema calls any unknown key "not a column", which misleads for id or added_at:
    # they are columns, but the store sets them.
    problems = [
        FieldProblem(name, "is set by the store when the incident is added; leave it out")
        for name in fields
        if name in COLUMNS and name not in IncidentDraft.model_fields
    ]
    draft_fields = {
        name: value
        for name, value in fields.items()
        if name in IncidentDraft.model_fields or name not in COLUMNS
    }
    try:
        draft = validate_draft(draft_fields)
    except IncidentValidationError as error:
        problems.extend(error.problems)
    if problems:
        raise IncidentValidationError(problems)
    return draft


def _check_header(path: Path) -> bool:
    """True when ``path`` is still to be created; raises DataFileError if its header is wrong."""
    # The store appends to whatever is there; a file that is empty or has another header would
    # end up with a record nobody can read, so it is checked before anything is written.
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            first_line = handle.readline()
    except FileNotFoundError:
        return True
    except (OSError, UnicodeDecodeError) as error:
        raise DataFileError(f"Cannot read {path}: {error}.") from None
    records = store.iter_csv_records(first_line, columns=COLUMNS, name=str(path))
    next(records, None)
    return False


def _warnings(draft: IncidentDraft) -> Iterable[str]:
    """Doubts about a valid draft that deserve a look but do not block it."""
    if draft.mmsi and draft.flag:
        try:
            matches = mmsi_matches_flag(draft.mmsi, draft.flag)
        except DataFileError as error:
            yield f"mmsi: the MID table could not be read to compare it with the flag ({error})"
            return
        if matches is False:
            yield (
                f"mmsi: {draft.mmsi} has a MID that does not belong to {flag_label(draft.flag)}; "
                "a possible false flag (recorded as given)"
            )


def _incident_filter(args: argparse.Namespace) -> IncidentFilter:
    """The filter the export options ask for; exits with status 2 naming any bad value."""
    query: dict[str, list[str]] = {}
    for spec in FILTER_PARAMS:
        value = getattr(args, f"filter_{spec.param}")
        if value is not None:
            query[spec.param] = value if isinstance(value, list) else [value]
    # Each value passed its own option's check; the one rule left is how two of them combine.
    since, until = args.filter_since, args.filter_until
    if since and until and dt.date.fromisoformat(since) > dt.date.fromisoformat(until):
        _say(f"error: --since {since} is after --until {until}; nothing would match.")
        raise SystemExit(EXIT_USAGE)
    incident_filter, notices = filter_from_query(query)
    for notice in notices:
        _say(f"warning: {notice}")
    return incident_filter


def _print_problems(problems: Iterable[FieldProblem], *, stream: TextIO | None = None) -> None:
    for problem in problems:
        print(problem, file=stream or sys.stderr)


def _incidents(count: int) -> str:
    return f"{count} incident" + ("" if count == 1 else "s")


def _say(message: str) -> None:
    print(message, file=sys.stderr)
