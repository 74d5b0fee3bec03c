"""Words and phrases in a call's text that bear on THRIVE, found case-insensitively, with simple negation.

Each cue is a whole-word phrase (a trailing ``*`` matches any ending, so ``stab*`` finds "stabbed").
A match is negated when one of ``NEGATORS`` stands within the three words before it in the same clause
("no weapon", "nobody is hurt", "didn't see a knife"); clauses end at punctuation and at "but". This is
deliberately simple: it errs towards keeping a cue, because a missed threat costs more than a false one.
"""

import re
from dataclasses import dataclass

# Category -> phrases, "|"-separated. The categories are the facts the THRIVE rules in ``grading`` ask about.
_LEXICON = {
    "danger_to_life": "threatening to kill|threatened to kill|going to kill|kill me|kill him|kill her|"
    "kill us|kill himself|kill herself|hostage*|shots fired|shooting|gunshot*|not breathing|suicid*|overdos*|"
    "strangl*|choking|on fire|drown*",
    "weapon": "gun*|firearm*|pistol*|handgun*|rifle*|shotgun*|knife|knives|machete*|blade*|weapon*|armed|axe|"
    "hammer|baseball bat|crowbar",
    "violence": "attack*|assault*|hitting|punch*|beating|beaten|fight*|kicked me|kicking him|kicking her|"
    "kicking me|stab*|shot|hit me|hit her|hit him|threaten*|violent",
    "serious_injury": "unconscious|not breathing|bleeding heavily|lots of blood|stabbed|shot|serious* injur*|"
    "head injur*|broken bone*|broken arm|broken leg|broken jaw|broken nose|can't breathe|cannot breathe|"
    "not moving",
    "injury": "injur*|hurt|bleeding|blood|cut|bruis*|wound*",
    "in_progress": "in progress|happening now|right now|going on now|at the moment|currently|breaking in|"
    "trying to get in|kicking the door|as we speak|still going|breaking into|is threatening|are threatening|"
    "is attacking|are attacking|is fighting|are fighting",
    "offender_present": "still here|still inside|still outside|still in the|outside my|outside the house|"
    "in my house|in the house|on scene|at my door|at the door|banging on|won't leave|refusing to leave|"
    "breaking in|breaking into|trying to get in|kicking the door",
    "offender_recent": "just left|ran off|running away|run off|fled|driving away|drove off|made off|"
    "just happened|minutes ago|just now|getting away|following them",
    "evidence": "cctv|footage|camera*|fingerprint*|dna|witness*|dashcam|number plate",
    "vulnerable": "elderly|old lady|old man|pensioner|disabled|disability|dementia|mental health|"
    "learning difficult*|pregnant|vulnerable|on my own|alone|confused|autis*",
    "child": "child|children|kid|kids|baby|babies|toddler*|infant*|my son|my daughter|teenager|schoolboy|"
    "schoolgirl|under 18|minor",
    "domestic": "domestic|my partner|my ex|ex-partner|ex partner|my husband|my wife|my boyfriend|"
    "my girlfriend|ex-husband|ex-wife|ex-boyfriend|ex-girlfriend",
    "repeat": "again|keeps|every night|every day|third time|second time|repeatedly|many times|always|"
    "another time",
    "remote_resolution": "crime number|crime reference|reference number|for insurance|for my insurance|"
    "report online|online|just want to report|just to report|for the record|last week|last month|weeks ago|"
    "months ago|no suspect*|lost property|by phone",
}
LEXICON: dict[str, tuple[str, ...]] = {category: tuple(p.split("|")) for category, p in _LEXICON.items()}

# Words ending in "n't" negate too (see ``_negated``).
NEGATORS = frozenset(
    ("no", "not", "without", "never", "nobody", "none", "nothing", "neither", "nor", "no-one")
)
_WINDOW = 3
_CLAUSE = re.compile(r"[.;:!?,\n]+|\bbut\b", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9'\-]+")


@dataclass(frozen=True)
class Cue:
    """One phrase found: its category, the words matched, and whether a negator governs it."""

    category: str
    phrase: str
    negated: bool


def _pattern(phrase: str) -> str:
    body = r"\s+".join(re.escape(word) for word in phrase.rstrip("*").split())
    return rf"\b{body}" + (r"\w*" if phrase.endswith("*") else r"\b")


_COMPILED = {
    category: re.compile("|".join(_pattern(p) for p in sorted(phrases, key=len, reverse=True)), re.IGNORECASE)
    for category, phrases in LEXICON.items()
}


def _negated(clause: str, start: int) -> bool:
    before = _WORD.findall(clause[:start].lower())[-_WINDOW:]
    return any(word in NEGATORS or word.endswith("n't") for word in before)


def find_cues(text: str) -> list[Cue]:
    """Every cue in ``text``, in category order then position; negated cues are kept and marked."""
    clauses = [c for c in _CLAUSE.split(text or "") if c.strip()]
    found = []
    for category, pattern in _COMPILED.items():
        for clause in clauses:
            for match in pattern.finditer(clause):
                found.append(Cue(category, match.group(0).lower(), _negated(clause, match.start())))
    return found
