"""Physical line numbers of CSV records, so that a quarantined row names its line.

DuckDB numbers CSV records, not physical lines: a quoted value with a newline makes the
two drift apart, and accepted rows carry no number at all. This module splits the file
into records the way RFC 4180 does (a newline ends a record unless it is inside quotes;
`""` inside quotes toggles the quote state twice, so quote *parity* decides) with numpy,
a chunk at a time, and gives each record its first physical line and byte range.

It is only run on files that have quarantined rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

_CHUNK = 64 * 1024 * 1024
_NL = ord("\n")
_QUOTE = ord('"')
_CR = ord("\r")


@dataclass(frozen=True)
class RecordIndex:
    """Records of a CSV file in order, the header included (record 0)."""

    #: First physical line (1-based) of each record.
    first_line: npt.NDArray[np.int64]
    #: Byte offset of each record's first byte, and one past its last (newline excluded).
    start: npt.NDArray[np.int64]
    end: npt.NDArray[np.int64]
    #: Records with no content (blank lines): CSV readers skip them.
    blank: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.first_line)

    def data_records(self) -> npt.NDArray[np.int64]:
        """Indices of the non-blank records after the header: the rows of the file."""
        idx = np.flatnonzero(~self.blank)
        return idx[idx > 0].astype(np.int64)

    def text(self, path: Path, record: int) -> str:
        """The raw text of one record (decoded with replacement characters)."""
        with path.open("rb") as f:
            f.seek(int(self.start[record]))
            data = f.read(int(self.end[record] - self.start[record]))
        return data.decode("utf-8", errors="replace").removesuffix("\r")


def index_records(path: Path) -> RecordIndex:
    """Split `path` into CSV records; see the module docstring."""
    ends: list[npt.NDArray[np.int64]] = []  # byte offset of each record-ending newline
    end_lines: list[npt.NDArray[np.int64]] = []  # its 0-based ordinal among all newlines
    quotes_so_far = 0
    newlines_so_far = 0
    offset = 0
    size = path.stat().st_size
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            buf = np.frombuffer(chunk, dtype=np.uint8)
            nl = np.flatnonzero(buf == _NL)
            quotes = np.flatnonzero(buf == _QUOTE)
            parity = (quotes_so_far + np.searchsorted(quotes, nl)) % 2
            keep = parity == 0
            ends.append(nl[keep].astype(np.int64) + offset)
            end_lines.append(np.flatnonzero(keep).astype(np.int64) + newlines_so_far)
            quotes_so_far += len(quotes)
            newlines_so_far += len(nl)
            offset += len(chunk)
    end = np.concatenate(ends) if ends else np.empty(0, np.int64)
    end_line = np.concatenate(end_lines) if end_lines else np.empty(0, np.int64)
    last_end = int(end[-1]) + 1 if len(end) else 0
    if last_end < size:  # a last record without a final newline
        end = np.append(end, size)
        end_line = np.append(end_line, newlines_so_far)
    start = np.concatenate([[0], end[:-1] + 1]).astype(np.int64) if len(end) else end
    first_line = np.concatenate([[1], end_line[:-1] + 2]).astype(np.int64) if len(end) else end
    if len(start) and start[0] == 0 and size >= 3:
        with path.open("rb") as f:
            if f.read(3) == b"\xef\xbb\xbf":
                start = start.copy()
                start[0] = 3
    length = end - start
    blank = length == 0
    if len(end):
        # A blank line of a CRLF file is a lone "\r".
        ones = np.flatnonzero(length == 1)
        if len(ones):
            with path.open("rb") as f:
                for i in ones:
                    f.seek(int(start[i]))
                    blank[i] = f.read(1) == bytes([_CR])
    return RecordIndex(first_line=first_line, start=start, end=end, blank=blank)
