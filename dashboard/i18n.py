"""Translations: one ``_()`` for every interface string, gettext catalogues managed by Babel.

English is written in the code; ``dashboard/locale/<lang>/LC_MESSAGES/messages.po`` holds each
other language (Spanish today). The language is per script run, held in a context variable that
the app sets first thing on every run (``set_language``), so the plain modules (schema,
presentation, map builders) can translate without importing Streamlit. A fragment's own rerun
does not run app.py: a fragment that shows words calls ``language.choose_language()`` first.

Vocabulary labels (event types, outcomes, precisions, ...) are the schema's own
(``Vocabulary.label``, English, which exports and the CLI keep); ``vocabulary_label`` gives them
in the current language. ``extract_schema`` puts them in the catalogue, so a new vocabulary value
cannot go untranslated without the catalogue test noticing.

Catalogue work (from the repository root)::

    PYTHONPATH=. pybabel extract -F babel.cfg -o dashboard/locale/messages.pot .
    pybabel update -i dashboard/locale/messages.pot -d dashboard/locale
    # translate dashboard/locale/es/LC_MESSAGES/messages.po, then
    pybabel compile -d dashboard/locale
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.core import negotiate_locale
from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal
from babel.numbers import format_percent as babel_format_percent
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"
# Each language as it names itself, for the switch in the sidebar.
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español"}
LANGUAGE_PARAM = "lang"

_language: ContextVar[str] = ContextVar("interface_language", default=DEFAULT_LANGUAGE)


@functools.cache
def _translations(language: str) -> NullTranslations:
    """The compiled catalogue of ``language``; English (the code's own words) needs none."""
    if language == DEFAULT_LANGUAGE:
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [language], DOMAIN)


def set_language(language: str | None) -> str:
    """Make ``language`` (a code from LANGUAGES, else English) the one this run speaks."""
    chosen = language if language in LANGUAGES else DEFAULT_LANGUAGE
    _language.set(chosen)
    return chosen


@contextlib.contextmanager
def speaking(language: str) -> Iterator[None]:
    """Speak ``language`` inside the block, then the run's own language again."""
    token = _language.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _language.reset(token)


def current_language() -> str:
    """The code of the language this run speaks: ``en`` or ``es``."""
    return _language.get()


def language_query() -> dict[str, str]:
    """The link parameter that opens a page in this run's language (none for English)."""
    language = current_language()
    return {} if language == DEFAULT_LANGUAGE else {LANGUAGE_PARAM: language}


def _(message: str) -> str:
    """``message`` in the current language (the English text when it has no translation)."""
    return _translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for ``count`` in the current language."""
    return _translations(current_language()).ngettext(singular, plural, count)


def N_(message: str) -> str:  # noqa: N802 (gettext's own name for "mark, do not translate")
    """``message`` unchanged, marked for extraction: translated later, where it is shown."""
    return message


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, as meant in ``context`` (for words with genders)."""
    return _translations(current_language()).pgettext(context, message)


def vocabulary_label(member: Any) -> str:
    """A schema vocabulary value as people read it in the current language."""
    # The vocabulary is the context: "unknown" is "desconocido" for an outcome (el resultado)
    # but "desconocida" for a vessel type (la clase).
    return pgettext(type(member).__name__, member.label)


def negotiate_language(accept_language: str | None) -> str | None:
    """The supported language an ``Accept-Language`` header prefers most, or None."""
    if not accept_language:
        return None
    preferred = []
    for index, part in enumerate(accept_language.split(",")):
        tag, _separator, parameters = part.strip().partition(";")
        quality = 1.0
        if parameters.strip().startswith("q="):
            try:
                quality = float(parameters.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*" and quality > 0:
            preferred.append((-quality, index, tag.strip().replace("_", "-")))
    tags = [tag for _quality, _index, tag in sorted(preferred)]
    # Babel matches "es-VE" to "es" and compares case-insensitively.
    found = negotiate_locale(tags, list(LANGUAGES), sep="-")
    if found is None:
        found = negotiate_locale([tag.split("-")[0] for tag in tags], list(LANGUAGES), sep="-")
    return found


def _locale() -> Locale:
    try:
        return Locale.parse(current_language())
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LANGUAGE)


def format_date(value: dt.date, *, format: str = "medium") -> str:
    """A date written the way the current language writes it: "10 dic 2025", "Dec 10, 2025"."""
    return babel_format_date(value, format=format, locale=_locale())


def format_number(value: float) -> str:
    """A number with the current language's separators: 1,234 or 1.234."""
    return format_decimal(value, locale=_locale())


def format_percent(value: float) -> str:
    """A share as a whole percentage the current language's way: "25%" or "25 %"."""
    return babel_format_percent(value, locale=_locale())


# --- catalogue extraction ---------------------------------------------------------------------


def extract_schema(
    fileobj: Any, keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extractor for schema.py: its _() calls, and every vocabulary label."""
    from babel.messages.extract import extract_python

    yield from extract_python(fileobj, keywords, comment_tags, options)
    from dashboard.schema import VOCABULARIES, AddedVia

    vocabularies = {*VOCABULARIES.values(), AddedVia}
    for vocabulary in sorted(vocabularies, key=lambda kind: kind.__name__):
        for member in vocabulary:
            message = (vocabulary.__name__, member.label)
            yield (1, "pgettext", message, [f"vocabulary: {vocabulary.__name__}.{member.name}"])
