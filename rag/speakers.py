"""Speakers in answers: prefer what the asked-about person said, never put words in the wrong mouth,
and name the speaker of a quote ("Lavrov said: “…”").

The speaker of each sentence was found at ingest (index/speech.py, index/analyze.py).
"""

from __future__ import annotations

import re
from typing import Iterable
from dataclasses import replace

from newsrag.rag.evidence import Candidate
from newsrag.rag.question import Role

# Score factor by how a sentence relates to the person asked about; None drops it.
_OWN, _ABOUT, _OTHERS_ABOUT = 1.0, 0.8, 0.6
_TITLE_WORDS = 4  # words of title between the body and the name ("Secretary General")
_SAID = r"(?:said|says|added|told|noted|stressed|warned|argued|insisted|explained|stated|claimed|continued)"
_TRAILING = re.compile(rf"^(?P<q>[“\"](?P<inner>.+?)[,.!?]?[”\"])\s*,?\s*(?P<pronoun>he|she|they|it)(?=\s+{_SAID}\b[^“”\"]*$)", re.S)
_PRONOUN_LEAD = re.compile(r"^(?P<lead>(?:[A-Z][\w ]{0,30},\s*)?)(?P<pronoun>he|she)\b(?=\s+(?:also\s+)?(?:\w+ed|said|told|wrote|says)\b)", re.I)


def speaker_factor(c: Candidate, subject: str) -> float | None:
    """How much a sentence counts for a question about what someone said or thinks.

    Their own statements count fully; a sentence about them without a speaker less; someone else's
    statement about them less again; someone else's words that do not mention them not at all.
    """
    if speaker_matches(subject, c.speaker) or _titled(c.text, c.speaker, subject):
        return _OWN
    if not _mentions(c.text, subject):
        return None
    return _ABOUT if c.speaker is None else _OTHERS_ABOUT


def is_own(c: Candidate, subject: str) -> bool:
    """The sentence reports the asked-about person's (or body's) own words."""
    return speaker_factor(c, subject) == _OWN


def prefer(pool: list[Candidate], subject: str) -> list[Candidate]:
    """The asked-about speaker's own statements first (by score), then the others, their scores
    scaled by `speaker_factor`; sentences that only quote someone else are dropped."""
    own, rest = [], []
    for c in pool:
        factor = speaker_factor(c, subject)
        if factor == _OWN:
            own.append(c)
        elif factor is not None:
            rest.append(replace(c, score=c.score * factor))
    by_score = lambda c: -c.score  # noqa: E731
    return sorted(own, key=by_score) + sorted(rest, key=by_score)


def applies(subject: str | None, position: bool, candidates: list[Candidate]) -> bool:
    """Speaker preference applies to opinion questions about someone (`position`), and to any question
    naming someone who speaks in the evidence ("According to Putin, on whose side is the ball?")."""
    if not subject:
        return False
    return position or any(speaker_matches(subject, c.speaker) for c in candidates)


def speaker_matches(subject: str | None, speaker: str | None) -> bool:
    """Same person or body, by surname or acronym: "Lavrov" ~ "Sergey Lavrov", "NATO" ~ "North Atlantic
    Treaty Organization"; case-insensitive, leading titles ignored."""
    if not subject or not speaker:
        return False
    a, b = _words(subject), _words(speaker)
    if not a or not b:
        return False
    if a[-1] == b[-1] or a[-1] in b or b[-1] in a:
        return True
    return _acronym(a) == "".join(b) or _acronym(b) == "".join(a)


_SKIP = {"the", "a", "an", "of", "for", "and",
         "jr", "sr", "ii", "iii", "iv"}  # generational suffixes: "J. David Cox Sr." is named by "Cox"


def _words(name: str) -> list[str]:
    name = re.sub(r"(’s|'s)\b", "", name)
    return [w for w in re.findall(r"[\w-]+", name.lower()) if w not in _SKIP]


def _acronym(words: list[str]) -> str:
    return "".join(w[0] for w in words) if len(words) > 1 else ""


def holder(role: Role, texts: Iterable[str]) -> str | None:
    """The person the articles give this title ("Foreign Minister Sergey Lavrov" for Russia's "foreign
    minister"): a name of two or three capitalised words right after the title, after no other
    country's name ("British Foreign Minister …" is not Russia's)."""
    title = r"(?:’s|'s)?\s+".join(re.escape(w) for w in role.title.split())  # "Kremlin’s spokesman"
    pattern = re.compile(rf"((?:\S+\s+){{0,2}})\b(?i:{title})\s+([A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+){{1,2}})")
    for text in texts:
        for m in pattern.finditer(text):
            name = m.group(2)
            before = re.split(r"[.!?]\s", m.group(1))[-1]  # this sentence's words only
            others = [w.strip("“”\"’',.") for w in before.split() if w[:1].isupper()]
            if role.owner and any(not w.lower().startswith(role.owner.lower()[:4]) for w in others):
                continue
            return name
    return None


def _titled(text: str, speaker: str | None, subject: str) -> bool:
    """The speaker holds the asked-about body's title in this sentence ("NATO Secretary General Jens
    Stoltenberg" speaks for NATO, "Kremlin’s spokesman Dmitry Peskov" for the Kremlin)."""
    words = [w for w in re.findall(r"[\w-]+", subject) if w[:1].isupper()] or subject.split()
    if not speaker or not words:
        return False
    title = rf"\b{re.escape(words[-1])}(?:’s|'s)?(?:\s+[\w-]+){{0,{_TITLE_WORDS}}}\s+{re.escape(speaker)}"
    return re.search(title, text, re.I) is not None


def _mentions(text: str, subject: str) -> bool:
    words = [w for w in re.findall(r"[\w-]+", subject) if w[:1].isupper()] or subject.split()
    return bool(words) and re.search(rf"\b{re.escape(words[-1])}", text, re.I) is not None


def attributed(text: str, speaker: str | None) -> list[tuple[str, str | None, str]]:
    """The sentence as the answer shows it: its verbatim text, with its speaker named as ours unless it
    names them itself — a bracketed insertion after the pronoun ("he [Sergey Lavrov] said"), or an
    attribution before a quote ("Lavrov said: “…”"). Pieces are (text, editorial kind or None, note)."""
    if not speaker or _names(text, speaker):
        return [(text, None, "")]
    note = f"who is speaking, from the article: {speaker}"
    m = _TRAILING.match(text) or _PRONOUN_LEAD.match(text)
    if m:  # “I hope …,” he said. -> “I hope …,” he [Lavrov] said.   He added… -> He [Lavrov] added…
        at = m.end("pronoun")
        return [(text[:at], None, ""), (f" [{_capital(speaker)}]", "insertion", note), (text[at:], None, "")]
    return [(f"{_capital(speaker)} said: ", "attribution", note), (text, None, "")]


def _capital(name: str) -> str:
    return name[:1].upper() + name[1:]


def _names(text: str, speaker: str) -> bool:
    """True if the sentence itself names the speaker (by the surname: the last word of the name, less
    a suffix such as "Jr.")."""
    words = _words(speaker)
    return bool(words) and re.search(rf"\b{re.escape(words[-1])}\b", text, re.I) is not None


def opens_quote(text: str) -> bool:
    """The sentence opens a quotation it does not close. With straight quotes alone they pair up in
    order, wherever the spaces fall ("… I am there, "he said: closed). Where curly quotes are used too,
    a straight quote opens where a word starts and closes where one ends, so a page mixing the two
    styles (“Now we are feeling…," she said) is read right."""
    if "“" not in text and "”" not in text:
        return text.count('"') % 2 == 1
    return len(_OPENS.findall(text)) > len(_CLOSES.findall(text))


_OPENS = re.compile(r"“|(?<![^\s(\[—–-])\"")
_CLOSES = re.compile(r"”|(?<=[^\s(\[—–-])\"")
