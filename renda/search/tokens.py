"""The words of Chinese text as the search index holds them: jieba's search-mode words plus every character and
every pair of characters, so that a two-character word (停车, 路灯) is found also inside a longer one, which
jieba keeps whole."""

from __future__ import annotations

import logging
import re
import tempfile
import threading
import unicodedata
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# A run of Chinese characters, or of ASCII letters and digits: everything else only separates words.
HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
WORD = re.compile(rf"[{HAN}]+|[0-9a-z]+")
HAN_RUN = re.compile(rf"[{HAN}]+")
# More words than a person types into a search box are left out: each costs the index a lookup.
MAX_TERMS = 24

_lock = threading.Lock()
_segmenter: Any = None


def segmenter() -> Any:
    """jieba's tokenizer, loaded once per process, quietly: its dictionary cache goes to the system's temporary
    folder (where jieba keeps it by default, said here so that no version of it writes elsewhere)."""
    global _segmenter
    if _segmenter is None:
        with _lock:
            if _segmenter is None:
                with warnings.catch_warnings():  # its old regular expressions warn when compiled afresh
                    warnings.simplefilter("ignore")
                    import jieba
                jieba.setLogLevel(logging.WARNING)  # it tells of loading its dictionary on stderr otherwise
                tokenizer = jieba.Tokenizer()
                tokenizer.tmp_dir = tempfile.gettempdir()
                tokenizer.initialize()
                _segmenter = tokenizer
    return _segmenter


def normalise(text: str) -> str:
    """Full-width letters and digits as ASCII, lower case: what both sides of a search compare."""
    return unicodedata.normalize("NFKC", text).lower()


def _pieces(text: str) -> Iterator[str]:
    """jieba's search-mode words of `text`, split further into runs of Chinese or of letters and digits."""
    for word in segmenter().cut_for_search(text):
        yield from WORD.findall(word)


def document_tokens(text: str) -> list[str]:
    """The tokens `text` is indexed by: jieba's words, then each Chinese character and each pair of them."""
    text = normalise(text)
    tokens = list(_pieces(text))
    for run in HAN_RUN.findall(text):
        tokens.extend(run)
        tokens.extend(run[i:i + 2] for i in range(len(run) - 1))
    return tokens


@dataclass(frozen=True)
class Term:
    """One word every result must hold; a word of letters or digits matches as the start of a token (`zhangm`
    finds 张明华 by pinyin)."""

    text: str
    prefix: bool


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...]
    marks: tuple[str, ...]  # what to highlight in a result: the words typed, longest first


def parse_query(q: str) -> Query:
    """The terms of a typed query, all of which a result must match: jieba's words of it as the index holds
    them (a word of three or more characters by its pairs, which the index always holds), letters and digits
    as prefixes. Nothing of the query's own punctuation survives: it is never search syntax."""
    text = normalise(q)
    terms: dict[Term, None] = {}
    for piece in _pieces(text):
        if piece.isascii():
            terms[Term(piece, True)] = None
        elif len(piece) <= 2:
            terms[Term(piece, False)] = None
        else:
            for i in range(len(piece) - 1):
                terms[Term(piece[i:i + 2], False)] = None
    marks = {*WORD.findall(text), *(t.text for t in terms)}
    return Query(tuple(terms)[:MAX_TERMS], tuple(sorted(marks, key=lambda m: (-len(m), m))))
