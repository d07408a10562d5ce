"""Query and passage terms: the lexical index's own tokeniser (index/terms.py), so a question is
weighed in the same terms the chunks were indexed in."""

from newsrag.index.terms import STOPWORDS, terms

__all__ = ["STOPWORDS", "terms"]
