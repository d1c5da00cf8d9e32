"""Time zones people can choose: the IANA names we accept, the picker's list, and a typed city's zone.

The accept page offers every region/city zone with its city as a readable label, and resolves what a
person types ("London", "new york", "europe/london") to the zone name the API stores ("Europe/London").
"""

from __future__ import annotations

import unicodedata
from functools import cache
from zoneinfo import available_timezones

# Zones named region/city; the rest (Etc/GMT+3, US/Eastern, GB, ...) are aliases or offsets, still accepted
# when typed exactly but left out of the picker.
REGIONS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")
MAX_TYPED = 80  # longer than any zone name or city: not looked up


@cache
def time_zones() -> frozenset[str]:
    """Every IANA zone name this system knows (what the API accepts)."""
    return frozenset(available_timezones())


def city_of(zone: str) -> str:
    """'America/Argentina/Buenos_Aires' -> 'Buenos Aires'."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")


@cache
def choices() -> tuple[tuple[str, str], ...]:
    """(zone, label) for the picker, by city: 'Europe/London' -> 'London (Europe)'."""
    listed = [zone for zone in time_zones() if zone.split("/", 1)[0] in REGIONS and "/" in zone]
    pairs = [(zone, f"{city_of(zone)} ({zone.rsplit('/', 1)[0].replace('_', ' ')})") for zone in listed]
    return (*sorted(pairs, key=lambda pair: pair[1].casefold()), ("UTC", "UTC (Coordinated Universal Time)"))


@cache
def _by_lowercase() -> dict[str, str]:
    """Lower-cased zone names and city names -> zone. Where two zones share a city, the longer name wins:
    it is the current one ('America/Argentina/Buenos_Aires' over the old link 'America/Buenos_Aires')."""
    found = {zone.casefold(): zone for zone in time_zones()}
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
