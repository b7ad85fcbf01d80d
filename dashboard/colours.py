"""One colour per event type, shared by the map and the timeline so that both read alike.

The colours come from the Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008), chosen
because its hues stay distinct for the common forms of colour blindness (deuteranopia,
protanopia, tritanopia) and in greyscale print: vermillion for seizures, orange for pursuits,
reddish purple for boardings, black for strikes and grey for everything else. The flag chart
uses the same palette: vermillion for a false flag, grey for a disputed one, blue for the rest.
"""

from __future__ import annotations

from types import MappingProxyType

from dashboard.i18n import vocabulary_label
from dashboard.schema import EventType, FalseFlag

EVENT_COLOURS: MappingProxyType[EventType, str] = MappingProxyType(
    {
        EventType.SEIZURE: "#D55E00",  # Okabe-Ito vermillion
        EventType.PURSUIT: "#E69F00",  # Okabe-Ito orange
        EventType.BOARDING: "#CC79A7",  # Okabe-Ito reddish purple
        EventType.STRIKE: "#000000",  # Okabe-Ito black
        EventType.OTHER: "#999999",  # Okabe-Ito grey
    }
)
FALSE_FLAG_COLOURS: MappingProxyType[FalseFlag, str] = MappingProxyType(
    {
        FalseFlag.YES: "#D55E00",  # Okabe-Ito vermillion
        FalseFlag.UNKNOWN: "#999999",  # Okabe-Ito grey
        FalseFlag.NO: "#0072B2",  # Okabe-Ito blue
    }
)
for _name, _colours, _vocabulary in (
    ("EventType", EVENT_COLOURS, EventType),
    ("FalseFlag", FALSE_FLAG_COLOURS, FalseFlag),
):
    # A value added to the schema must get a colour here, not fall silently to a default.
    if set(_colours) != set(_vocabulary):
        raise RuntimeError(
            f"dashboard/colours.py needs exactly one colour per schema.{_name}; "
            f"missing {sorted(set(_vocabulary) - set(_colours))}"
        )


def event_colour(event_type: str | None) -> str:
    """The hex colour of an event type; the "other" grey for a value the schema does not know."""
    try:
        return EVENT_COLOURS[EventType(event_type)]
    except ValueError:
        return EVENT_COLOURS[EventType.OTHER]


def event_colour_scale() -> tuple[list[str], list[str]]:
    """The (domain, range) of a chart colour scale: event type labels (in the current
    language) and their colours."""
    labels = [vocabulary_label(member) for member in EventType]
    return labels, [EVENT_COLOURS[member] for member in EventType]
