"""The extractive answerer: the best sentences of the retrieved passages, quoted verbatim.

No model is needed. Sentences are scored by how much of the question they
cover (IDF-weighted, spelling variants, synonyms and derivations folded), by
cues of the answer type the question asks for (a reason for "why", a date for
"when"), and by the rank of their passage. Quotes are then picked greedily so
that together they cover the question (a multi-part question gets one quote
per part). Near copies across articles merge into one citation with
``also_in``. When the evidence does not cover the question, or misses a name
the question asks about, the answer is ``no_answer`` rather than quotes about
something else.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from assistant.cache import Memo
from assistant.guard import is_injection
from assistant.metadata_answer import answer_metadata, metadata_field
from assistant.models import AlsoIn, Answer, Citation, Passage
from assistant.query import entity_terms, focus_words, mentioned_sources
from assistant.render import NO_ANSWER, render
from assistant.store import Store
from assistant.supersede import superseded
from assistant.text.cues import CUE_REQUIRED, cue, question_type
from assistant.text.dates import MONTHS
from assistant.text.sentences import sentence_spans
from assistant.text.terms import analyse, expansions, related_terms, terms

CONTEXT_WEIGHT = 0.5
OUTLET_FLOOR = 0.3  # a named outlet's best sentence is quoted when it scores this share of the best
UNKNOWN_WORD_FACTOR = 0.85
ANALYSIS_CACHE = 50_000  # sentences whose analysis is kept (~25 MB at most)


@dataclass
class ComposerConfig:
    """The knobs of the extractive answerer (tuned on the eval sets)."""

    min_cover: float = 0.55  # share of the question's weighted terms the evidence must cover...
    single_terms: float = 2.0  # ...one sentence is expected to cover about this many terms of a long question
    cue_weight: float = 0.35  # how much carrying the asked-for kind of answer (a reason, a date) counts
    gain_weight: float = 0.5  # how much covering a part of the question no quote covers yet counts
    max_quotes: int = 3
    relative_floor: float = 0.75  # further quotes must score this share of the best one...
    other_article_floor: float = 0.6  # ...or this share when they bring another article's account
    near_copy: float = 0.6  # shared content terms (of the shorter sentence) for two sentences to be one fact
    max_quote_chars: int = 600


@dataclass
class _Sentence:
    article_id: str
    start: int
    end: int
    text: str
    terms: frozenset[str]
    content: frozenset[str]  # terms without stopwords, for near-copy tests
    rank: int
    passage: Passage
    figures: frozenset[str] = frozenset()  # numbers and months: near copies must agree on them
    matched: set[str] = field(default_factory=set)  # question term groups in the sentence
    near: set[str] = field(default_factory=set)  # ...only in a neighbouring sentence of its paragraph
    cover: float = 0.0
    score: float = 0.0


@dataclass(frozen=True)
class _Analysis:
    terms: frozenset[str]
    content: frozenset[str]
    figures: frozenset[str]


@dataclass
class _Pick:
    sentence: _Sentence
    start: int
    end: int
    twins: list[_Sentence] = field(default_factory=list)


class ExtractiveComposer:
    """Compose an ``Answer`` from passages, with no model."""

    def __init__(self, store: Store, config: ComposerConfig | None = None) -> None:
        self.store = store
        self.config = config or ComposerConfig()
        # analysed terms of whole articles, for the names check
        self._terms_cache: Memo[tuple[str, str], frozenset[str]] = Memo(1024)  # ~30 kB each
        # a sentence's analysis depends on its text alone: passages recur across questions
        self._analysed: Memo[str, _Analysis | None] = Memo(ANALYSIS_CACHE)

    def compose(self, question: str, passages: list[Passage], context: str = "") -> Answer:
        """Answer from ``passages``; ``context`` (earlier questions) lends a follow-up its subject."""
        abstain = Answer(question=question, status="no_answer", answer=NO_ANSWER)
        if not passages:
            return abstain
        sources = self.store.sources()
        field = metadata_field(question)
        if field:
            found = answer_metadata(question, field, passages, sources, self.store.get_text)
            if found:
                return found
        outlets = mentioned_sources(question, sources)
        groups = self._groups(question, outlets)
        inherited = {g: alts for g, alts in self._groups(context, mentioned_sources(context, sources)).items()
                     if g not in groups}
        groups.update(inherited)
        # a year the passages were published in ("the 2025 article") is met by metadata, not text
        for year in {(p.published or "")[:4] for p in passages}:
            groups.pop(year, None)
        if not groups:
            return abstain
        idf, unknown = self._idf(groups)
        # the word for what is asked (a price, a company, a reply) must be in the evidence
        focus = {t for w in focus_words(question) for t in terms(w) if t in groups}
        if focus & unknown:
            return abstain
        for g in inherited.keys() & idf.keys():  # the follow-up's own words matter more than its context's
            idf[g] *= CONTEXT_WEIGHT
        # words no article uses cannot tell one sentence from another: they leave the coverage
        # sum and only cost a little each ("why is Washington *worried*"), names excepted
        names = {g for g in entity_terms(question, sources) if g in groups}
        for g in unknown - names:
            del groups[g], idf[g]
        unknown_penalty = UNKNOWN_WORD_FACTOR ** len(unknown - names)
        if not groups:
            return abstain
        kind = question_type(question)
        texts = {p.article_id: self.store.get_text(p.article_id) for p in passages}
        stale = superseded(passages, texts)
        sents = self._candidates([p for p in passages if p.article_id not in stale], texts)
        if not sents:
            return abstain
        self._score(sents, groups, idf, kind, texts)
        cfg = self.config
        best = sents[0]
        # one sentence cannot cover a 20-term question: expect about `single_terms` of it
        single_needed = min(cfg.min_cover, cfg.single_terms / len(groups))
        if best.cover * unknown_penalty < single_needed or (kind in CUE_REQUIRED and cue(kind, best.text) == 0.0):
            return abstain
        picks = self._select(sents, kind, texts, idf)
        self._each_outlet(picks, sents, outlets, kind, texts)
        covered = set().union(*(p.sentence.matched | p.sentence.near for p in picks))
        union = sum(idf[g] for g in covered) / (sum(idf.values()) or 1.0)
        # every name or code the question asks about must stand in the quoted articles:
        # quotes about the S-400 do not answer a question about the F-35
        context = set().union(*(self._article_terms(p.sentence.article_id, texts) for p in picks))
        # ...and the asked-for thing must stand in one quote, not be pieced together from several
        # ("share" from one sentence, "price" from another does not give a share price)
        focus_held = any(focus <= p.sentence.matched | p.sentence.near for p in picks)
        if (union * unknown_penalty < min(cfg.min_cover, 2 * single_needed) or not focus_held
                or not all(groups[g] & context for g in names)):
            return abstain
        citations = self._citations(picks, texts)
        return Answer(question=question, status="answered", answer=render(citations), citations=citations)

    def _article_terms(self, article_id: str, texts: dict[str, str]) -> frozenset[str]:
        meta, text = self.store.get_meta(article_id), texts[article_id]
        # the content hash changes with the title or the text: an updated article is analysed anew
        return self._terms_cache.get((article_id, meta["content_hash"] or str(hash(text))),
                                     lambda: frozenset(terms(f"{meta['title'] or ''}\n{text}")))

    # -- scoring -----------------------------------------------------------------
    @staticmethod
    def _groups(question: str, outlets: list[str]) -> dict[str, set[str]]:
        """The question's term groups, less the outlets it names: those are met by metadata."""
        groups = expansions(question)
        for src in outlets:
            for t in terms(src):
                groups.pop(t, None)
        return groups

    def _idf(self, groups: dict[str, set[str]]) -> tuple[dict[str, float], set[str]]:
        """IDF of each group (its most common alternative), and the groups no article uses."""
        n, df = self.store.doc_freq({t for alts in groups.values() for t in alts})
        freq = {g: max(df.get(t, 0) for t in alts) for g, alts in groups.items()}
        idf = {g: math.log(1 + (n - max(1, d) + 0.5) / (max(1, d) + 0.5)) for g, d in freq.items()}
        return idf, {g for g, d in freq.items() if d == 0}

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
                a = self._analyse(sent)
                if a is not None:
                    out.append(_Sentence(p.article_id, s, e, sent, a.terms, a.content, rank, p, a.figures))
        return out

    def _analyse(self, sentence: str) -> _Analysis | None:
        """Terms, content terms and figures of a sentence; None for a planted instruction."""

        def compute() -> _Analysis | None:
            if is_injection(sentence):
                return None
            all_terms, content = analyse(sentence)
            return _Analysis(frozenset(all_terms), frozenset(content), frozenset(_figures(sentence)))

        return self._analysed.get(sentence, compute)

    def _score(self, sents: list[_Sentence], groups: dict[str, set[str]], idf: dict[str, float], kind: str,
               texts: dict[str, str]) -> None:
        """Coverage and score of every candidate sentence; sorts them best first."""
        total = sum(idf.values()) or 1.0
        wanted = related_terms(groups, set().union(*(s.terms for s in sents)))
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
                c = cue(kind, s.text)
                # a "why" sentence without a reason (a "when" without a date) barely answers
                missing = 0.7 if kind in CUE_REQUIRED and c == 0.0 else 1.0
                # the cue amplifies coverage, it does not replace it: "due to vote" is no reason
                s.score = short * missing * s.cover * (1 + self.config.cue_weight * c) + 0.08 / (1 + s.rank)
        sents.sort(key=lambda s: s.score, reverse=True)

    # -- selection ---------------------------------------------------------------
    def _select(self, sents: list[_Sentence], kind: str, texts: dict[str, str], idf: dict[str, float]) -> list[_Pick]:
        """Greedy: the best sentence, then those that add most of what is still uncovered."""
        cfg = self.config
        total = sum(idf.values()) or 1.0
        top = sents[0].score
        picks = [_Pick(sents[0], *self._extend(sents[0], kind, texts[sents[0].article_id]))]
        covered = set(sents[0].matched)
        pool = sents[1:]
        while len(picks) < cfg.max_quotes and pool:
            def value(s: _Sentence, covered: set[str] = covered) -> float:
                return s.score + cfg.gain_weight * sum(idf[g] for g in s.matched - covered) / total

            pool.sort(key=value, reverse=True)
            s = pool.pop(0)
            new_article = all(p.sentence.article_id != s.article_id for p in picks)
            floor = top * (cfg.other_article_floor if new_article else cfg.relative_floor)
            if value(s) < floor:
                break
            twin = next((p for p in picks if _same_fact(s, p.sentence) >= cfg.near_copy), None)
            if twin is not None:
                _add_twin(twin, s)
                continue
            if any(p.sentence.article_id == s.article_id and p.start <= s.start < p.end for p in picks):
                continue  # already inside a quote extended over it
            picks.append(_Pick(s, *self._extend(s, kind, texts[s.article_id])))
            covered |= s.matched
        # a near copy too weak to be picked still shows where else the fact stands
        for s in sents:
            for p in picks:
                if _same_fact(s, p.sentence) >= cfg.near_copy:
                    _add_twin(p, s)
        return picks

    def _each_outlet(self, picks: list[_Pick], sents: list[_Sentence], outlets: list[str], kind: str,
                     texts: dict[str, str]) -> None:
        """A question that names several outlets asks what each reported: one quote of each named
        outlet that has a fitting sentence, beyond the greedy picks if need be."""
        if len(outlets) < 2:
            return
        top = sents[0].score
        for outlet in outlets:
            if any(p.sentence.passage.source == outlet for p in picks):
                continue
            best = next((s for s in sents if s.passage.source == outlet), None)
            if best is not None and best.score >= OUTLET_FLOOR * top:
                picks.append(_Pick(best, *self._extend(best, kind, texts[best.article_id])))

    def _extend(self, s: _Sentence, kind: str, text: str) -> tuple[int, int]:
        """Take the next sentence of the paragraph into the quote when it carries the answer's cue
        ("...a necessity. Officials point to ... a key reason")."""
        para_end = text.find("\n", s.end)
        nxt = sentence_spans(text, s.end, len(text) if para_end < 0 else para_end)
        if nxt and kind in ("why", "who") and cue(kind, text[nxt[0][0] : nxt[0][1]]) > 0:
            if nxt[0][1] - s.start <= self.config.max_quote_chars:
                return s.start, nxt[0][1]
        return s.start, s.end

    @staticmethod
    def _citations(picks: list[_Pick], texts: dict[str, str]) -> list[Citation]:
        out = []
        for n, pick in enumerate(picks, 1):
            s, p = pick.sentence, pick.sentence.passage
            out.append(Citation(
                n=n, article_id=s.article_id, quote=texts[s.article_id][pick.start : pick.end], start=pick.start,
                end=pick.end, title=p.title, source=p.source, author=p.author, published=p.published, url=p.url,
                also_in=[AlsoIn(article_id=o.article_id, source=o.passage.source, published=o.passage.published,
                                start=o.start, end=o.end, title=o.passage.title, quote=o.text) for o in pick.twins],
            ))
        return out


def _same_fact(a: _Sentence, b: _Sentence) -> float:
    """Shared content terms relative to the shorter sentence: near copies score high. Sentences whose
    numbers or months differ ("opens in March" / "opens in April") are never the same fact."""
    if a.article_id == b.article_id or not a.content or not b.content:
        return 0.0
    if a.figures != b.figures:
        return 0.0
    return len(a.content & b.content) / min(len(a.content), len(b.content))


_FIGURE = re.compile(r"\d+(?:[.,]\d+)*|\b(?:" + "|".join(m.capitalize() for m in MONTHS) + r")\b")


def _figures(text: str) -> set[str]:
    return {f.replace(",", "") for f in _FIGURE.findall(text)}


def _add_twin(pick: _Pick, s: _Sentence) -> None:
    if s.article_id != pick.sentence.article_id and all(o.article_id != s.article_id for o in pick.twins):
        pick.twins.append(s)
