"""Write the two sample files the tools-and-files demo attaches: a small bar chart
(PNG) and a one-page report (PDF), built with the standard library only.

The demo copies this script next to the executed notebooks and the notebook runs it
there (``%run make_samples.py``), so the files land in the output directory.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path


def bar_chart_png(values: list[int], width: int = 160, height: int = 100) -> bytes:
    """A white image with one blue bar per value (scaled to the tallest)."""
    bar = width // (2 * len(values) + 1)
    top = max(values)
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")  # filter type: none
        for x in range(width):
            slot = x // bar
            index = (slot - 1) // 2
            is_bar = slot % 2 == 1 and 0 <= index < len(values)
            filled = is_bar and height - y <= values[index] * (height - 10) // top
            row += bytes((40, 90, 200) if filled else (255, 255, 255))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def report_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with ``lines`` of Helvetica text."""
    text = (
        "BT /F1 14 Tf 72 720 Td 18 TL "
        + " ".join(
            "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '"
            for line in lines
        )
        + " ET"
    )
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(text)} >>\nstream\n{text}\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


if __name__ == "__main__":  # `%run make_samples.py` in the demo's working directory
    Path("chart.png").write_bytes(bar_chart_png([12, 18, 21, 17]))
    Path("report.pdf").write_bytes(
        report_pdf(
            [
                "Oslo climate report",
                "Average June temperature: 21 C (mild and dry).",
                "Rainfall was 20 percent below the ten-year mean.",
            ]
        )
    )
    print("Wrote chart.png and report.pdf")
