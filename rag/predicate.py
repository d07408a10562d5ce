"""The asked-about action: "What did Russia demand?" is answered by a sentence in which someone
*demands something* ("…a document that demanded that NATO refuse membership…"), not by one that
only names the demands ("Moscow presented the demands amid tensions…").

The question and the few best sentences are parsed at query time (spaCy tagger and parser over a
handful of sentences: ~10 ms); the stored per-sentence analysis has no syntax.
"""

from __future__ import annotations

from functools import lru_cache

from newsrag.rag.terms import terms

# Dependents that carry what was done, said or asked: an object, a clause, a complement (and a noun
# the small parser takes for an adverbial: "demand from the Alliance a guarantee").
_COMPLEMENTS = frozenset(("dobj", "ccomp", "xcomp", "attr", "oprd", "dative"))
_LIGHT = frozenset(("be", "is", "are", "was", "were", "do", "does", "did", "have", "has", "had", "happen",
                    "happened", "mean", "means"))
_PIPES = ("tok2vec", "tagger", "parser")


def _nlp():
    from newsrag.index.analyze import load_nlp  # loaded once per process, shared with ingest
    return load_nlp()


def _parse(texts: list[str]):
    nlp = _nlp()
    with nlp.select_pipes(enable=[p for p in _PIPES if p in nlp.pipe_names]):
        return list(nlp.pipe(texts))


@lru_cache(maxsize=256)
def asked_verb(question: str) -> frozenset[str]:
    """The terms of the action a "What did X VERB?" question asks the object of (empty if none).

    Only when "what" is the verb's object or clause ("What did Russia demand?", "What does NATO
    want?"); "What is NATO's position?" or "What happened?" ask no action's object.
    """
    words = question.split()
    if not words or words[0].lower() not in ("what", "which"):
        return frozenset()
    doc = _parse([question])[0]
    for tok in doc:
        if tok.tag_.startswith("VB") and tok.dep_ == "ROOT" and tok.lower_ not in _LIGHT:
            if any(c.lower_ in ("what", "which") or c.dep_ in ("dobj", "ccomp") and
                   any(w.lower_ in ("what", "which") for w in c.subtree) for c in tok.children):
                return frozenset(terms(tok.text))
    return frozenset()


def does_action(verb: frozenset[str], texts: list[str], asked: set[str]) -> list[bool]:
    """For each sentence: does it use the asked verb *as a verb* with an object or clause that says
    something beyond the question's own words?"""
    out = []
    for doc in _parse(texts):
        out.append(any(_acts(tok, verb, asked) for tok in doc))
    return out


def _acts(tok, verb: frozenset[str], asked: set[str]) -> bool:
    if not tok.tag_.startswith("VB") or not verb & set(terms(tok.text)):
        return False
    for child in tok.children:
        if child.dep_ in _COMPLEMENTS or child.dep_ == "npadvmod" and child.tag_.startswith("NN"):
            said = set(terms(" ".join(t.text for t in child.subtree)))
            if said - asked - verb:
                return True
    return False
