"""Which sea an incident lies in, for the tallies "by sea area" (plain Python, shapely).

Reports name the sea, not a position, and every curated point is a placeholder inside the sea
they name, so a coarse outline is all this needs: each area is a hand-drawn polygon whose edges
run over land (the Central American isthmus, the Greater Antilles, the South American coast), so
a point at sea falls in the right basin. It is not a hydrographic boundary; do not use it to say
on which side of a line a ship was.
"""

from __future__ import annotations

import functools

from shapely import Point, Polygon, prepare

OTHER_WATERS = "Other waters"
# (name, outline as (longitude, latitude) vertices), tried in order; the first that holds wins.
_OUTLINES: tuple[tuple[str, tuple[tuple[float, float], ...]], ...] = (
    (
        "Caribbean Sea",
        (
            (-88.3, 15.7),  # Gulf of Honduras
            (-88.0, 18.5),  # Belize
            (-87.0, 21.6),  # Cabo Catoche, Yucatán
            (-84.9, 21.9),  # western Cuba: the edge then runs over Cuba and Hispaniola
            (-74.1, 20.0),
            (-68.0, 18.6),
            (-65.0, 18.3),  # Puerto Rico
            (-61.5, 17.0),  # the Lesser Antilles arc
            (-61.0, 14.5),
            (-61.2, 12.0),
            (-60.9, 10.8),  # Trinidad: the edge then runs along South America's coast
            (-62.0, 10.0),
            (-66.0, 10.0),
            (-70.0, 11.0),
            (-71.5, 10.0),
            (-75.5, 10.0),
            (-77.0, 8.0),  # Gulf of Urabá
            (-80.0, 9.2),  # Panama
            (-83.0, 10.0),  # Costa Rica
            (-84.0, 12.0),  # Nicaragua
            (-84.0, 15.0),  # Cabo Gracias a Dios
        ),
    ),
    (
        "Eastern Pacific",
        (
            (-125.0, -20.0),
            (-72.0, -20.0),
            (-80.5, -5.0),  # Peru
            (-80.0, 0.0),  # Ecuador
            (-77.5, 4.0),  # Colombia
            (-78.0, 7.5),
            (-80.0, 8.0),  # Gulf of Panama
            (-83.0, 8.5),
            (-85.7, 10.5),  # Nicoya
            (-87.5, 13.0),  # Gulf of Fonseca
            (-91.5, 14.0),
            (-94.5, 16.0),  # Tehuantepec
            (-105.0, 20.0),
            (-125.0, 25.0),
        ),
    ),
    ("Gulf of Mexico", ((-98.0, 18.0), (-80.5, 18.0), (-80.5, 31.0), (-98.0, 31.0))),
    ("Atlantic Ocean", ((-80.0, -60.0), (20.0, -60.0), (20.0, 70.0), (-80.0, 70.0))),
    ("Indian Ocean", ((20.0, -60.0), (147.0, -60.0), (147.0, 30.0), (20.0, 30.0))),
)
SEA_AREAS: tuple[str, ...] = (*(name for name, _ in _OUTLINES), OTHER_WATERS)


@functools.cache
def _polygons() -> tuple[tuple[str, Polygon], ...]:
    polygons = []
    for name, outline in _OUTLINES:
        polygon = Polygon(outline)
        prepare(polygon)
        polygons.append((name, polygon))
    return tuple(polygons)


def sea_area(latitude: float, longitude: float) -> str:
    """The named sea the point lies in (one of SEA_AREAS), "Other waters" when none holds it."""
    point = Point(longitude, latitude)
    for name, polygon in _polygons():
        if polygon.contains(point):
            return name
    return OTHER_WATERS
