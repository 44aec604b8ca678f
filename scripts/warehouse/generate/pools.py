"""Value pools built once per run with a seeded Faker.

Faker is only used here: rows pick from these pools by index, so the per-row
work stays vectorised. The pools depend on the seed alone, never on ``--days``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from faker import Faker

#: (code, name, AP-style abbreviation) for the 50 states and DC.
US_STATES: tuple[tuple[str, str, str], ...] = (
    ("AL", "Alabama", "Ala."),
    ("AK", "Alaska", "Alaska"),
    ("AZ", "Arizona", "Ariz."),
    ("AR", "Arkansas", "Ark."),
    ("CA", "California", "Calif."),
    ("CO", "Colorado", "Colo."),
    ("CT", "Connecticut", "Conn."),
    ("DE", "Delaware", "Del."),
    ("DC", "District of Columbia", "D.C."),
    ("FL", "Florida", "Fla."),
    ("GA", "Georgia", "Ga."),
    ("HI", "Hawaii", "Hawaii"),
    ("ID", "Idaho", "Idaho"),
    ("IL", "Illinois", "Ill."),
    ("IN", "Indiana", "Ind."),
    ("IA", "Iowa", "Iowa"),
    ("KS", "Kansas", "Kan."),
    ("KY", "Kentucky", "Ky."),
    ("LA", "Louisiana", "La."),
    ("ME", "Maine", "Maine"),
    ("MD", "Maryland", "Md."),
    ("MA", "Massachusetts", "Mass."),
    ("MI", "Michigan", "Mich."),
    ("MN", "Minnesota", "Minn."),
    ("MS", "Mississippi", "Miss."),
    ("MO", "Missouri", "Mo."),
    ("MT", "Montana", "Mont."),
    ("NE", "Nebraska", "Neb."),
    ("NV", "Nevada", "Nev."),
    ("NH", "New Hampshire", "N.H."),
    ("NJ", "New Jersey", "N.J."),
    ("NM", "New Mexico", "N.M."),
    ("NY", "New York", "N.Y."),
    ("NC", "North Carolina", "N.C."),
    ("ND", "North Dakota", "N.D."),
    ("OH", "Ohio", "Ohio"),
    ("OK", "Oklahoma", "Okla."),
    ("OR", "Oregon", "Ore."),
    ("PA", "Pennsylvania", "Pa."),
    ("RI", "Rhode Island", "R.I."),
    ("SC", "South Carolina", "S.C."),
    ("SD", "South Dakota", "S.D."),
    ("TN", "Tennessee", "Tenn."),
    ("TX", "Texas", "Texas"),
    ("UT", "Utah", "Utah"),
    ("VT", "Vermont", "Vt."),
    ("VA", "Virginia", "Va."),
    ("WA", "Washington", "Wash."),
    ("WV", "West Virginia", "W.Va."),
    ("WI", "Wisconsin", "Wis."),
    ("WY", "Wyoming", "Wyo."),
)
#: Relative weight of the most populous states; all others weigh 1.
_STATE_WEIGHT = {
    "CA": 8,
    "TX": 6,
    "FL": 5,
    "NY": 5,
    "PA": 3,
    "IL": 3,
    "OH": 3,
    "GA": 3,
    "NC": 3,
    "MI": 2,
    "NJ": 2,
    "VA": 2,
    "WA": 2,
    "AZ": 2,
    "MA": 2,
}

EMAIL_DOMAINS = (
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "icloud.com",
    "aol.com",
    "proton.me",
    "comcast.net",
)
EMAIL_DOMAIN_WEIGHTS = np.array([40, 15, 12, 8, 10, 3, 2, 3], dtype=float)

_NAME_OK = re.compile(r"^[A-Z][A-Za-z' -]*[a-z]$")


@dataclass(frozen=True)
class Pools:
    first_names: pa.Array
    last_names: pa.Array
    first_local: pa.Array  # e-mail-safe lower-case forms of first_names
    last_local: pa.Array
    streets: pa.Array  # street name with suffix, e.g. "Maple Avenue"
    cities: pa.Array  # location pool: city, state code and postal code share an index
    city_states: pa.Array
    city_zips: pa.Array
    companies: pa.Array
    email_domains: pa.Array


def _unique(values: list[str], ok: re.Pattern[str] | None = None) -> list[str]:
    seen: dict[str, None] = {}
    for v in values:
        if ok is None or ok.match(v):
            seen.setdefault(v, None)
    return list(seen)


def _local(names: list[str]) -> pa.Array:
    return pa.array([re.sub(r"[^a-z]", "", n.lower()) for n in names])


def build_pools(seed: int) -> Pools:
    """Draw the pools from a Faker seeded with ``seed`` (a few thousand calls)."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    first = _unique([fake.first_name() for _ in range(1500)], _NAME_OK)
    last = _unique([fake.last_name() for _ in range(1500)], _NAME_OK)
    streets = _unique([fake.street_name() for _ in range(800)])
    companies = _unique([fake.company() for _ in range(300)])

    codes = [s[0] for s in US_STATES]
    weights = np.array([_STATE_WEIGHT.get(c, 1) for c in codes], dtype=float)
    rng = np.random.default_rng(seed)
    cities, states, zips = [], [], []
    for state_idx in rng.choice(len(codes), size=600, p=weights / weights.sum()):
        code = codes[state_idx]
        cities.append(fake.city())
        states.append(code)
        try:
            zips.append(fake.zipcode_in_state(code))
        except (KeyError, ValueError):  # a state Faker has no zip range for
            zips.append(fake.zipcode())
    return Pools(
        first_names=pa.array(first),
        last_names=pa.array(last),
        first_local=_local(first),
        last_local=_local(last),
        streets=pa.array(streets),
        cities=pa.array(cities),
        city_states=pa.array(states),
        city_zips=pa.array(zips),
        companies=pa.array(companies),
        email_domains=pa.array(EMAIL_DOMAINS),
    )
