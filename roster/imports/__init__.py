"""Roster import: SIECLE "BEE" XML exports (plain or zipped) and a CSV format (docs/IMPORT.md).

Files are parsed (``siecle``, ``csv_format``) into format-free rows, compared with the stored
roster into a plan (``plan``: the dry run and its report), and the plan is written in one
transaction with bulk statements (``apply``). Callers use ``roster_import`` only.
"""

from __future__ import annotations

from roster.imports.records import RosterFileError, RowIssue
from roster.imports.report import Counts, ImportReport
from roster.imports.service import roster_import

__all__ = ["Counts", "ImportReport", "RosterFileError", "RowIssue", "roster_import"]
