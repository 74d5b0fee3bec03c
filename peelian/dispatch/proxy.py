"""A proxy call stream from recorded crimes: the grade a call about each Chicago crime type would likely get.

Recorded crimes are not calls (no caller's words, no hoaxes or concern-for-welfare calls, crimes found by
officers on patrol are included), so this only stands in for a call stream. The mapping follows the
NCMP definitions in ``grading``: violence or its threat, weapons used, serious harm, abduction and fire
are Immediate; other crimes against the person, domestic-abuse orders, snatch thefts and intrusions into
homes are Priority; property crime is Scheduled; fraud and phone or online harassment are resolved
without deployment. Rules are tried in order; the first whose type and description patterns match wins.
"""

import re

import numpy as np
import pandas as pd

from peelian.dispatch.grades import Grade

NOW, P, S, R = Grade.IMMEDIATE, Grade.PRIORITY, Grade.SCHEDULED, Grade.RESOLVE

# (Primary Type pattern, Description pattern, grade): regular expressions, matched from the start.
CHICAGO_RULES: tuple[tuple[str, str, Grade], ...] = (
    ("HOMICIDE", "", NOW),
    ("ROBBERY", "", NOW),
    ("(BATTERY|ASSAULT)", ".*AGG", NOW),
    ("(BATTERY|ASSAULT)", "", P),
    ("CRIM SEXUAL ASSAULT", ".*(AGG|PREDATORY)", NOW),
    ("CRIM SEXUAL ASSAULT", "", P),
    ("WEAPONS VIOLATION", ".*(USE|DISCHARGE)", NOW),
    ("WEAPONS VIOLATION", "", P),
    ("KIDNAPPING", "(KIDNAPPING|AGGRAVATED|CHILD ABDUCTION|FORCIBLE)", NOW),
    ("KIDNAPPING", "", P),
    ("ARSON", "(BY FIRE|AGGRAVATED|BY EXPLOSIVE)", NOW),
    ("ARSON", "", P),
    ("BURGLARY", "HOME INVASION", NOW),
    ("BURGLARY", "", P),
    ("OFFENSE INVOLVING CHILDREN", "(CHILD ABDUCTION|ENDANGERING)", NOW),
    ("OFFENSE INVOLVING CHILDREN", "CHILD PORNOGRAPHY", S),
    ("OFFENSE INVOLVING CHILDREN", "", P),
    ("PUBLIC PEACE VIOLATION", "(BOMB THREAT|ARSON THREAT|MOB ACTION)", NOW),
    ("PUBLIC PEACE VIOLATION", "RECKLESS CONDUCT", P),
    ("(HUMAN TRAFFICKING|STALKING|INTIMIDATION|SEX OFFENSE|INTERFERENCE WITH PUBLIC OFFICER)", "", P),
    ("OTHER OFFENSE", "(VIOLATE ORDER|VIOLATION OF CIVIL NO CONTACT|VIO BAIL BOND: DOM)", P),
    ("OTHER OFFENSE", "(TELEPHONE THREAT|HARASSMENT BY|OBSCENE TELEPHONE)", R),
    ("THEFT", "(PURSE-SNATCHING|POCKET-PICKING)", P),
    ("CRIMINAL TRESPASS", "TO RESIDENCE", P),
    ("(DECEPTIVE PRACTICE|NON.?-.?CRIMINAL)", "", R),
)


def chicago_grade(primary: str, description: str) -> Grade:
    """The grade for one Primary Type and Description; Scheduled when no rule matches."""
    for type_pattern, description_pattern, grade in CHICAGO_RULES:
        if re.match(type_pattern, primary) and re.match(description_pattern, description):
            return grade
    return S


def chicago_grades(primary: pd.Series, description: pd.Series) -> np.ndarray:
    """Grades for a whole table, each distinct (type, description) pair graded once."""
    pairs = pd.DataFrame({"p": primary.fillna("").astype(str), "d": description.fillna("").astype(str)})
    codes, unique = pd.factorize(pairs["p"] + "\x1f" + pairs["d"])
    graded = np.array([chicago_grade(*pair.split("\x1f")) for pair in unique], dtype=np.int8)
    return graded[codes]
