"""The extractive answerer: the best sentences of the retrieved passages, quoted verbatim.

No model is needed. Sentences are scored by how much of the question they
cover (IDF-weighted, spelling variants and synonyms folded), by cues of the
answer type the question asks for (a reason for "why", a date for "when"),
and by the rank of their passage. Near copies across articles merge into one
citation with ``also_in``. When no sentence covers the question well enough,
the answer is ``no_answer`` rather than quotes about something else.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from assistant.models import AlsoIn, Answer, Citation, Passage
from assistant.sentences import sentence_spans
from assistant.store import Store
from assistant.textnorm import QUESTION_WORDS, STOPWORDS, content_terms, expansions, fold, terms

CUE_WEIGHT = 0.35  # how much carrying the asked-for kind of answer (a reason, a date) counts
CUE_REQUIRED = ("why", "when", "how_much")
NO_ANSWER = "The articles do not say. None of the passages found answers this question."

_MONTHS = "january february march april may june july august september october november december".split()
_DATE = re.compile(
    r"\b(\d{4}|(?:" + "|".join(m[:3] for m in _MONTHS) + r")[a-z]*\.?\s+\d{1,2}|\d{1,2}\s+(?:"
    + "|".join(m[:3] for m in _MONTHS) + r")[a-z]*|(?:last|next|this|earlier this|later this)\s+"
    r"(?:year|month|week)|yesterday|today|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b", re.I)
_MONTH_NAME = re.compile(  # case-sensitive: "May" is a month, "may" is not
    r"\b(?:" + "|".join(m.capitalize() for m in _MONTHS) + r"|Sept?\.|Jan\.|Feb\.|Aug\.|Oct\.|Nov\.|Dec\.)(?!\w)")
_NUMBER = re.compile(r"(\$|€|£|¥|\b\d[\d,.]*\s*(?:%|percent|million|billion|trillion|bn|m\b)|\b\d[\d,.]+\b)", re.I)
_CAUSE = re.compile(
    r"\b(because|reason|reasons|due to|owing to|since|necessity|necessary|needs?|forced|in order to|so that|"
    r"as a result|after .{0,40}fail|failed|refus\w*|aim\w*|goal|seek\w*|sought|motivat\w*|argues?|justif\w*)\b",
    re.I)
_PERSON = re.compile(r"\b[A-Z][a-zà-ÿ]+(?:\s+[A-Z][a-zà-ÿ'’]+)+\b")
_WHO_VERB = re.compile(r"\b(said|says|told|according to|asked|urged|wrote|announced|stated|warned)\b", re.I)


def question_type(question: str) -> str:
    q = fold(question).strip()
    for kind, pat in (
        ("how_much", r"\bhow (much|many)\b|\bwhat (is|was) the (price|cost)\b|\bprice of\b|\bcost of\b"),
        ("why", r"\bwhy\b|\bwhat (was|is|were|are) the reasons?\b|\breasons?\b|\bwhat led\b"),
        ("when", r"\bwhen\b|\bwhat (date|year|day|month)\b|\bdate of\b"),
        ("who", r"\bwho\b|\bwhom\b|\bwhose\b"),
        ("where", r"\bwhere\b"),
    ):
        if re.search(pat, q):
            return kind
    if re.match(r"^(is|are|was|were|do|does|did|has|have|had|can|could|will|would|should)\b", q):
        return "yes_no"
    return "what"


def _cue(kind: str, sentence: str) -> float:
    """How well a sentence carries the kind of thing the question asks for (0..1)."""
    if kind == "why":
        return 1.0 if _CAUSE.search(sentence) else 0.0
    if kind == "when":
        return 1.0 if (_DATE.search(sentence) or _MONTH_NAME.search(sentence)) else 0.0
    if kind == "how_much":
        return 1.0 if _NUMBER.search(sentence) else 0.0
    if kind == "who":
        return 1.0 if (_PERSON.search(sentence) or _WHO_VERB.search(sentence)) else 0.0
    return 0.0


@dataclass
class _Sentence:
    article_id: str
    start: int
    end: int
    text: str
    terms: set[str]
    rank: int
    passage: Passage
    cover: float = 0.0
    score: float = 0.0
    matched: set[str] = field(default_factory=set)
    near: set[str] = field(default_factory=set)
    content: set[str] = field(default_factory=set)  # terms without stopwords, for near-copy tests


@dataclass
class ComposerConfig:
    min_cover: float = 0.6  # share of the question's weighted terms the best quote must cover
    max_quotes: int = 3
    relative_floor: float = 0.75  # further quotes must score this share of the best one...
    other_article_floor: float = 0.6  # ...or this share when they bring another article's account
    near_copy: float = 0.6  # weighted overlap at which two sentences count as one fact
    max_quote_chars: int = 600


class ExtractiveComposer:
    """Compose an ``Answer`` from passages, with no model."""

    def __init__(self, store: Store, config: ComposerConfig | None = None) -> None:
        self.store = store
        self.config = config or ComposerConfig()

    def compose(self, question: str, passages: list[Passage]) -> Answer:
        if not passages:
            return Answer(question=question, status="no_answer", answer=NO_ANSWER)
        groups = expansions(question)
        idf = self._idf(groups)
        kind = question_type(question)
        texts = {p.article_id: self.store.get_text(p.article_id) for p in passages}
        sents = self._candidates(passages, texts)
        self._score(sents, groups, idf, kind, texts)
        best = sents[0] if sents else None
        if (best is None or best.cover < self.config.min_cover
                or (kind in ("when", "how_much") and _cue(kind, best.text) == 0.0)):
            return Answer(question=question, status="no_answer", answer=NO_ANSWER)
        chosen = self._select(sents, kind, texts, idf)
        # every name or code the question asks about must stand in the evidence (or its
        # article's title): quotes about the S-400 do not answer a question about the F-35
        covered = set().union(*(c[0].matched | c[0].near for c in chosen))
        for c in chosen:
            covered |= {g for g, alts in groups.items() if alts & set(terms(c[0].passage.title or ""))}
        if not entity_terms(question, self.store.sources()) & set(groups) <= covered:
            return Answer(question=question, status="no_answer", answer=NO_ANSWER)
        citations = self._citations(chosen, texts)
        return Answer(question=question, status="answered", answer=_render(citations), citations=citations)

    def _score(self, sents: list[_Sentence], groups: dict[str, set[str]], idf: dict[str, float], kind: str,
               texts: dict[str, str]) -> None:
        """Coverage and score of every candidate sentence; sorts them best first."""
        total = sum(idf.values()) or 1.0
        vocab = set().union(*(s.terms for s in sents)) if sents else set()
        wanted = {g: {t for t in vocab if any(_related(t, a) for a in alts)} for g, alts in groups.items()}
        by_article: dict[str, list[_Sentence]] = {}
        for s in sents:
            s.matched = {g for g, ts in wanted.items() if ts & s.terms}
            by_article.setdefault(s.article_id, []).append(s)
        for group in by_article.values():
            group.sort(key=lambda x: x.start)
            text = texts[group[0].article_id]
            for i, s in enumerate(group):
                # a term the neighbouring sentence of the paragraph names ("the S-400 ... It was
                # delivered") half-counts: the sentence is about it without repeating it
                for j in (i - 1, i + 1):
                    if 0 <= j < len(group) and "\n" not in text[min(s.start, group[j].start):max(s.end, group[j].end)]:
                        s.near |= group[j].matched - s.matched
                s.cover = (sum(idf[g] for g in s.matched) + 0.5 * sum(idf[g] for g in s.near)) / total
                short = 0.5 if len(s.terms) < 5 else 1.0
                cue = _cue(kind, s.text)
                # a "why" sentence without a reason (a "when" without a date) barely answers
                missing = 0.7 if kind in CUE_REQUIRED and cue == 0.0 else 1.0
                s.score = short * missing * (s.cover + CUE_WEIGHT * cue) + 0.08 / (1 + s.rank)
        sents.sort(key=lambda s: s.score, reverse=True)

    # -- pieces ------------------------------------------------------------------
    def _idf(self, groups: dict[str, set[str]]) -> dict[str, float]:
        n, df = self.store.doc_freq({t for alts in groups.values() for t in alts})
        out = {}
        for g, alts in groups.items():
            d = max(df.get(t, 0) for t in alts)
            out[g] = math.log(1 + (n - d + 0.5) / (d + 0.5))
        return out

    def _candidates(self, passages: list[Passage], texts: dict[str, str]) -> list[_Sentence]:
        seen: set[tuple[str, int]] = set()
        out = []
        for rank, p in enumerate(passages):
            text = texts[p.article_id]
            for s, e in sentence_spans(text, p.start, p.end):
                if (p.article_id, s) in seen:
                    continue
                seen.add((p.article_id, s))
                sent = text[s:e]
                out.append(_Sentence(p.article_id, s, e, sent, set(terms(sent)), rank, p,
                                     content=set(content_terms(sent))))
        return out

    def _select(self, sents: list[_Sentence], kind: str, texts: dict[str, str], idf: dict[str, float]):
        cfg = self.config
        top = sents[0].score
        chosen: list[tuple[_Sentence, int, int, list[_Sentence]]] = []
        for s in sents:
            if len(chosen) >= cfg.max_quotes:
                break
            new_article = all(c[0].article_id != s.article_id for c in chosen)
            floor = top * (cfg.other_article_floor if new_article else cfg.relative_floor)
            if s.score < max(cfg.min_cover * 0.8, floor):
                continue
            twin = next((c for c in chosen if _same_fact(s, c[0], idf) >= cfg.near_copy), None)
            if twin is not None:
                if s.article_id != twin[0].article_id and all(o.article_id != s.article_id for o in twin[3]):
                    twin[3].append(s)
                continue
            if any(c[0].article_id == s.article_id and c[1] <= s.start < c[2] for c in chosen):
                continue
            start, end = self._extend(s, kind, texts[s.article_id])
            chosen.append((s, start, end, []))
        # a near copy that was not strong enough to be chosen still shows where else the fact stands
        for s in sents:
            for c in chosen:
                if (s.article_id != c[0].article_id and all(o.article_id != s.article_id for o in c[3])
                        and _same_fact(s, c[0], idf) >= cfg.near_copy):
                    c[3].append(s)
        return chosen

    def _citations(self, chosen, texts: dict[str, str]) -> list[Citation]:
        citations = []
        for n, (s, start, end, twins) in enumerate(chosen, 1):
            p = s.passage
            quote = texts[s.article_id][start:end]
            citations.append(Citation(
                n=n, article_id=s.article_id, quote=quote, start=start, end=end, title=p.title,
                source=p.source, author=p.author, published=p.published, url=p.url,
                also_in=[AlsoIn(article_id=o.article_id, source=o.passage.source, published=o.passage.published,
                                start=o.start, end=o.end, title=o.passage.title, quote=o.text) for o in twins],
            ))
        return citations

    def _extend(self, s: _Sentence, kind: str, text: str) -> tuple[int, int]:
        """Take the next sentence of the paragraph into the quote when it carries the answer's cue
        ("...a necessity. Officials point to ... a key reason")."""
        para_end = text.find("\n", s.end)
        para_end = len(text) if para_end < 0 else para_end
        nxt = sentence_spans(text, s.end, para_end)
        if nxt and kind in ("why", "who") and _cue(kind, text[nxt[0][0] : nxt[0][1]]) > 0:
            if nxt[0][1] - s.start <= self.config.max_quote_chars:
                return s.start, nxt[0][1]
        return s.start, s.end


def _related(term: str, alt: str) -> bool:
    """Same term, or one derivation of the other (acquire / acquisition, activate / activation)."""
    if term == alt:
        return True
    n = min(len(term), len(alt))
    if n < 5 or term[:4] != alt[:4]:
        return False
    common = 0
    for x, y in zip(term, alt, strict=False):
        if x != y:
            break
        common += 1
    return common >= max(5, n - 1)


_NAME = re.compile(r"[A-ZÀ-Þ][\w’'\-]*|\b[\w\-]*\d[\w\-]*")


def entity_terms(question: str, sources: list[str]) -> set[str]:
    """Analysed terms of the names and codes a question asks about (not outlets or years)."""
    folded_sources = {t for src in sources for t in terms(src)}
    out = set()
    for m in _NAME.finditer(question):
        word = m.group(0)
        if _YEAR.fullmatch(word):
            continue
        for t in terms(word):
            if t not in STOPWORDS and t not in folded_sources and t not in QUESTION_WORDS:
                out.add(t)
    return out


_YEAR = re.compile(r"(19|20)\d\d")


def _same_fact(a: _Sentence, b: _Sentence, idf: dict[str, float]) -> float:
    """Overlap of two sentences' terms relative to the shorter one (near copies score high)."""
    x, y = a.content, b.content
    if not x or not y:
        return 0.0
    return len(x & y) / min(len(x), len(y))


def _when(published: str | None) -> str:
    if not published:
        return ""
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", published)
    if not m:
        return published
    y, mo, d = m.groups()
    return f"{int(d)} {_MONTHS[int(mo) - 1].capitalize()} {y}"


def _render(citations: list[Citation]) -> str:
    lines = []
    for c in citations:
        who = ", ".join(x for x in (c.source or c.title or "", _when(c.published)) if x)
        also = ""
        if c.also_in:
            others = "; ".join(", ".join(x for x in (o.source or "", _when(o.published)) if x) for o in c.also_in)
            also = f" (also in: {others})"
        lines.append(f"{who}: “{c.quote}” [{c.n}]{also}")
    return "\n".join(lines)
