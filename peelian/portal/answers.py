"""What a member of the public tells us, checked: the report form's answers as one value.

The form branches (property for thefts and burglaries, a registration for vehicle crime), but
what reaches the server is always checked here in full: a browser without JavaScript, or a
script, gets the same rules. Answers that say harm is happening now stop the report and tell
the person to call 999: an online form is never the way to report an emergency.
"""

import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from peelian.errors import PeelianError

# What the form offers -> the category the crime is recorded under (data.police.uk / Home Office
# names, so harm indices, forecasts and linkage read portal crimes like any other).
CATEGORIES = {
    "burglary_home": ("Burglary at a home", "Burglary - residential"),
    "burglary_business": (
        "Burglary at a business or community building",
        "Burglary - business and community",
    ),
    "theft": ("Theft of something else (not from a person)", "Other theft"),
    "bicycle": ("Theft of a bicycle", "Bicycle theft"),
    "vehicle_from": ("Theft from a vehicle", "Theft from motor vehicle"),
    "vehicle_of": ("Theft of a vehicle", "Theft of motor vehicle"),
    "damage": ("Damage to property or a vehicle", "Criminal damage and arson"),
}
PROPERTY_CATEGORIES = {"burglary_home", "burglary_business", "theft", "bicycle", "vehicle_from"}
VEHICLE_CATEGORIES = {"vehicle_from", "vehicle_of", "damage"}
MAX_ITEMS = 3
LIMITS = {"account": 5000, "location": 200, "name": 120, "suspect": 1000, "item": 200}
POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
PHONE = re.compile(r"^\+?[0-9 ()-]{7,20}$")
VRM = re.compile(r"^[A-Z0-9 ]{2,10}$")
# Words that say it is happening now, whatever the yes/no answers said.
NOW = re.compile(
    r"\b(happening (right )?now|(is|are|'s|'re) still (here|there|inside|in the (house|flat|building))|"
    r"(is|are) (outside|inside) now|help me now|being attacked|has a (knife|gun))\b",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Emergency(PeelianError):
    """The answers say someone is in danger now: the person must call 999, not fill in a form."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("call 999 now: " + "; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class Item:
    description: str
    value: str
    serial: str


@dataclass(frozen=True)
class Answers:
    category: str
    account: str
    location: str
    postcode: str
    lat: float | None
    lon: float | None
    time_from: datetime
    time_to: datetime | None
    name: str
    email: str
    phone: str
    is_victim: bool
    suspect_name: str
    suspect_description: str
    vehicle_registration: str
    vehicle_description: str
    items: list[Item] = field(default_factory=list)

    @property
    def recorded_category(self) -> str:
        return CATEGORIES[self.category][1]

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["time_from"] = self.time_from.isoformat()
        data["time_to"] = self.time_to.isoformat() if self.time_to else None
        return data


def _text(form: dict[str, Any], name: str, limit: int, required: str | None = None) -> str:
    value = form.get(name)
    text = _CONTROL.sub("", str(value)).strip() if value is not None else ""
    if len(text) > limit:
        raise PeelianError(f"{name.replace('_', ' ')} is too long: at most {limit:,} characters")
    if required and not text:
        raise PeelianError(required)
    return text


def _yes(form: dict[str, Any], name: str) -> bool:
    return str(form.get(name, "")).strip().lower() in ("yes", "true", "on", "1")


def danger(form: dict[str, Any]) -> list[str]:
    """Why this must be a 999 call instead (empty when it need not be)."""
    reasons = []
    if _yes(form, "danger_now"):
        reasons.append("someone is in danger or the crime is happening now")
    if _yes(form, "offender_present"):
        reasons.append("the person responsible is still there")
    if _yes(form, "injured"):
        reasons.append("someone is hurt and may need help")
    if NOW.search(str(form.get("account", ""))[: LIMITS["account"]]):
        reasons.append("what you wrote says it is happening now")
    return reasons


def _moment(form: dict[str, Any], name: str, required: bool, now: datetime) -> datetime | None:
    text = _text(form, name, 40)
    if not text:
        if required:
            raise PeelianError("say when it happened: the earliest time it could have happened")
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise PeelianError(f"{text[:40]!r} is not a date and time (use the date picker)") from None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if moment > now + timedelta(minutes=5):
        raise PeelianError("the time it happened cannot be in the future")
    if moment < now - timedelta(days=5 * 365):
        raise PeelianError("crimes more than five years ago need a call to 101, not the online form")
    return moment


def _coordinate(form: dict[str, Any], name: str, low: float, high: float) -> float | None:
    text = _text(form, name, 30)
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise PeelianError(f"the map position {name} is not a number") from None
    if not low <= value <= high:
        raise PeelianError(f"the map position {name} is outside the area this force covers")
    return value


def _items(form: dict[str, Any], category: str) -> list[Item]:
    if category not in PROPERTY_CATEGORIES:
        return []
    items = []
    for n in range(1, MAX_ITEMS + 1):
        description = _text(form, f"item{n}_description", LIMITS["item"])
        value = _text(form, f"item{n}_value", 20)
        serial = _text(form, f"item{n}_serial", 60)
        if value and not re.fullmatch(r"[0-9]{1,9}(\.[0-9]{1,2})?", value.replace(",", "").lstrip("£")):
            raise PeelianError(f"the value of item {n} is not an amount in pounds")
        if description or serial:
            items.append(Item(description or "(no description)", value, serial))
    return items


def parse(form: dict[str, Any], now: datetime | None = None) -> Answers:
    """The checked answers; ``Emergency`` when they say it is happening now."""
    if reasons := danger(form):
        raise Emergency(reasons)
    now = now or datetime.now(UTC)
    category = _text(form, "category", 40, "choose what happened")
    if category not in CATEGORIES:
        raise PeelianError("choose what happened from the list")
    time_from = _moment(form, "time_from", True, now)
    time_to = _moment(form, "time_to", False, now)
    if time_to is not None and time_to < time_from:
        raise PeelianError("the latest time it could have happened is before the earliest")
    postcode = _text(form, "postcode", 10).upper()
    if postcode and not POSTCODE.match(postcode):
        raise PeelianError(f"{postcode!r} is not a UK postcode")
    lat = _coordinate(form, "lat", 49.0, 61.0)
    lon = _coordinate(form, "lon", -8.7, 2.0)
    if (lat is None) != (lon is None):
        raise PeelianError("the map position needs both latitude and longitude")
    location = _text(form, "location", LIMITS["location"])
    if not location and not postcode and lat is None:
        raise PeelianError("say where it happened: an address, a postcode or a point on the map")
    email = _text(form, "email", 254)
    phone = _text(form, "phone", 20)
    if email and not EMAIL.match(email):
        raise PeelianError("that email address does not look right")
    if phone and not PHONE.match(phone):
        raise PeelianError("that phone number does not look right")
    if not email and not phone:
        raise PeelianError("give an email address or a phone number so that an officer can contact you")
    registration = _text(form, "vehicle_registration", 10).upper() if category in VEHICLE_CATEGORIES else ""
    if registration and not VRM.match(registration):
        raise PeelianError("a registration has only letters, numbers and spaces")
    return Answers(
        category=category,
        account=_text(form, "account", LIMITS["account"], "tell us what happened"),
        location=location,
        postcode=postcode,
        lat=lat,
        lon=lon,
        time_from=time_from,
        time_to=time_to,
        name=_text(form, "name", LIMITS["name"], "give your name"),
        email=email,
        phone=phone,
        is_victim=_yes(form, "is_victim"),
        suspect_name=_text(form, "suspect_name", LIMITS["name"]),
        suspect_description=_text(form, "suspect_description", LIMITS["suspect"]),
        vehicle_registration=registration,
        vehicle_description=_text(form, "vehicle_description", LIMITS["item"])
        if category in VEHICLE_CATEGORIES
        else "",
        items=_items(form, category),
    )
