"""What a question asks for: the expected answer type, the named subject or speaker, and who is asked about.

Model-free and fast (a few regular expressions; no spaCy at query time). The answer types map to
the spaCy entity labels stored per sentence at ingest, so "Who...?" can be answered by a PERSON
span of the best statement and "How many...?" by a CARDINAL one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsrag.rag import qtype

# Preferred labels first: "Who...?" is best answered by a person, but "Who demanded...?" may be a country.
LABELS: dict[str, tuple[str, ...]] = {
    "person": ("PERSON", "ORG", "NORP", "GPE"),
    "org": ("ORG", "NORP", "GPE"),
    "date": ("DATE", "TIME"),
    "place": ("GPE", "LOC", "FAC"),
    "number": ("CARDINAL", "QUANTITY", "MONEY", "PERCENT"),
    "duration": ("DATE", "TIME"),
}
_AUX = r"(?!(?:did|does|do|is|are|was|were|will|would|has|have|had|can|could)\b)"
_PREP = r"(on|to|from|in|by|with|at|for|near|under|into|against|over|after|before|during|of|about)"
_LEAD = rf"^\s*(and )?({_PREP} )?(which|what)\s+({_AUX}[\w-]+\s+){{0,3}}?"  # "On which TV ..."
_ORG = re.compile(_LEAD + r"(agency|channel|network|organi[sz]ation|newspaper|outlet|media|company|alliance|body|"
                  r"institution|party|group|ministry|department|council|broadcaster|station)\b", re.I)
_ROLE = ("person|official|minister|diplomat|spokes\\w+|leader|president|secretary|general|ambassador|envoy|"
         "politician|lawmaker|senator|chief|head|negotiator|commander|analyst|expert")
_PERSON = re.compile(_LEAD + rf"({_ROLE})\b", re.I)
_PLACE = re.compile(_LEAD + r"(city|country|capital|town|place|region|village|state)\b", re.I)
_REASON = re.compile(r"^\s*(and )?(why|for what reason|what (was|is|were|are) the reasons?|what caused|how come)\b", re.I)
_LIST = re.compile(r"^\s*(list|name (all|the)|enumerate|what are all)\b", re.I)
_MONEY = re.compile(r"\bhow much (money|did .* cost|does .* cost)|\b(budget|cost|price|worth|dollars?|euros?)\b", re.I)
_PERCENT = re.compile(r"\b(percentage|percent|share|proportion)\b", re.I)
_THINK = ("say", "said", "think", "believe", "claim", "tell", "told", "want", "demand", "argue", "stress", "warn",
          "note", "add", "describe", "view", "see", "propose", "mean", "feel", "consider", "expect", "insist")
_WHO_IS = re.compile(r"^\s*who\s+(?:is|was)\s+(?P<s>[\w’'. -]+?)\s*\??\s*$", re.I)
_SUBJECT_PATTERNS = [
    re.compile(rf"\b(?:did|does|do|has|have|had|will|would|is|was)\s+(?P<s>[\w’'. -]+?)\s+(?:{'|'.join(_THINK)})\w*\b",
               re.I),
    re.compile(r"\b(?:according to|in the (?:view|opinion|words) of)\s+(?P<s>[\w’'. -]+?)(?:,|\?|$)", re.I),
    re.compile(r"\b(?P<s>[\w. -]+?)(?:’s|'s)\s+(?:position|view|stance|opinion|response|reaction|demands?|statement|"
               r"comments?|words|argument|message|warning|assessment|proposal|concerns?)\b", re.I),
    re.compile(r"\bhow (?:does|did|do) (?P<s>[\w’'. -]+?) (?:view|see|feel|describe|assess|respond)\b", re.I),
]
_POSITION = re.compile(r"\b(position|view|stance|opinion|think|believe|feel|thoughts?)\b", re.I)
_SAY = re.compile(r"\b(say|said|says|tell|told|claim|stress|warn|note|insist|argue)\w*\b", re.I)
_ASKS_SPEAKER = re.compile(rf"^\s*(and )?(who|which\s+([\w-]+\s+){{0,3}}?({_ROLE}))\s+"
                           r"(\w+\s+)?(said|says|say|told|tell|warned|stressed|noted|added|argued|claimed|insisted|"
                           r"stated|announced|confirmed|declared)\b", re.I)
_NAME = re.compile(r"(?:[A-Z][\w’'.-]*)(?:\s+(?:of\s+)?[A-Z][\w’'.-]*)*")
_LEADING = re.compile(r"^(the|a|an|what|who|which|did|does|do)\s+", re.I)


_WH = r"(when|where|who|why|how many|how much|what time|on what date)"
_TWO_WH = re.compile(rf"^\s*{_WH}\s+and\s+{_WH}\s+(?P<rest>.+)$", re.I)


def split_wh(text: str) -> list[str]:
    """"When and where will the talks take place?" -> ["When will the talks…?", "Where will the talks…?"];
    any other question -> [text]."""
    m = _TWO_WH.match(text)
    if not m:
        return [text]
    return [f"{wh[0].upper()}{wh[1:].lower()} {m.group('rest')}" for wh in (m.group(1), m.group(2))]


@dataclass(frozen=True)
class Question:
    """The analysis of one question (see module docstring)."""

    text: str
    answer_type: str | None  # person, org, date, place, number, duration, reason, position, list, or None
    subject: str | None  # "What does Lavrov think?" -> "Lavrov"
    asks_speaker: bool = False  # "Which official said...?": the answer is who spoke

    @property
    def labels(self) -> tuple[str, ...]:
        """spaCy entity labels that can answer it, preferred first (empty for untyped questions)."""
        labels = LABELS.get(self.answer_type or "", ())
        for label, pattern in (("PERCENT", _PERCENT), ("MONEY", _MONEY)):
            if self.answer_type == "number" and pattern.search(self.text):
                return (label,) + tuple(x for x in labels if x != label)
        return labels


def analyze_question(text: str) -> Question:
    """Answer type, subject and whether the speaker is what is asked."""
    subject = find_subject(text)
    return Question(text, answer_type(text, subject), subject, bool(_ASKS_SPEAKER.search(text)))


def answer_type(text: str, subject: str | None = None) -> str | None:
    if _REASON.search(text):
        return "reason"
    if _LIST.search(text):
        return "list"
    if _ORG.search(text):
        return "org"
    if _PERSON.search(text):
        return "person"
    if _PLACE.search(text):
        return "place"
    kind = qtype.expected(text)
    if kind == "name":
        return "person"
    if kind is not None:
        return kind
    if subject and (_POSITION.search(text) or _SAY.search(text)):
        return "position"
    return None


def find_subject(text: str) -> str | None:
    """The person or body the question names as a speaker or holder of a view ("Lavrov", "NATO").

    A description ("Russia's foreign minister", "the top US diplomat", "he") is not a name: who it
    means is for retrieval to find, so it gives no subject.
    """
    for pattern in _SUBJECT_PATTERNS:
        m = pattern.search(text)
        if not m:
            continue
        phrase = m.group("s").strip(" ,.")
        names = [n for n in _NAME.finditer(phrase) if not _LEADING.fullmatch(n.group(0) + " ")]
        if not names:
            return None
        after = re.sub(r"^(’s|'s)", "", phrase[names[-1].end():]).strip()
        return None if after else names[-1].group(0)
    return None


def find_role(text: str) -> "Role | None":
    """The title a question names its speaker by ("Russia's foreign minister" -> "foreign minister" of
    "Russia", "the Kremlin spokesman" -> "kremlin spokesman"), when it names no one; else None."""
    if find_subject(text):
        return None
    for pattern in (_WHO_IS, *_SUBJECT_PATTERNS):
        m = pattern.search(text)
        if not m:
            continue
        owner = re.match(r"^(?:the\s+)?(?P<o>[\w-]+)(?:’s|'s)\s+", m.group("s").strip(" ,."))
        phrase = m.group("s").strip(" ,.")[owner.end():] if owner else m.group("s").strip(" ,.")
        words = [w for w in re.findall(r"[\w-]+", phrase.lower()) if w not in ("the", "a", "an")]
        if words and re.fullmatch(_ROLE, words[-1]):
            return Role(" ".join(words), owner.group("o") if owner else None, pattern is _WHO_IS)
    return None


@dataclass(frozen=True)
class Role:
    """A speaker named by title: "Russia's foreign minister" -> Role("foreign minister", "Russia")."""

    title: str
    owner: str | None = None
    asks_holder: bool = False  # "Who is Russia's defence minister?": the person is the answer

    def __str__(self) -> str:
        return f"{self.owner}’s {self.title}" if self.owner else f"the {self.title}"


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


def _words(name: str) -> list[str]:
    name = re.sub(r"(’s|'s)\b", "", name)
    return [w for w in re.findall(r"[\w-]+", name.lower()) if w not in ("the", "a", "an", "of", "for", "and")]


def _acronym(words: list[str]) -> str:
    return "".join(w[0] for w in words) if len(words) > 1 else ""
