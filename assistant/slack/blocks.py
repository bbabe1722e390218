"""An answer as Slack Block Kit: the text with [n] markers (and any sentence derived from metadata, marked),
then one card an article: its source (markers, outlet, title, date, link, near copies noted) and each of its
quotes as a quote block; then 👍 / 👎 buttons. Within Slack's limits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote as urlquote

from assistant.answer.checked import checked_line
from assistant.answer.render import by_article, derived_lines, numbers, when
from assistant.models import Answer, Citation

MAX_BLOCKS = 50  # Slack's limit per message
MAX_SECTION = 3000  # characters of a section's text
MAX_CONTEXT = 2000  # characters of a context element
MAX_FALLBACK = 3900  # the notification text; Slack truncates beyond 4,000
NO_ANSWER = ("I couldn't find an answer to that in the articles. None of the passages I found answers it, "
             "so I won't quote something nearby.")
SEARCHING = "Searching the articles…"


def escape(text: str) -> str:
    """Slack's three control characters; the rest (*, _, ~, `) is left: quotes are shown as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fragment_link(url: str, quote: str) -> str:
    """A text-fragment link that scrolls the original page to the quote (first and last words for a long one)."""
    def enc(ws: list[str]) -> str:
        # "-" and "," are the directive's own syntax (prefix-, -suffix, start,end): encoded in the text
        return urlquote(" ".join(ws), safe="").replace("-", "%2D")

    words = quote.split()
    directive = enc(words) if len(words) <= 8 else f"{enc(words[:4])},{enc(words[-4:])}"
    return f"{url.split('#', 1)[0]}#:~:text={directive}"


def _link(url: str, label: str) -> str:
    # a URL with | or > would end Slack's <url|label> early: those characters are percent-encoded
    safe_url = url.replace("|", "%7C").replace(">", "%3E").replace("<", "%3C")
    return f"<{safe_url}|{escape(label).replace('|', '¦')}>"


def source_line(group: Sequence[Citation]) -> str:
    """The head of an article's card: its markers, outlet (linked to its first quote), title, date, and
    the other articles that carry one of its quotes."""
    c = group[0]
    label = c.source or c.title or "article"
    head = _link(fragment_link(c.url, c.quote), label) if c.url else f"*{escape(label)}*"
    parts = [f"*{numbers(group)}* {head}"]
    if c.title and c.title != label:
        parts.append(f"_{escape(c.title)}_")
    if c.published:
        parts.append(when(c.published))
    line = " · ".join(parts)
    for q in group:
        if q.also_in:
            others = "; ".join(escape(", ".join(x for x in (o.source or o.title or "", when(o.published)) if x))
                               for o in q.also_in)
            line += f"\n[{q.n}] also in: {others}" if len(group) > 1 else f"\nAlso in: {others}"
    return cut(line, MAX_CONTEXT)


def _quote_block(c: Citation) -> dict[str, Any]:
    # Slack's quote bar sets the quote apart: no quotation marks are added, so none can double
    body = cut(escape(c.quote), MAX_SECTION - 20).replace("\n", "\n>")
    return {"type": "section", "text": {"type": "mrkdwn", "text": f">*[{c.n}]* {body}"}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": cut(text, MAX_CONTEXT)}]}


def feedback_block(record_id: str) -> dict[str, Any]:
    return {"type": "actions", "block_id": "citewise_feedback", "elements": [
        {"type": "button", "action_id": "citewise_feedback_up", "text": {"type": "plain_text", "text": "👍"},
         "value": record_id},
        {"type": "button", "action_id": "citewise_feedback_down", "text": {"type": "plain_text", "text": "👎"},
         "value": record_id},
    ]}


def answer_blocks(answer: Answer, record_id: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks) for an answer."""
    if answer.status == "no_answer" or not answer.citations:
        blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": NO_ANSWER}}]
        if record_id:
            blocks.append(feedback_block(record_id))
        return NO_ANSWER, blocks
    text = escape(answer.answer)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": cut(text, MAX_SECTION)}}]
    extra = derived_lines(answer.answer, answer.derived)
    if extra:
        # derived from the articles' dates, not quoted from them: marked as such, never in a quote block
        blocks.append(_context(escape("\n".join(extra))))
        text = "\n".join([text, *map(escape, extra)])
    blocks.append({"type": "divider"})
    room = MAX_BLOCKS - len(blocks) - (1 if record_id else 0) - 1  # one left for the "not shown" note
    shown = 0
    for group in sorted(by_article(answer.citations), key=lambda g: min(c.n for c in g)):
        if room < 2:
            break
        group = sorted(group, key=lambda c: c.n)[: room - 1]
        blocks.append(_context(source_line(group)))
        blocks.extend(_quote_block(c) for c in group)
        room -= 1 + len(group)
        shown += len(group)
    if shown < len(answer.citations):
        blocks.append(_context(f"{len(answer.citations) - shown} more sources are not shown (Slack's block limit)."))
    checked = checked_line(answer.verification) if answer.backend == "llm" else ""
    if checked and len(blocks) < MAX_BLOCKS - (1 if record_id else 0):
        blocks.append(_context(cut(escape(checked), MAX_CONTEXT)))
    if record_id:
        blocks.append(feedback_block(record_id))
    return cut(text, MAX_FALLBACK), blocks


def apology(reason: str) -> tuple[str, list[dict[str, Any]]]:
    text = f"Sorry, I couldn't answer that just now ({escape(reason)}). Please try again in a moment."
    return text, [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
