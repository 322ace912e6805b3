"""PLACEHOLDER — replaced at merge by the real charts module (matplotlib, issue 13 item 2).

Only the entry point's signature is real: the weekly digest and the monthly review call
it. This stand-in draws no chart; it returns a small valid PNG (a grey square, written
with zlib and struct, no new dependency) so that the digest's image path is exercised
end to end until the integrator drops in the real `bot/charts.py`.
"""

from __future__ import annotations

import datetime
import struct
import zlib

from sqlalchemy.orm import Session

from bot.org import Org

KINDS = ("attainment", "morale", "kudos")


def render_chart_png(session: Session, org: Org, kind: str, locale: str, *,
                     end_week: datetime.date, weeks: int = 8,
                     team: str | None = None) -> bytes:
    """A chart of `kind` over `weeks` weeks ending with the week of `end_week`, as PNG.

    PLACEHOLDER: a 16x16 grey PNG whatever the arguments (an unknown kind is refused,
    as the real module does).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown chart kind {kind!r} (use {', '.join(KINDS)})")
    return _png(16, 16, 0xC0)


def _png(width: int, height: int, grey: int) -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    # Colour type 0 (greyscale), 8 bits; each row starts with filter byte 0.
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + bytes([grey]) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
