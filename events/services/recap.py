"""The recap after the day: every city that took part, with the turnout organizers reported."""

from __future__ import annotations

from dataclasses import dataclass

from allout.models import Campaign
from events.models import Event


@dataclass
class CityRecap:
    city: str
    country: str
    country_name: str
    lat: float
    lng: float
    events: int = 0
    # The sum of the turnouts organizers reported, and how many reported.
    turnout: int = 0
    reported: int = 0


@dataclass
class Recap:
    cities: list[CityRecap]

    @property
    def events(self) -> int:
        return sum(city.events for city in self.cities)

    @property
    def turnout(self) -> int:
        return sum(city.turnout for city in self.cities)


def recap(campaign: Campaign) -> Recap:
    """Where the campaign's events took place, one entry per city, with reported turnout."""
    events = (
        Event.objects.approved()
        .filter(campaign=campaign)
        .with_city_key()
        .only("city", "country", "public_point", "turnout")
        .order_by("country", "city", "pk")
    )
    cities: dict[str, CityRecap] = {}
    for event in events:
        key = event.city_key
        city = cities.get(key)
        if city is None:
            # The first event's public point stands for the city: never an exact hidden one.
            city = cities[key] = CityRecap(
                city=event.city.strip(),
                country=str(event.country),
                country_name=str(event.country.name),
                lat=event.public_point.y,
                lng=event.public_point.x,
            )
        city.events += 1
        if event.turnout is not None:
            city.turnout += event.turnout
            city.reported += 1
    return Recap(sorted(cities.values(), key=lambda c: (c.country_name, c.city)))
