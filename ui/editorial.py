"""Which parts of an answer are our words, not the sources': the answer JSON's optional `editorial`
list of `{"start", "end", "kind", "note"}` character ranges of `answer` (a label like "Reports
differ:", a bracketed insertion, a resolved date, "Lavrov said:"). The chat and the Markdown export
both cut the answer with `runs` and mark the editorial runs their own way.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = {"label": "label", "insertion": "inserted words", "date": "resolved date", "attribution": "attribution"}


@dataclass(frozen=True)
class Run:
    """answer[start:end]; `kind` and `note` are set for an editorial run."""

    start: int
    end: int
    kind: str | None = None
    note: str = ""

    def tooltip(self) -> str:
        """"Added by newsrag (resolved date): Friday, from the page's date 2026-06-12"."""
        what = KINDS.get(self.kind or "", self.kind or "")
        return f"Added by newsrag ({what})" + (f": {self.note}" if self.note else "")


def runs(answer: str, editorial: list[dict] | None) -> list[Run]:
    """`answer` cut into consecutive runs, the editorial ones marked; bad or overlapping ranges are
    clipped or dropped (the field is optional: absent or empty gives one plain run)."""
    out, pos = [], 0
    for start, end, kind, note in sorted(_ranges(answer, editorial)):
        start = max(start, pos)
        if end <= start:
            continue
        if start > pos:
            out.append(Run(pos, start))
        out.append(Run(start, end, kind, note))
        pos = end
    if pos < len(answer) or not out:
        out.append(Run(pos, len(answer)))
    return out


def _ranges(answer: str, editorial: list[dict] | None):
    for e in editorial or []:
        try:
            start, end = max(0, int(e["start"])), min(len(answer), int(e["end"]))
        except (KeyError, TypeError, ValueError):
            continue
        if start < end:
            yield start, end, str(e.get("kind") or "label"), str(e.get("note") or "")
