"""Time zones people can choose: the IANA names we accept, the picker's list, and a typed city's zone.

The accept page offers every region/city zone with its city as a readable label in the page's language, and
resolves what a person types in any of our languages ("London", "nueva york", "Ciudad de México",
"europe/london") to the zone name the API stores ("Europe/London"). Cities' names in other languages are
the CLDR's, as Babel ships them.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from zoneinfo import available_timezones

from babel import Locale

from shared import languages

# Zones named region/city; the rest (Etc/GMT+3, US/Eastern, GB, ...) are aliases or offsets, still accepted
# when typed exactly but left out of the picker.
REGIONS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")
MAX_TYPED = 80  # longer than any zone name or city: not looked up
# The regions as the picker names them in each language other than English.
REGION_NAMES = {
    "es": {
        "Africa": "África",
        "America": "América",
        "Antarctica": "Antártida",
        "Atlantic": "Atlántico",
        "Europe": "Europa",
        "Indian": "Índico",
        "Pacific": "Pacífico",
    },
}
UTC_LABELS = {"en": "UTC (Coordinated Universal Time)", "es": "UTC (tiempo universal coordinado)"}


@cache
def time_zones() -> frozenset[str]:
    """Every IANA zone name this system knows (what the API accepts)."""
    return frozenset(available_timezones())


def city_of(zone: str) -> str:
    """'America/Argentina/Buenos_Aires' -> 'Buenos Aires'."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


def _local_cities(language: str) -> dict[str, str]:
    """Zone -> its city's name in `language`, where the CLDR has one that differs from the zone's."""
    if language == languages.DEFAULT:
        return {}
    return {zone: names["city"] for zone, names in Locale(language).time_zones.items() if "city" in names}


@cache
def choices(language: str = languages.DEFAULT) -> tuple[tuple[str, str], ...]:
    """(zone, label) for the picker, by city, in `language`: 'Europe/London' -> 'London (Europe)', in
    Spanish 'Londres (Europa)'."""
    cities, regions = _local_cities(language), REGION_NAMES.get(language, {})
    listed = [zone for zone in time_zones() if zone.split("/", 1)[0] in REGIONS and "/" in zone]
    pairs = []
    for zone in listed:
        region, _city = zone.rsplit("/", 1)
        top, _, rest = region.partition("/")
        place = "/".join(part for part in (regions.get(top, top), rest) if part).replace("_", " ")
        pairs.append((zone, f"{cities.get(zone) or city_of(zone)} ({place})"))
    utc = ("UTC", UTC_LABELS.get(language, UTC_LABELS[languages.DEFAULT]))
    return (*sorted(pairs, key=lambda pair: _plain(pair[1]).casefold()), utc)


@cache
def _by_lowercase() -> dict[str, str]:
    """Lower-cased zone names and city names, also in our other languages and without accents -> zone.
    Where two zones share a city, the longer name wins: it is the current one ('America/Argentina/
    Buenos_Aires' over the old link 'America/Buenos_Aires'); an English name wins over another language's."""
    found = {}
    for language in languages.LANGUAGES:
        for zone, city in _local_cities(language).items():
            if zone in time_zones():
                found[city.casefold()] = found[_plain(city.casefold())] = zone
    found |= {zone.casefold(): zone for zone in time_zones()}
    for zone in sorted(time_zones(), key=lambda z: (z.count("/"), z)):
        if zone.split("/", 1)[0] in REGIONS:
            found[city_of(zone).casefold()] = zone
    return found


def resolve(typed: str) -> str | None:
    """The zone for what a person typed: a zone name in any case, or a city ('London'); None if unknown."""
    text = " ".join(typed[: MAX_TYPED + 1].split())
    if len(text) > MAX_TYPED:
        return None
    if text in time_zones():
        return text
    key = text.casefold()
    return _by_lowercase().get(key) or _by_lowercase().get(_plain(key).replace("_", " "))


def _plain(text: str) -> str:
    """Accents dropped, so 'São Paulo' finds 'Sao_Paulo' as zone names spell it."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
