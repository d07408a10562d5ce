"""Who a sentence reports as speaking ("X said", "said X", "according to X", "X told reporters").

Read off spaCy's parse of one sentence: the subject of a speech verb outside quotation marks, named
by the entity that holds it ("Russian Foreign Minister Sergei Lavrov" -> "Sergei Lavrov").
"""

from __future__ import annotations

PRONOUN = "\x00pronoun"  # "he said": resolved to the paragraph's last named speaker (index/analyze.py)

SPEECH_VERBS = frozenset("""
say says said saying tell tells told add adds added note notes noted stress stresses stressed warn warns warned
argue argues argued state states stated explain explains explained claim claims claimed insist insists insisted
announce announces announced declare declares declared emphasize emphasizes emphasized emphasise emphasises
emphasised reiterate reiterates reiterated write writes wrote comment comments commented remark remarks remarked
respond responds responded reply replies replied confirm confirms confirmed acknowledge acknowledges acknowledged
admit admits admitted assert asserts asserted suggest suggests suggested tweet tweets tweeted urge urges urged report reports reported
predict predicts predicted caution cautions cautioned vow vows vowed promise promises promised deny denies denied
""".split())
_PRONOUNS = frozenset(("he", "she", "they", "it"))
_FIRST_PERSON = frozenset(("i", "we", "you", "us", "me"))
_NAME_LABELS = ("PERSON", "ORG", "GPE", "NORP")
_MAX_NP = 8  # an unnamed speaker ("a spokesperson for the National Security Council") up to this many tokens


def speaker_of(doc) -> str:
    """"" if the sentence reports no speech; PRONOUN for "he said"; else the speaker's name."""
    quoted = _quoted(doc)
    found = ""
    for tok in doc:
        if quoted[tok.i]:
            continue
        subject = None
        if tok.lower_ in SPEECH_VERBS and tok.tag_.startswith("VB") and tok.tag_ not in ("VBG", "VBN"):
            subject = _subject(tok)
        elif tok.lower_ == "according" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to":
            subject = next((c for c in doc[tok.i + 1].children if c.dep_ == "pobj"), None)
        if subject is None:
            continue
        name = _name(doc, subject)
        if name and name != PRONOUN:
            return name
        found = found or name
    return found


def _subject(verb):
    """The verb's subject, or the subject of the verb it is coordinated with ("denied ... but said")."""
    for v in (verb, verb.head if verb.dep_ == "conj" else None):
        if v is None:
            continue
        for child in v.children:
            if child.dep_ in ("nsubj", "nsubjpass"):
                return child
    return None


def _name(doc, subject) -> str:
    low = subject.lower_
    if low in _PRONOUNS:
        return PRONOUN
    if low in _FIRST_PERSON or subject.pos_ == "PRON":
        return ""
    tree = range(subject.left_edge.i, subject.right_edge.i + 1)
    ents = [e for e in doc.ents if e.label_ in _NAME_LABELS and e.start in tree]
    own = [e for e in ents if e.start <= subject.i < e.end]
    people = [e for e in ents if e.label_ == "PERSON"]
    for group in (own, people):
        if group:
            return _clean(group[0].text)
    if subject.pos_ == "PROPN":
        left = subject.i
        while left > subject.left_edge.i and doc[left - 1].pos_ == "PROPN" and doc[left - 1].dep_ == "compound":
            left -= 1
        return _clean(doc[left:subject.i + 1].text)
    phrase = doc[subject.left_edge.i:subject.right_edge.i + 1]
    return _clean(phrase.text) if len(phrase) <= _MAX_NP else _clean(doc[subject.left_edge.i:subject.i + 1].text)


def _clean(name: str) -> str:
    name = " ".join(name.split()).strip(" ,;:“”\"'‘’")
    for suffix in ("’s", "'s"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name


def _quoted(doc) -> list[bool]:
    """Per token: inside quotation marks? A sentence whose first mark closes a quote starts inside one."""
    marks = [t for t in doc if t.text in ("“", "”", "\"")]
    state = bool(marks) and marks[0].text == "”"
    out = []
    for tok in doc:
        if tok.text == "“":
            state = True
        elif tok.text == "”":
            out.append(False)
            state = False
            continue
        elif tok.text == "\"":
            state = not state
        out.append(state)
    return out
