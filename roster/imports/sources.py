"""Opening what the secretariat uploads: plain XML, the ZIP SIECLE wraps it in, or CSV.

The format is told by the bytes, not the file name. A ZIP is read member by member as a
stream, and every stream is capped (``ROSTER_IMPORT_MAX_BYTES``, 256 MB by default), so a
small archive that inflates to gigabytes stops at the cap instead of filling the memory.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, Literal, cast

from django.conf import settings
from django.utils.translation import gettext as _

from roster.imports.records import RosterFileError

MAX_ZIP_MEMBERS = 10
SNIFF_BYTES = 512

Format = Literal["xml", "csv"]


def max_bytes() -> int:
    return int(settings.ROSTER_IMPORT_MAX_BYTES)


class CappedStream(io.RawIOBase):
    """A read-only stream that refuses to give more than ``limit`` bytes in total."""

    def __init__(self, raw: IO[bytes], *, limit: int, file_name: str, head: bytes = b"") -> None:
        self._raw = raw
        self._limit = limit
        self._file_name = file_name
        self._head = head
        self._given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        wanted = len(buffer)
        if self._head:
            chunk, self._head = self._head[:wanted], self._head[wanted:]
        else:
            try:
                chunk = self._raw.read(wanted)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                raise RosterFileError(
                    _("archive ZIP corrompue : téléchargez à nouveau l'export"),
                    file_name=self._file_name,
                ) from exc
        self._given += len(chunk)
        if self._given > self._limit:
            raise RosterFileError(
                _("fichier trop volumineux une fois décompressé (%(mb)s Mo au plus)")
                % {"mb": self._limit // (1024 * 1024) or 1},
                file_name=self._file_name,
            )
        buffer[: len(chunk)] = chunk
        return len(chunk)


@dataclass
class Document:
    """One file to parse: its display name, its format, and a capped binary stream."""

    name: str
    format: Format
    stream: IO[bytes]


def _sniff(head: bytes, name: str) -> Format:
    """XML if it starts like XML; CSV if its first line is text with a separator."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<") or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "xml"
    first_line = text.split(b"\n", 1)[0].rstrip(b"\r")
    is_text = not any(byte < 0x20 and byte != 0x09 for byte in first_line)
    if is_text and (b";" in first_line or b"," in first_line):
        return "csv"  # its encoding is checked, with a clear message, by the CSV reader
    raise RosterFileError(_unknown_format(), file_name=name)


def _unknown_format() -> str:
    return _(
        "format de fichier non reconnu : attendu un export SIECLE (XML, éventuellement dans "
        "un ZIP) ou un fichier CSV décrit dans la documentation"
    )


def _document(name: str, raw: IO[bytes], limit: int) -> Document:
    head = CappedStream(raw, limit=limit, file_name=name).read(SNIFF_BYTES)
    fmt = _sniff(head, name)
    # A RawIOBase is a binary file the readers accept; typeshed's IO[bytes] is nominal.
    stream = cast(IO[bytes], CappedStream(raw, limit=limit, file_name=name, head=head))
    return Document(name, fmt, stream)


def open_documents(name: str, data: bytes) -> Iterator[Document]:
    """Yield each file inside ``data``: itself, or each member of a ZIP archive."""
    limit = max_bytes()
    if not data.strip():
        raise RosterFileError(_("fichier vide"), file_name=name)
    if not data.startswith(b"PK\x03\x04"):
        if name.lower().endswith(".zip"):
            raise RosterFileError(_("ce fichier n'est pas une archive ZIP valide"), file_name=name)
        yield _document(name, io.BytesIO(data), limit)
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [
            info
            for info in archive.infolist()
            if not info.is_dir() and not info.filename.startswith("__MACOSX/")
        ]
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        OSError,
        ValueError,
        NotImplementedError,
    ) as exc:
        raise RosterFileError(
            _("archive ZIP illisible ou tronquée : téléchargez à nouveau l'export"),
            file_name=name,
        ) from exc
    if not members:
        raise RosterFileError(_("l'archive ZIP est vide"), file_name=name)
    if len(members) > MAX_ZIP_MEMBERS:
        raise RosterFileError(
            _("l'archive ZIP contient trop de fichiers (%(max)s au plus)")
            % {"max": MAX_ZIP_MEMBERS},
            file_name=name,
        )
    with archive:
        for info in members:
            member_name = f"{name} › {info.filename}"
            if info.file_size > limit:
                raise RosterFileError(
                    _("fichier trop volumineux une fois décompressé (%(mb)s Mo au plus)")
                    % {"mb": limit // (1024 * 1024) or 1},
                    file_name=member_name,
                )
            try:
                member = archive.open(info)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError) as exc:
                raise RosterFileError(
                    _("fichier illisible dans l'archive (chiffré ou compression inconnue)"),
                    file_name=member_name,
                ) from exc
            with member:
                yield _document(member_name, member, limit)
