"""Which sentences become quotes: greedily, the best one, then those that add most of what the quotes
so far leave uncovered (a multi-part question gets one quote per part), one of each outlet a
comparison names, and near copies across articles merged into one citation with ``also_in``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.answer.evidence import is_injection
from assistant.answer.extractive.sentences import ExtractiveConfig, Sentence
from assistant.models import AlsoIn, Citation
from assistant.text.cues import cue
from assistant.text.sentences import sentence_spans

# wire copies and reworded copies of one sentence have cosines of 0.94-1.0 on the tricky set and ~0.8 for
# a quote with a bracketed name; sentences that only share words, 0.5-0.74
NEAR_COPY_COSINE = 0.8
OUTLET_SHARE = 0.5  # a named outlet's best sentence is quoted at this share of the quote floor


@dataclass
class Pick:
    sentence: Sentence
    start: int
    end: int
    twins: list[Sentence] = field(default_factory=list)


def select(sents: list[Sentence], kind: str, texts: dict[str, str], idf: dict[str, float],
           cfg: ExtractiveConfig, floor: float, outlets: list[str] = (), article_floor: float | None = None,
           ) -> list[Pick]:
    """The best sentence, then, best first: the best account of each other article whose probability is at
    least ``article_floor`` of the best's (a question spanning several articles gets a quote of each);
    then further sentences of quoted articles, at least ``floor`` and ``cfg.same_article_share`` of the
    best. A question naming several outlets may take a quote of each."""
    assert cfg.max_quotes is not None and cfg.same_article_share is not None  # model.with_fitted sets them
    top = sents[0].score
    most = max(cfg.max_quotes, min(cfg.max_quotes_multi, len(outlets)))
    article_floor = floor if article_floor is None else article_floor
    eligible = [s for s in sents if s.score >= min(floor, article_floor) * top]
    picks = [Pick(sents[0], *extend(sents[0], kind, texts[sents[0].article_id], cfg))]
    for further in (False, True):
        for s in eligible[1:]:
            if len(picks) >= most:
                break
            if any(p.sentence is s for p in picks):
                continue
            same_article = [p for p in picks if p.sentence.article_id == s.article_id]
            if bool(same_article) != further:
                continue
            twin = next((p for p in picks if same_fact(s, p.sentence) >= cfg.near_copy), None)
            if twin is not None:
                _add_twin(twin, s)
                continue
            if s.score < (max(floor, cfg.same_article_share) if further else article_floor) * top:
                continue
            start, end = extend(s, kind, texts[s.article_id], cfg)
            if any(p.start < end and start < p.end for p in same_article):
                continue  # overlaps a quote of the article, or lies inside one extended over it
            if any(p.sentence.text == s.text for p in same_article):
                continue  # a line the article repeats ("Do you work at OpenAI? ...") is quoted once
            picks.append(Pick(s, start, end))
    # a near copy too weak to be picked still shows where else the fact stands
    for s in sents:
        for p in picks:
            if same_fact(s, p.sentence) >= cfg.near_copy:
                _add_twin(p, s)
    return picks


def each_outlet(picks: list[Pick], sents: list[Sentence], outlets: list[str], kind: str, texts: dict[str, str],
                cfg: ExtractiveConfig, floor: float) -> None:
    """A question that names several outlets asks what each reported: one quote of each named
    outlet that has a fitting sentence, beyond the greedy picks if need be."""
    if len(outlets) < 2:
        return
    top = sents[0].score
    for outlet in outlets:
        if any(p.sentence.passage.source == outlet for p in picks):
            continue
        best = next((s for s in sents if s.passage.source == outlet), None)
        if best is not None and best.score >= OUTLET_SHARE * floor * top:
            picks.append(Pick(best, *extend(best, kind, texts[best.article_id], cfg)))


def extend(s: Sentence, kind: str, text: str, cfg: ExtractiveConfig) -> tuple[int, int]:
    """Take the next sentence of the paragraph into the quote when it carries the answer's cue
    ("...a necessity. Officials point to ... a key reason")."""
    para_end = text.find("\n", s.end)
    nxt = sentence_spans(text, s.end, len(text) if para_end < 0 else para_end)
    # the evidence filter vetted the passages' sentences, not this one beyond them: a planted instruction
    # must not ride into a quote on its neighbour's back
    following = text[nxt[0][0] : nxt[0][1]] if nxt else ""
    if following and kind in ("why", "who") and cue(kind, following) > 0 and not is_injection(following):
        if nxt[0][1] - s.start <= cfg.max_quote_chars:
            return s.start, nxt[0][1]
    return s.start, s.end


def citations(picks: list[Pick], texts: dict[str, str]) -> list[Citation]:
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


def same_fact(a: Sentence, b: Sentence) -> float:
    """Shared content terms relative to the shorter sentence: near copies score high. Sentences whose
    numbers or months differ ("opens in March" / "opens in April") are never the same fact, nor are
    sentences that share words but not their meaning ("The terminal project is separate from the Quillfer
    plant" / "The batteries will be built at Quillfer's new plant")."""
    if a.article_id == b.article_id or not a.content or not b.content:
        return 0.0
    if a.figures != b.figures:
        return 0.0
    shared = len(a.content & b.content) / min(len(a.content), len(b.content))
    # the vectors' product only for sentences that share words: most pairs share none
    if shared and a.vector is not None and b.vector is not None and float(a.vector @ b.vector) < NEAR_COPY_COSINE:
        return 0.0
    return shared


def _add_twin(pick: Pick, s: Sentence) -> None:
    if s.article_id != pick.sentence.article_id and all(o.article_id != s.article_id for o in pick.twins):
        pick.twins.append(s)
