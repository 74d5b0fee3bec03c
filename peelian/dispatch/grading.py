"""Call grading with THRIVE: threat, harm, risk, investigation, vulnerability, engagement.

The rules follow the National Contact Management Principles' definitions (College of Policing, NCMP):

- **Immediate**: a danger to life; the use or immediate threat of violence; serious injury; a crime in
  progress with the offender at the scene; a child or vulnerable person facing a threat. Attend now.
- **Priority**: genuine concern but no immediate danger: injury, a threat or violence that has passed,
  a crime in progress or an offender about, a vulnerable or repeat victim, domestic abuse, or evidence
  or an offender that prompt attendance could secure.
- **Scheduled**: attendance is needed but can wait for an appointment.
- **Resolve without deployment**: nothing above applies and the caller can be helped by phone or online.

Each fact comes from the handler's structured flag when given (it wins, either way) and otherwise from
cues in the free text. The result is advice: the handler confirms or overrides it, and that decision
is recorded elsewhere. Deterministic: the same call always gets the same grade and reasons.
"""

from dataclasses import asdict, dataclass, fields

from peelian.dispatch.cues import find_cues
from peelian.dispatch.grades import Grade

HIGH, MEDIUM, LOW = "high", "medium", "low"


@dataclass(frozen=True)
class Call:
    """A call for service: what the caller said, and whatever the handler has established for certain.

    Flags are ``None`` when unknown (the text decides), ``True`` or ``False`` when the handler knows.
    """

    text: str = ""
    danger_to_life: bool | None = None
    in_progress: bool | None = None
    weapon: bool | None = None
    violence: bool | None = None
    injury: bool | None = None
    serious_injury: bool | None = None
    offender_present: bool | None = None
    offender_recent: bool | None = None
    evidence_at_risk: bool | None = None
    vulnerable: bool | None = None
    child: bool | None = None
    domestic: bool | None = None
    repeat_victim: bool | None = None
    repeat_location: bool | None = None
    caller_safe: bool | None = None
    remote_resolution: bool | None = None


@dataclass(frozen=True)
class Fact:
    """Whether something holds, and what said so (a flag, or the words in the call)."""

    holds: bool
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class FactorFinding:
    """One THRIVE factor: its level, the finding in words, and what in the call triggered it."""

    factor: str
    level: str
    finding: str
    triggers: tuple[str, ...]


@dataclass(frozen=True)
class Grading:
    grade: Grade
    reasons: tuple[str, ...]
    factors: tuple[FactorFinding, ...]

    def to_dict(self) -> dict:
        return {
            "grade": self.grade.label,
            "reasons": list(self.reasons),
            "factors": [asdict(f) | {"triggers": list(f.triggers)} for f in self.factors],
        }


# Flag name -> the text cue category that stands in for it when the flag is unknown.
_CUE_FOR = {
    "danger_to_life": "danger_to_life",
    "in_progress": "in_progress",
    "weapon": "weapon",
    "violence": "violence",
    "injury": "injury",
    "serious_injury": "serious_injury",
    "offender_present": "offender_present",
    "offender_recent": "offender_recent",
    "evidence_at_risk": "evidence",
    "vulnerable": "vulnerable",
    "child": "child",
    "domestic": "domestic",
    "repeat_victim": "repeat",
    "repeat_location": "repeat",
    "remote_resolution": "remote_resolution",
}


def _facts(call: Call) -> dict[str, Fact]:
    cues = find_cues(call.text)
    facts = {}
    for field in fields(Call):
        name = field.name
        if name == "text":
            continue
        flag = getattr(call, name)
        if flag is not None:
            facts[name] = Fact(flag, (f"flag {name}={'yes' if flag else 'no'}",))
            continue
        found = [c for c in cues if c.category == _CUE_FOR.get(name)]
        positive = tuple(f'text "{c.phrase}"' for c in found if not c.negated)
        negative = tuple(f'text ruled out "{c.phrase}"' for c in found if c.negated)
        facts[name] = Fact(bool(positive), positive or negative)
    # Serious injury is injury; the caller's own safety is known only from the handler.
    if facts["serious_injury"].holds and not facts["injury"].holds and call.injury is None:
        facts["injury"] = facts["serious_injury"]
    return facts


def _cited(facts: dict[str, Fact], *names: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(e for n in names if facts[n].holds for e in facts[n].evidence))


def _ruled_out(facts: dict[str, Fact], *names: str) -> tuple[str, ...]:
    return tuple(e for n in names if not facts[n].holds for e in facts[n].evidence)


def _threat(f: dict[str, Fact], now: bool, unsafe: bool) -> FactorFinding:
    armed_or_violent = f["weapon"].holds or f["violence"].holds
    if f["danger_to_life"].holds:
        return FactorFinding("threat", HIGH, "danger to life", _cited(f, "danger_to_life", "weapon"))
    if armed_or_violent and (now or unsafe):
        trig = _cited(f, "weapon", "violence", "in_progress", "offender_present") + (
            ("flag caller_safe=no",) if unsafe else ()
        )
        return FactorFinding("threat", HIGH, "violence or a weapon, now", trig)
    if armed_or_violent:
        return FactorFinding(
            "threat", MEDIUM, "violence or a weapon, not now", _cited(f, "weapon", "violence")
        )
    if unsafe:
        return FactorFinding("threat", MEDIUM, "the caller is not safe", ("flag caller_safe=no",))
    return FactorFinding("threat", LOW, "no threat found", _ruled_out(f, "weapon", "violence"))


def _harm(f: dict[str, Fact]) -> FactorFinding:
    if f["serious_injury"].holds:
        return FactorFinding("harm", HIGH, "serious injury", _cited(f, "serious_injury"))
    if f["injury"].holds:
        return FactorFinding("harm", MEDIUM, "injury", _cited(f, "injury"))
    return FactorFinding("harm", LOW, "no injury found", _ruled_out(f, "injury", "serious_injury"))


def _risk(f: dict[str, Fact], unsafe: bool) -> FactorFinding:
    if f["in_progress"].holds and f["offender_present"].holds:
        trig = _cited(f, "in_progress", "offender_present")
        return FactorFinding("risk", HIGH, "crime in progress with the offender at the scene", trig)
    names = ("in_progress", "offender_present", "domestic", "repeat_victim", "repeat_location")
    if any(f[n].holds for n in names) or unsafe:
        trig = _cited(f, *names) + (("flag caller_safe=no",) if unsafe else ())
        return FactorFinding("risk", MEDIUM, "risk of harm continuing or recurring", trig)
    return FactorFinding(
        "risk", LOW, "no continuing risk found", _ruled_out(f, "in_progress", "offender_present")
    )


def _investigation(f: dict[str, Fact]) -> FactorFinding:
    if f["offender_recent"].holds or f["evidence_at_risk"].holds:
        trig = _cited(f, "offender_recent", "evidence_at_risk")
        return FactorFinding(
            "investigation", MEDIUM, "prompt attendance could secure an offender or evidence", trig
        )
    return FactorFinding("investigation", LOW, "no time-critical lines of enquiry found", ())


def _vulnerability(f: dict[str, Fact]) -> FactorFinding:
    if f["child"].holds or f["vulnerable"].holds:
        return FactorFinding(
            "vulnerability", HIGH, "a child or vulnerable person", _cited(f, "child", "vulnerable")
        )
    names = ("domestic", "repeat_victim", "repeat_location")
    if any(f[n].holds for n in names):
        return FactorFinding("vulnerability", MEDIUM, "domestic abuse or a repeat victim", _cited(f, *names))
    return FactorFinding("vulnerability", LOW, "no vulnerability found", _ruled_out(f, "child", "vulnerable"))


def _engagement(f: dict[str, Fact]) -> FactorFinding:
    if f["remote_resolution"].holds:
        trig = _cited(f, "remote_resolution")
        return FactorFinding("engagement", LOW, "the caller can be helped by phone or online", trig)
    return FactorFinding("engagement", MEDIUM, "the caller needs someone to attend", ())


def grade_call(call: Call) -> Grading:
    """Grade one call: the grade, the decisive reasons, and all six factors' findings."""
    f = _facts(call)
    now = f["in_progress"].holds or f["offender_present"].holds
    unsafe = call.caller_safe is False
    factors = (
        _threat(f, now, unsafe),
        _harm(f),
        _risk(f, unsafe),
        _investigation(f),
        _vulnerability(f),
        _engagement(f),
    )
    threat, harm, risk, _, vulnerability, engagement = factors

    def because(finding: FactorFinding) -> str:
        cited = f" ({', '.join(finding.triggers)})" if finding.triggers else ""
        return f"{finding.factor} {finding.level}: {finding.finding}{cited}"

    decisive = [x for x in (threat, harm, risk) if x.level == HIGH]
    if not decisive and vulnerability.level == HIGH and threat.level == MEDIUM:
        decisive = [vulnerability, threat]
    if decisive:
        return Grading(Grade.IMMEDIATE, tuple(because(x) for x in decisive), factors)
    concerns = [x for x in factors[:5] if x.level in (HIGH, MEDIUM)]
    if concerns:
        return Grading(Grade.PRIORITY, tuple(because(x) for x in concerns), factors)
    if engagement.level == LOW:
        return Grading(Grade.RESOLVE, (because(engagement),), factors)
    return Grading(Grade.SCHEDULED, ("no urgency found: attend by appointment",), factors)
