"""Block Kit rendering: escaping, links, near copies, and Slack's limits on long answers."""

from __future__ import annotations

from assistant.models import AlsoIn, Answer, Citation
from assistant.slack.blocks import (
    MAX_BLOCKS,
    MAX_FALLBACK,
    MAX_SECTION,
    NO_ANSWER,
    answer_blocks,
    escape,
    fragment_link,
    source_line,
)


def cite(n: int, quote: str = "Prices rose 5% in May.", **kw) -> Citation:
    base = {"article_id": f"a{n}", "quote": quote, "start": 0, "end": len(quote), "title": "Prices",
            "source": "Harbour Post", "published": "2024-05-02T10:00:00"}
    return Citation(n=n, **{**base, **kw})


def test_slack_control_characters_are_escaped_in_text_and_quotes():
    c = cite(1, quote="Tom & Jerry <!channel> said <https://evil|click> *now*")
    ans = Answer("q", "answered", "Tom & Jerry <!channel> [1]", [c])
    text, blocks = answer_blocks(ans, "r1")
    assert text == "Tom &amp; Jerry &lt;!channel&gt; [1]"
    quote = blocks[2]["text"]["text"]
    assert quote == ">Tom &amp; Jerry &lt;!channel&gt; said &lt;https://evil|click&gt; *now*"
    assert "<!channel>" not in str(blocks)
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"


def test_a_source_with_a_url_links_to_the_quote_in_the_page():
    c = cite(2, quote="The plant cost 42 million euros and will power 9,000 homes.",
             url="https://news.example/plant?id=1#top", source="Coast | Times")
    line = source_line(c)
    assert line.startswith("*[2]* <https://news.example/plant?id=1#:~:text=The%20plant%20cost%2042,"
                           "will%20power%209%2C000%20homes.|Coast ¦ Times>")
    assert "_Prices_ · 2 May 2024" in line
    assert fragment_link("https://x.example/a", "A short - quote.") == "https://x.example/a#:~:text=A%20short%20%2D%20quote."


def test_near_copies_are_noted_under_their_source():
    near = AlsoIn(article_id="b1", source="Wire <Service>", published="2024-05-03", start=0, end=5, quote="Prices")
    c = cite(1, also_in=[near])
    assert "Also in: Wire &lt;Service&gt;, 3 May 2024" in source_line(c)


def test_no_answer_is_a_clear_message_not_an_empty_reply():
    text, blocks = answer_blocks(Answer("q", "no_answer", "The articles do not say."), "r9")
    assert text == NO_ANSWER and blocks[0]["text"]["text"] == NO_ANSWER
    assert blocks[-1]["type"] == "actions"


def test_a_long_answer_stays_within_slacks_limits():
    citations = [cite(n, quote="word " * 900) for n in range(1, 41)]
    ans = Answer("q", "answered", " ".join(f"claim [{n}]" for n in range(1, 41)) * 40, citations)
    text, blocks = answer_blocks(ans, "r2")
    assert len(blocks) <= MAX_BLOCKS and len(text) <= MAX_FALLBACK
    for b in blocks:
        if b["type"] == "section":
            assert len(b["text"]["text"]) <= MAX_SECTION
    assert "more sources are not shown" in str(blocks[-2]) and blocks[-1]["type"] == "actions"
