"""The question's wording read once, for the analyse stage (rag/query.py): a follow-up made whole, its
intent and topic, the kind of answer expected, who it is about, a title it names someone by, the parts
of "when and where", and what a "how many" question counts.

Model-free and fast (regular expressions; no spaCy at query time). Nothing after the analyse stage
calls these: later stages read the frozen `Query`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsrag.index.terms import terms

# -- intent: what the question wants done (the handlers of rag/intents/ compose it) --------------------
_SOURCES = r"(articles?|outlets?|sources?|reports?|papers?|stories|story|coverage|media)"
_INTENT_RULES = [
    ("summarize", re.compile(
        rf"^\s*(summari[sz]e|sum up|recap|outline)\b|\b(summary|overview|rundown|gist|main points|key points)\b|"
        rf"\bwhat (does|do|did) (each|every|all( the)?|the various|the different) {_SOURCES}\b", re.I)),
    ("compare", re.compile(
        rf"^\s*(compare|contrast)\b|\b(compare|comparison|versus|vs\.?)\b|"
        rf"\b{_SOURCES}\b.*\b(differ|disagree|agree|diverge)|\b(differ|disagree|diverge)\b.*\b{_SOURCES}\b|"
        rf"\bdifferences? between\b", re.I)),
    ("timeline", re.compile(
        r"\b(timeline|chronolog\w*|sequence of events|order of events|key dates|(in )?what order|"
        r"what happen(s|ed) (next|when)|schedule of)\b", re.I)),
    ("outcome", re.compile(
        r"\bwhat (has |have )?(happened|came out of|resulted|was (agreed|decided|achieved|concluded|signed|settled)|"
        r"were the (results?|outcomes?|decisions?|conclusions?)|was the (results?|outcomes?|decisions?|conclusions?))\b|"
        r"\b(outcome|results?|conclusions?) of\b|"
        r"\bwhat did .{1,80}\b(agree|decide|conclude|achieve|sign|settle)\b|"
        r"\b(did|have|has) .{1,80}\b(agree|agreed|decide|decided|reach(ed)? (a|an) (deal|agreement))\b|"
        r"\bwas (a|an|any) (deal|agreement|breakthrough) reached\b|"
        r"\bhow did .{1,60}\b(end|go|turn out|conclude)\b|\b(was|were) (the|their|its) .{1,60}\b(a )?(success|"
        r"failure|successful|productive)\b|"
        r"\b(after|following|since) (the |their |its |this |that )?([\w-]+ ){0,3}(talks|meetings?|summit|negotiations|"
        r"conference|session|vote|election|referendum|hearing|visit)\b|"
        r"\b(did|was|were|led|attended|headed|chaired|signed|participated|took part)\b.{0,80}\b(at|during) "
        r"(the|their|its) ([\w-]+ ){0,3}(talks|meetings?|summit|negotiations|conference|session)\b", re.I)),
    ("list", re.compile(
        r"^\s*(list|name|enumerate|give (me )?(all|the) )\b|"
        r"^\s*(which|what) (\w+ )?\w+[^s\W]s (are|were|do|does|did|have|has|will)\b", re.I)),
]
# Words that say how to answer, not what about: left out of the topic a summary or comparison is about.
_FRAME = frozenset(terms(
    "summarize summarise summary sum up recap outline overview rundown gist main key points compare comparison "
    "contrast versus vs differ differences disagree agree diverge article articles outlet outlets source sources "
    "report reports reported reporting paper papers story stories coverage media number numbers figure figures "
    "estimate estimates count counts give brief briefly short various different every all each "
    "timeline chronology chronological happened happens"))
_QUANTITY = re.compile(r"\b(numbers?|figures?|estimates?|counts?|how (many|much)|totals?|sizes?|amounts?)\b", re.I)


@dataclass(frozen=True)
class Intent:
    """The question's intent; `topic` is what it is about without the framing ("" if nothing is left)."""

    kind: str
    topic: str
    quantity: bool = False  # asks about numbers ("Compare the troop numbers reported")


def detect(question: str) -> Intent:
    """The first matching rule's intent, else "fact"."""
    kind = next((name for name, pattern in _INTENT_RULES if pattern.search(question)), "fact")
    return Intent(kind, topic(question), bool(_QUANTITY.search(question)))


def topic(question: str) -> str:
    """The question's words minus stop words and framing words, in order ("Compare the troop numbers" -> "troop")."""
    words = re.findall(r"[\w’'-]+", question)
    return " ".join(w for w in words if (t := terms(w)) and not set(t) <= _FRAME)


# -- the kind of answer expected (rag/evidence.py `offers` checks whether a sentence has it) ----------
_KINDS = [
    (re.compile(r"^\s*(for )?how long\b", re.I), "duration"),
    (re.compile(r"^\s*(and )?(how (many|much|big|large|far|old|often)|what (number|percentage|share|amount|sum|figure)"
                r")\b", re.I), "number"),
    (re.compile(r"^\s*(and )?(when|what (date|day|month|year|time)|on what (date|day)|in what year|"
                r"in which (year|month))\b", re.I), "date"),
    (re.compile(r"^\s*(and )?(where|(in )?(what|which) (city|country|capital|town|place))\b", re.I), "place"),
    (re.compile(r"^\s*(and )?(who|whom|whose|which (person|official|minister|agency|channel|"
                r"organi[sz]ation|newspaper|outlet|state))\b", re.I), "name"),
]


def expected(question: str) -> str | None:
    """number, date, place, name or duration: the kind of answer asked for; None for any other question."""
    return next((kind for pattern, kind in _KINDS if pattern.search(question)), None)


# -- what "how many/much" counts, and how the figures may be read (rag/intents/conflict.py) -----------
_MONEY = re.compile(r"\b(how much|cost|costs|spend\w*|budget|aid|money|dollars?|funds?|funding|bill)\b|\$", re.I)
_ONE_SPEAKER = re.compile(r"\b(according to|did (he|she|they|\w+) (say|tell|claim)|he|she)\b", re.I)
_CAPITALISED = re.compile(r"\b[A-Z][\w’'-]*\b")


def figures(question: str) -> tuple[bool, bool, frozenset[str]]:
    """How a question about numbers reads: money counts; one speaker's figure is asked ("according to
    Biden", "did he say"); the words and numbers it says itself (not answers)."""
    return (bool(_MONEY.search(question)), bool(_ONE_SPEAKER.search(question)),
            frozenset(re.findall(r"\d[\d,]*(?:\.\d+)?|[a-z]+", question.lower())))


def names(question: str) -> tuple[str, ...]:
    """Capitalised words longer than two letters, not the question's first word, possessive dropped, once
    each: names the articles must know ("Biden", "NATO"), the sides of "Compare Biden and Putin"."""
    words = (m.group(0) for m in _CAPITALISED.finditer(question) if m.start() > 0)
    return tuple(dict.fromkeys(w[:-2] if w.endswith(("’s", "'s")) else w for w in words if len(w) > 2))


# -- bylines: "Who wrote the bike lanes article?", "What did Jon Porter write about FaceTime?" ---------
_ARTICLE = r"(?:article|story|piece|report|column|op-?ed|post)"
_WHO_WROTE = re.compile(
    rf"^\s*(?:who\s+(?:wrote|authored|penned|(?:is|was)\s+(?:the\s+)?(?:author|writer)\s+of)|"
    rf"whose\s+(?:byline\s+is\s+on|{_ARTICLE}\s+is))\s+(?P<about>about\s+)?(?P<topic>.*?)\s*\??\s*$", re.I)
_WHAT_WROTE = re.compile(
    rf"^\s*(?:what|which)\s+(?:{_ARTICLE}s?\s+|stories\s+)?(?:did|has|have)\s+(?P<name>.+?)\s+"
    rf"(?:write|written|author|authored|report|reported)(?:\s+(?:about|on)\s+(?P<topic>.+?))?\s*\??\s*$", re.I)
_FILLER = re.compile(rf"^(?:the|this|that|an?)\s+|\s+{_ARTICLE}$|\s+(?:{_ARTICLE}\s+)?(?:about|on)\s*$", re.I)


@dataclass(frozen=True)
class Byline:
    """A question about who wrote an article (`author` None) or what an author wrote (`author` set)."""

    topic: str  # the article's title words, or what it is about ("" for "Who wrote it?")
    about: bool = False  # "Who wrote about …?": the article retrieval finds on the topic, not by title
    author: str | None = None


def byline(question: str) -> Byline | None:
    if m := _WHO_WROTE.match(question):
        return Byline(_FILLER.sub("", m.group("topic")).strip(), bool(m.group("about")))
    return Byline(m.group("topic") or "", False, m.group("name")) if (m := _WHAT_WROTE.match(question)) else None


def counted(question: str, topic: str) -> frozenset[str]:
    """What a "how many/much" question counts: the words after it up to the first verb, else the topic's terms."""
    m = re.search(r"\bhow (?:many|much)\s+(.*?)(?:\s+(?:are|were|is|was|did|do|does|have|has|had|will|would|"
                  r"could|can|in|on|at|near|by)\b|[?.,]|$)", question, re.I)
    return frozenset(terms(m.group(1) if m and terms(m.group(1)) else topic))


# -- who it is about ------------------------------------------------------------------------------------
_AUX = r"(?!(?:did|does|do|is|are|was|were|will|would|has|have|had|can|could)\b)"
_PREP = r"(on|to|from|in|by|with|at|for|near|under|into|against|over|after|before|during|of|about)"
_LEAD = rf"^\s*(and )?({_PREP} )?(which|what)\s+({_AUX}[\w-]+\s+){{0,3}}?"  # "On which TV ..."
_ROLE = ("person|official|minister|diplomat|spokes\\w+|leader|president|secretary|general|ambassador|envoy|"
         "politician|lawmaker|senator|chief|head|negotiator|commander|analyst|expert")
# "Which agency…?", "Which official…?", "In which city…?", "Why…?", "List…": typed, not someone's position
_TYPED = re.compile(
    _LEAD + r"(agency|channel|network|organi[sz]ation|newspaper|outlet|media|company|alliance|body|institution|party|"
    rf"group|ministry|department|council|broadcaster|station|{_ROLE}|city|country|capital|town|place|region|village|"
    r"state)\b|^\s*(and )?(why|for what reason|what (was|is|were|are) the reasons?|what caused|how come)\b|"
    r"^\s*(list|name (all|the)|enumerate|what are all)\b", re.I)
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
_POSITION = re.compile(r"\b(position|view|stance|opinion|think|believe|feel|thoughts?)\b|"
                       r"\b(say|said|says|tell|told|claim|stress|warn|note|insist|argue)\w*\b", re.I)
_NAME = re.compile(r"(?:[A-Z][\w’'.-]*)(?:\s+(?:of\s+)?[A-Z][\w’'.-]*)*")
_LEADING = re.compile(r"^(the|a|an|what|who|which|did|does|do)\s+", re.I)


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


def asks_position(text: str, subject: str | None) -> bool:
    """"What does Lavrov think?", "What is NATO's position?": what someone says or thinks, answered by their
    own statements rather than a span; never a typed question ("When did Lavrov say…?", "Why…?")."""
    return bool(subject) and expected(text) is None and not _TYPED.search(text) and bool(_POSITION.search(text))


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


# -- the parts of "when and where" ------------------------------------------------------------------
_WH = r"(when|where|who|why|how many|how much|what time|on what date)"
_TWO_WH = re.compile(rf"^\s*{_WH}\s+and\s+{_WH}\s+(?P<rest>.+)$", re.I)


def split_wh(text: str) -> list[str]:
    """"When and where will the talks take place?" -> ["When will the talks…?", "Where will the talks…?"];
    any other question -> [text]."""
    m = _TWO_WH.match(text)
    if not m:
        return [text]
    return [f"{wh[0].upper()}{wh[1:].lower()} {m.group('rest')}" for wh in (m.group(1), m.group(2))]


# -- follow-ups made whole ---------------------------------------------------------------------------
# "When?" after "Where will the talks be held?" asks "When will the talks be held?"; "And Blinken?" after
# "What did Lavrov say about the talks?" asks "What did Blinken say about the talks?"; "Summarize that"
# summarizes what was just asked about. Anything else is left to the history-aware retrieval (`Query.context`).
_ANY_WH = r"(?:when|where|who|whom|why|how many|how much|how long|how|what|which)"
_ANY_AUX = r"(?:did|does|do|is|are|was|were|will|would|has|have|had|can|could|should|may|might)"
_BARE_WH = re.compile(rf"^\s*(?:and|but|so)?\s*(?P<wh>{_ANY_WH})\s*\??\s*$", re.I)
_LEADING_WH = re.compile(
    rf"^\s*(?:(?:in|on|at|to|from|for|by|with) )?(?:(?:what|which|whose) (?!{_ANY_AUX}\b)[\w-]+|how (?:many|much|long)"
    rf"(?: [\w-]+)?|{_ANY_WH})\b", re.I)
_SUBJECT_AFTER = re.compile(rf"^\s+{_ANY_AUX}\s+(?:[A-Z]|(?:the|a|an|he|she|they|it|this|that|these|those|his|her|"
                            rf"their|its)\b)")
_PREPOSITION = re.compile(r"^\s*(?:in|on|at|to|from|for|by|with) ", re.I)
_OTHER = re.compile(r"^\s*(?i:and|what about|how about|and what about)\s+(?i:the\s+)?(?P<x>[A-Z][\w’'.-]*"
                    r"(?:\s+[A-Z][\w’'.-]*)*)\s*\??\s*$")
_PRONOUN_SUMMARY = re.compile(r"^\s*(?:summari[sz]e|sum up|recap)\s+(?:that|this|it|them|those)\s*[.?!]?\s*$", re.I)
_CAPITALS = re.compile(r"\b[A-Z][\w’'.-]*(?:\s+[A-Z][\w’'.-]*)*")


def standalone(question: str, history: list[dict] | None) -> str | None:
    """The follow-up rewritten as a question that stands alone, or None if it is not elliptical."""
    previous = None
    for turn in history or []:
        if isinstance(turn, dict) and turn.get("role") == "user" and isinstance(turn.get("content"), str):
            text = turn["content"].strip()
            if text:
                previous = rewrite(text, previous) or text  # earlier follow-ups resolved in turn
    return rewrite(question, previous) if previous else None


def rewrite(question: str, previous: str | None) -> str | None:
    if not previous:
        return None
    if m := _BARE_WH.match(question):
        lead = _LEADING_WH.match(previous)
        if lead is None or not _SUBJECT_AFTER.match(previous[lead.end():]):
            return None  # "How many troops are…" / "Who will lead…": the wh-words are the subject
        if " " in lead.group(0).strip() and not _PREPOSITION.match(lead.group(0)):
            return None  # "Which official said…": no adverbial to swap
        wh = m.group("wh")
        return f"{wh[0].upper()}{wh[1:].lower()}{previous[lead.end():]}"
    if m := _OTHER.match(question):
        who = find_subject(previous) or _last_name(previous)
        return previous.replace(who, m.group("x"), 1) if who else None
    if _PRONOUN_SUMMARY.match(question):
        return f"Summarize what the articles say about this: {previous}"
    return None


def _last_name(text: str) -> str | None:
    """The last capitalised name in the question, not its first word."""
    names = [m.group(0) for m in _CAPITALS.finditer(text) if m.start() > 0]
    return names[-1] if names else None
