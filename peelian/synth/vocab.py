"""The small vocabularies synthetic people are drawn from: names, streets, towns, vehicles, offences.

Kept in code (a few hundred words) so the generator needs no data files beyond the nickname list
Peelian already ships for name matching; drawing nicknames from that list means the synthetic
sources use exactly the familiar forms a matcher is expected to know. Names are upper case, as
matchers compare them; each source system re-cases them its own way.
"""

import csv
import io
from functools import cache
from importlib import resources

MALE_FORENAMES = (
    "JAMES", "DAVID", "JOHN", "MICHAEL", "ROBERT", "PAUL", "ANDREW", "MARK", "RICHARD", "THOMAS",
    "WILLIAM", "CHRISTOPHER", "DANIEL", "MATTHEW", "STEPHEN", "STEVEN", "ANTHONY", "PETER", "JOSEPH",
    "GARY", "LEE", "CRAIG", "DEAN", "RYAN", "JORDAN", "CONNOR", "LIAM", "KYLE", "JACK", "HARRY",
    "GEORGE", "OLIVER", "CHARLES", "MOHAMMED", "MUHAMMAD", "ADAM", "ALI", "BILAL", "HAMZA", "IMRAN",
    "YUSUF", "PIOTR", "TOMASZ", "SEAN", "PHILIP", "ALAN", "SAMUEL", "BENJAMIN", "NICHOLAS", "JONATHAN",
    "EDWARD", "KENNETH", "TERENCE", "RONALD", "ALEXANDER", "JOSHUA", "LEWIS", "DARREN", "WAYNE",
    "NATHAN", "GEOFFREY", "FREDERICK", "PATRICK", "TIMOTHY",
)  # fmt: skip
FEMALE_FORENAMES = (
    "SARAH", "EMMA", "ELIZABETH", "CATHERINE", "KATHRYN", "KATHERINE", "REBECCA", "SAMANTHA",
    "JENNIFER", "VICTORIA", "LAURA", "CHARLOTTE", "AMY", "HANNAH", "JESSICA", "SOPHIE", "CHLOE",
    "LAUREN", "GEMMA", "NICOLA", "CLAIRE", "KAREN", "SUSAN", "MARGARET", "PATRICIA", "DEBORAH",
    "JACQUELINE", "CHRISTINE", "ABIGAIL", "ELEANOR", "ISABELLA", "OLIVIA", "EMILY", "MEGAN",
    "DANIELLE", "KELLY", "STACEY", "LEANNE", "ZOE", "RACHEL", "AISHA", "FATIMA", "AMINA", "SHAZIA",
    "NADIA", "AGNIESZKA", "KATARZYNA", "SIOBHAN", "CHERYL", "ALEXANDRA", "DOROTHY", "BARBARA",
    "JULIE", "TRACEY", "MICHELLE", "LISA",
)  # fmt: skip
SURNAMES = (
    "SMITH", "JONES", "TAYLOR", "BROWN", "WILLIAMS", "WILSON", "JOHNSON", "DAVIES", "ROBINSON",
    "WRIGHT", "THOMPSON", "EVANS", "WALKER", "WHITE", "ROBERTS", "GREEN", "HALL", "WOOD", "JACKSON",
    "CLARKE", "HUGHES", "EDWARDS", "TURNER", "HILL", "MOORE", "COOPER", "WARD", "KING", "HARRISON",
    "MORRIS", "BAKER", "LEE", "PATEL", "KHAN", "HUSSAIN", "AHMED", "ALI", "MAHMOOD", "AKHTAR", "SHAH",
    "IQBAL", "RIAZ", "BUTT", "KAUR", "SINGH", "MILLER", "ALLEN", "YOUNG", "MITCHELL", "ANDERSON",
    "CAMPBELL", "STEWART", "MURPHY", "KELLY", "O'BRIEN", "O'NEILL", "BYRNE", "DOYLE", "MCDONALD",
    "NOWAK", "KOWALSKI", "WISNIEWSKI", "REID", "GRAY", "STEPHENSON", "PHILLIPS", "MATTHEWS",
    "JOHNSTON", "CHAPMAN", "MARSHALL", "BARKER", "SHAW", "HOLMES", "FOX", "ATKINSON", "PARKINSON",
    "HOLROYD", "SUTCLIFFE", "BRIGGS", "HARGREAVES", "ACKROYD", "BOOTH", "HAIGH", "GREENWOOD", "DIXON",
    "OKAFOR", "ADEYEMI", "MENSAH", "GRANT", "FRANCIS", "BAILEY", "RICHARDSON", "SPENCER",
)  # fmt: skip

# Spellings a listener writes for a name they only heard; each maps to its other spellings.
PHONETIC = {
    "MOHAMMED": ("MUHAMMAD", "MOHAMMAD", "MOHAMED"), "MUHAMMAD": ("MOHAMMED", "MOHAMMAD"),
    "STEPHEN": ("STEVEN",), "STEVEN": ("STEPHEN",), "CATHERINE": ("KATHRYN", "CATHRYN", "KATHERINE"),
    "KATHRYN": ("CATHERINE", "KATHERINE"), "KATHERINE": ("CATHERINE", "KATHRYN"),
    "SEAN": ("SHAUN", "SHAWN"), "PHILIP": ("PHILLIP",), "GEOFFREY": ("JEFFREY", "JEFFERY"),
    "CLAIRE": ("CLARE",), "ALAN": ("ALLAN", "ALLEN"), "CONNOR": ("CONOR",), "MATTHEW": ("MATHEW",),
    "RACHEL": ("RACHAEL",), "LEE": ("LEIGH",), "ZOE": ("ZOEY",), "AISHA": ("AYESHA",),
    "YUSUF": ("YOUSAF", "YOUSUF"), "CHERYL": ("SHERYL",), "KAREN": ("CARON",), "NICOLA": ("NICHOLA",),
    "TRACEY": ("TRACY",), "JULIE": ("JULIA",), "STACEY": ("STACY",), "LEANNE": ("LIANNE",),
    "SMITH": ("SMYTH",), "THOMPSON": ("THOMSON",), "DAVIES": ("DAVIS",), "JOHNSTON": ("JOHNSTONE",),
    "MCDONALD": ("MACDONALD",), "HUSSAIN": ("HUSSEIN", "HUSAIN"), "AHMED": ("AHMAD",),
    "MAHMOOD": ("MEHMOOD", "MAHMUD"), "REID": ("REED", "READ"), "CLARKE": ("CLARK",), "GRAY": ("GREY",),
    "STEPHENSON": ("STEVENSON",), "PHILLIPS": ("PHILIPS",), "MATTHEWS": ("MATHEWS",),
    "KOWALSKI": ("KOVALSKI",), "O'NEILL": ("O'NEIL", "ONEILL"), "O'BRIEN": ("OBRIEN", "O'BRIAN"),
    "BYRNE": ("BYRN", "BURNE"), "WISNIEWSKI": ("WISNIESKI", "VISNIEWSKI"), "AKHTAR": ("AKTAR",),
}  # fmt: skip

STREETS = (
    "OAK", "VICTORIA", "CHURCH", "MANOR", "PARK", "STATION", "MILL", "ALBERT", "QUEENS", "KINGS",
    "HIGHFIELD", "WESTFIELD", "SPRINGFIELD", "GRANGE", "BEECH", "ELM", "WILLOW", "MOOR", "CLIFF",
    "HALL", "BANK", "GREEN", "CHAPEL", "SCHOOL", "MARKET", "YORK", "CROSS", "WOODHOUSE", "BELLE VUE",
    "MEANWOOD", "HAREHILLS", "ROUNDHAY", "KIRKSTALL", "BRAMLEY", "ARMLEY", "OTLEY", "HOLLIN",
    "LAUREL", "ASH", "HAWTHORN",
)  # fmt: skip
STREET_TYPES = (
    "ROAD", "STREET", "LANE", "AVENUE", "CLOSE", "CRESCENT", "DRIVE", "GROVE", "TERRACE", "WAY",
    "PLACE", "MOUNT", "VIEW", "GARDENS",
)  # fmt: skip

# Towns of one (West Yorkshire-like) force: name, postcode area, districts, centre lon/lat, spread
# in degrees, share of residents.
TOWNS = (
    ("LEEDS", "LS", 29, -1.5491, 53.8008, 0.05, 0.40),
    ("BRADFORD", "BD", 22, -1.7594, 53.7960, 0.04, 0.30),
    ("WAKEFIELD", "WF", 17, -1.4977, 53.6830, 0.04, 0.12),
    ("HUDDERSFIELD", "HD", 9, -1.7850, 53.6458, 0.03, 0.10),
    ("HALIFAX", "HX", 7, -1.8575, 53.7248, 0.03, 0.08),
)
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters a postcode's inward code uses (no C I K M O V)

VEHICLES = (
    ("FORD", "FIESTA"), ("FORD", "FOCUS"), ("VAUXHALL", "CORSA"), ("VAUXHALL", "ASTRA"),
    ("VOLKSWAGEN", "GOLF"), ("VOLKSWAGEN", "POLO"), ("BMW", "3 SERIES"), ("AUDI", "A3"),
    ("NISSAN", "QASHQAI"), ("TOYOTA", "YARIS"), ("MERCEDES-BENZ", "C CLASS"), ("PEUGEOT", "208"),
    ("KIA", "SPORTAGE"), ("HONDA", "CIVIC"), ("LAND ROVER", "RANGE ROVER SPORT"), ("SKODA", "OCTAVIA"),
    ("SEAT", "LEON"), ("RENAULT", "CLIO"), ("MINI", "COOPER"), ("HYUNDAI", "TUCSON"), ("FIAT", "500"),
    ("VOLVO", "XC60"), ("CITROEN", "C3"), ("TESLA", "MODEL 3"), ("MERCEDES-BENZ", "SPRINTER"),
)  # fmt: skip
COLOURS = ("BLACK", "SILVER", "GREY", "WHITE", "BLUE", "RED", "GREEN", "ORANGE", "YELLOW", "BROWN")
# Colours a camera or a witness confuses, each with the one it is taken for.
COLOUR_CONFUSION = {
    "SILVER": "GREY", "GREY": "SILVER", "BLACK": "BLUE", "BLUE": "BLACK", "WHITE": "SILVER",
    "RED": "ORANGE", "ORANGE": "RED", "GREEN": "BLUE", "YELLOW": "ORANGE", "BROWN": "BLACK",
}  # fmt: skip
# Registration letters: a current plate's memory tag and random letters never use I, Q or Z
# (Z is allowed in the last three, but kept out for simplicity).
PLATE_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"

CUSTODY_SUITES = {
    "LEEDS": "Elland Road PC", "BRADFORD": "Trinity Road PC", "WAKEFIELD": "Havertop PC",
    "HUDDERSFIELD": "Huddersfield PC", "HALIFAX": "Calderdale PC",
}  # fmt: skip
ARREST_REASONS = (
    "Theft from shop", "Burglary - dwelling", "Assault occasioning ABH", "Common assault",
    "Possession with intent to supply class A", "Possession of cannabis", "Criminal damage",
    "Drink driving", "Breach of bail", "Public order s4", "Robbery", "Theft of motor vehicle",
    "Possession of offensive weapon", "Harassment", "Fraud by false representation", "Wanted on warrant",
)  # fmt: skip
OFFENCES = (
    "Burglary - residential", "Theft of motor vehicle", "Theft from motor vehicle", "Shoplifting",
    "Assault with injury", "Common assault", "Criminal damage", "Robbery of personal property",
    "Drug trafficking", "Possession of weapons", "Fraud", "Harassment", "Public order",
)  # fmt: skip
CRIME_STATUSES = (
    "Under investigation", "Charged", "No suspect identified", "Evidential difficulties",
    "Community resolution", "Victim does not support action",
)  # fmt: skip
INTEL_TOPICS = (
    "Drug supply", "County lines", "Burglary", "Violence", "Weapons", "Organised crime",
    "Vehicle crime", "Exploitation", "Fraud", "Anti-social behaviour",
)  # fmt: skip
INTEL_GRADES = ("A1", "A2", "B2", "B3", "C3", "C4", "E4")
SEARCH_OBJECTS = (
    "Controlled drugs", "Offensive weapons", "Stolen goods", "Article for use in theft", "Firearms",
    "Anything to threaten or harm anyone", "Evidence of offences under the Act",
)  # fmt: skip
SEARCH_OUTCOMES = (
    "A no further action disposal", "Arrest", "Community resolution", "Penalty Notice for Disorder",
    "Khat or Cannabis warning", "Summons / charged by post",
)  # fmt: skip
ROADS = ("A61", "A62", "A58", "A64", "A65", "A650", "A629", "A641", "A638", "M62", "M1", "M621")


@cache
def nicknames() -> dict[str, tuple[str, ...]]:
    """Given name -> its familiar forms, from the list name matching ships (ROBERT: ROB, BOB, ...)."""
    text = resources.files("peelian.data").joinpath("resolve/nicknames.csv").read_text(encoding="utf-8")
    out: dict[str, list[str]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        out.setdefault(row["name"].strip().upper(), []).append(row["nickname"].strip().upper())
    return {name: tuple(forms) for name, forms in out.items()}
