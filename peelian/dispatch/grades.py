"""The four response grades of the National Contact Management Principles and their attendance targets."""

from enum import IntEnum

from peelian.errors import PeelianError


class Grade(IntEnum):
    """Ordered by urgency, so a lower value is served first from a queue."""

    IMMEDIATE = 0
    PRIORITY = 1
    SCHEDULED = 2
    RESOLVE = 3

    @property
    def label(self) -> str:
        return LABELS[self]

    @classmethod
    def parse(cls, value: "str | int | Grade") -> "Grade":
        """Accept a grade, its number, its name or its label in any case ("resolve without deployment")."""
        if isinstance(value, int):
            return cls(value)
        key = str(value).strip().lower()
        for grade in cls:
            if key in (grade.name.lower(), grade.label.lower()):
                return grade
        raise PeelianError(f"unknown grade {value!r}; use one of: {', '.join(g.label for g in cls)}")


LABELS = {
    Grade.IMMEDIATE: "Immediate",
    Grade.PRIORITY: "Priority",
    Grade.SCHEDULED: "Scheduled",
    Grade.RESOLVE: "Resolve without deployment",
}

# Attendance targets in seconds, as most English and Welsh forces set them (urban): Immediate within
# 15 minutes, Priority within 60. Scheduled calls get an appointment and Resolve calls no attendance.
TARGET_S = {Grade.IMMEDIATE: 15 * 60.0, Grade.PRIORITY: 60 * 60.0}
