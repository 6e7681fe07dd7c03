"""What a parsed roster file holds, independent of its format (SIECLE XML or CSV).

Parsers turn each file into one ``ParsedFile``: the rows they could read, the ids they saw
(rejected rows included, so a student whose row was refused is not taken for one who left),
and a French line for every row refused or imported with a field dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

FileKind = Literal["students", "guardians"]
# Where a row is, for the report; a callable when building the text costs (most rows are fine).
Where = str | Callable[[], str]


class RosterFileError(Exception):
    """The whole import is refused: corrupt, foreign or unsafe file. Nothing is written.

    ``message`` is French and meant for the secretariat as is.
    """

    def __init__(self, message: str, *, file_name: str = "") -> None:
        self.message = message
        self.file_name = file_name
        super().__init__(f"{file_name} : {message}" if file_name else message)


@dataclass(frozen=True, slots=True)
class RowIssue:
    """One rejected row, or one field dropped from an imported row."""

    file_name: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file_name}, {self.where} : {self.message}"


@dataclass(slots=True)
class StudentRow:
    external_id: str
    ine: str
    last_name: str
    first_name: str
    birth_date: dt.date
    # None: the file says nothing about classes (no STRUCTURES section), keep what is stored.
    class_name: str | None
    left_on: dt.date | None


@dataclass(slots=True)
class GuardianRow:
    external_id: str
    last_name: str
    first_name: str
    mobile: str
    email: str
    # None: the file does not carry the consent (older exports), keep what is stored.
    accepts_sms: bool | None


@dataclass(slots=True)
class LinkRow:
    student_id: str
    guardian_id: str
    responsibility_level: int
    relationship: str


@dataclass
class ParsedFile:
    kind: FileKind
    name: str
    description: str
    uai: str | None = None
    students: list[StudentRow] = field(default_factory=list)
    guardians: list[GuardianRow] = field(default_factory=list)
    links: list[LinkRow] = field(default_factory=list)
    # Ids of rows present in the file but rejected: their stored rows are left as they are.
    rejected_student_ids: set[str] = field(default_factory=set)
    rejected_guardian_ids: set[str] = field(default_factory=set)
    rejected_links: set[tuple[str, str]] = field(default_factory=set)
    rejections: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    # Student rows (students file) or person rows (guardians file) read, rejected ones included.
    rows_read: int = 0

    def reject(self, where: Where, message: str) -> None:
        self.rejections.append(
            RowIssue(self.name, where if isinstance(where, str) else where(), message)
        )

    def warn(self, where: Where, message: str) -> None:
        self.warnings.append(
            RowIssue(self.name, where if isinstance(where, str) else where(), message)
        )
