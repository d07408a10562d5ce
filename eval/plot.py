"""The scale bench's growth curves as one SVG (`python -m newsrag.eval.plot scale.json out.svg`).

Three panels over the index size (chunks, log scale): warm p50 against the bare Chroma peer, the
memory of each process, and how soon the next question sees a new article. Plain SVG written by
hand, so the docs need no plotting library.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from xml.sax.saxutils import escape

# (title, unit, [(row key, label, colour, dashed)]) per panel
PANELS = [
    ("warm p50 per question", "ms", [("p50_ms", "newsrag", "#c0392b", False),
                                     ("bare_p50_ms", "bare Chroma encode + query", "#7f8c8d", True)]),
    ("memory (RSS)", "MB", [("ingest_peak_rss_mb", "ingest peak", "#8e44ad", False),
                            ("serving_rss_mb", "serving client", "#c0392b", False),
                            ("server_rss_mb", "Chroma server (ours)", "#2980b9", False),
                            ("bare_client_rss_mb", "bare client", "#7f8c8d", True)]),
    ("next question after another process's ingest", "s", [("next_after_ingest_s", "newsrag", "#c0392b", False)]),
]
W, H, LEFT, TOP, PW, PH, GAP = 980, 330, 60, 40, 250, 200, 70


def svg(rows: list[dict]) -> str:
    """The SVG text for these bench rows (at least one)."""
    if not rows:
        raise ValueError("plot: no rows to draw")
    xs = [r["chunks"] for r in rows]
    lo, hi = math.log10(min(xs)), math.log10(max(xs))
    lo, hi = (lo - 0.1, hi + 0.1) if hi - lo < 0.2 else (lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
           f'<rect width="{W}" height="{H}" fill="white"/>']
    for p, (title, unit, series) in enumerate(PANELS):
        x0 = LEFT + p * (PW + GAP)
        top = _nice(max((r.get(k) or 0) for r in rows for k, *_ in series) * 1.05)

        def at(chunks, value, x0=x0, top=top):
            return (x0 + (math.log10(chunks) - lo) / (hi - lo) * PW, TOP + PH - value / top * PH)

        out.append(f'<text x="{x0}" y="{TOP - 14}" font-weight="bold">{escape(title)}</text>')
        out.append(f'<rect x="{x0}" y="{TOP}" width="{PW}" height="{PH}" fill="none" stroke="#999"/>')
        for i in range(5):  # y ticks
            v = top * i / 4
            y = TOP + PH - v / top * PH
            out.append(f'<line x1="{x0 - 4}" y1="{y:.1f}" x2="{x0}" y2="{y:.1f}" stroke="#999"/>')
            out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{_num(v)}</text>')
        for c in xs:  # x ticks at the measured sizes
            x, _ = at(c, 0)
            out.append(f'<line x1="{x:.1f}" y1="{TOP + PH}" x2="{x:.1f}" y2="{TOP + PH + 4}" stroke="#999"/>')
            out.append(f'<text x="{x:.1f}" y="{TOP + PH + 16}" text-anchor="middle">{_num(c)}</text>')
        out.append(f'<text x="{x0 + PW / 2}" y="{TOP + PH + 32}" text-anchor="middle">chunks (log scale)</text>')
        out.append(f'<text x="{x0 - 44}" y="{TOP + PH / 2}" transform="rotate(-90 {x0 - 44} {TOP + PH / 2})" '
                   f'text-anchor="middle">{unit}</text>')
        for s, (key, label, colour, dashed) in enumerate(series):
            pts = [at(r["chunks"], r[key]) for r in rows if r.get(key) is not None]
            dash = ' stroke-dasharray="5,3"' if dashed else ""
            out.append(f'<polyline data-series="{key}" fill="none" stroke="{colour}" stroke-width="2"{dash} points="'
                       + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts) + '"/>')
            out += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in pts]
            ly = TOP + PH + 48 + 13 * s
            out.append(f'<line x1="{x0}" y1="{ly - 4}" x2="{x0 + 18}" y2="{ly - 4}" stroke="{colour}" stroke-width="2"{dash}/>')
            out.append(f'<text x="{x0 + 24}" y="{ly}">{escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _nice(v: float) -> float:
    """The smallest of 1, 2, 4, 5, 8 x 10^k at or above `v`, so the four y steps read as round numbers."""
    if v <= 0:
        return 1.0
    e = 10 ** math.floor(math.log10(v))
    return next(m * e for m in (1, 2, 4, 5, 8, 10) if m * e >= v)


def _num(v: float) -> str:
    if v >= 1000:
        return f"{v / 1000:.0f}k" if v >= 10000 else f"{v / 1000:.1f}k"
    return f"{v:.0f}" if v >= 10 else f"{v:.2f}".rstrip("0").rstrip(".")


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m newsrag.eval.plot SCALE_JSON OUT_SVG", file=sys.stderr)
        return 2
    Path(args[1]).write_text(svg(json.loads(Path(args[0]).read_text(encoding="utf-8"))), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
