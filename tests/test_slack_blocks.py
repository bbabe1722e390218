"""Block Kit rendering: escaping, links, near copies, and Slack's limits on long answers."""

from __future__ import annotations

from assistant.answer.render import DERIVED_MARK
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
    quote = blocks[3]["text"]["text"]
    assert quote == ">*[1]* Tom &amp; Jerry &lt;!channel&gt; said &lt;https://evil|click&gt; *now*"
    assert "<!channel>" not in str(blocks)
    assert escape("a<b>&c") == "a&lt;b&gt;&amp;c"


def test_a_source_with_a_url_links_to_the_quote_in_the_page():
    c = cite(2, quote="The plant cost 42 million euros and will power 9,000 homes.",
             url="https://news.example/plant?id=1#top", source="Coast | Times")
    line = source_line([c])
    assert line.startswith("*[2]* <https://news.example/plant?id=1#:~:text=The%20plant%20cost%2042,"
                           "will%20power%209%2C000%20homes.|Coast ¦ Times>")
    assert "_Prices_ · 2 May 2024" in line
    assert fragment_link("https://x.example/a", "A short - quote.") == "https://x.example/a#:~:text=A%20short%20%2D%20quote."


def test_near_copies_are_noted_under_their_source():
    near = AlsoIn(article_id="b1", source="Wire <Service>", published="2024-05-03", start=0, end=5, quote="Prices")
    c = cite(1, also_in=[near])
    assert "Also in: Wire &lt;Service&gt;, 3 May 2024" in source_line([c])


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


def test_one_card_per_article_holds_its_quotes():
    a1 = cite(1, quote="First.", article_id="cal", source="Caliber.az", url="https://caliber.example/a")
    b = cite(2, quote="Other.", article_id="blo", source="Bloomberg", published="2020-09-25")
    a2 = cite(3, quote="“He wants Macron to act,” officials said.", article_id="cal", source="Caliber.az",
              url="https://caliber.example/a", also_in=[AlsoIn(article_id="w", source="Wire", start=0, end=3,
                                                                 quote="He")])
    ans = Answer("q", "answered", "Caliber.az, 2 May 2024:\n“First.” [1]\n“He wants Macron to act,” officials said. [3]"
                 "\n\nBloomberg, 25 September 2020:\n“Other.” [2]", [a1, b, a2])
    _, blocks = answer_blocks(ans, "r3")
    assert [blk["type"] for blk in blocks] == ["section", "divider", "context", "section", "section",
                                               "context", "section", "actions"]
    head = blocks[2]["elements"][0]["text"]
    assert head.startswith("*[1] [3]* <https://caliber.example/a#:~:text=First.|Caliber.az>")
    assert "\n[3] also in: Wire" in head
    assert blocks[3]["text"]["text"] == ">*[1]* First."
    assert blocks[4]["text"]["text"] == ">*[3]* “He wants Macron to act,” officials said."
    assert blocks[5]["elements"][0]["text"].startswith("*[2]* *Bloomberg*")


def test_derived_sentences_are_shown_marked_never_as_a_quote():
    ans = Answer("q", "answered", "Harbour Post, 2 May 2024:\n“Prices rose 5% in May.” [1]", [cite(1)],
                 derived=["The Harbour Post reported it first."])
    text, blocks = answer_blocks(ans)
    assert blocks[1] == {"type": "context", "elements": [
        {"type": "mrkdwn", "text": f"{DERIVED_MARK}The Harbour Post reported it first."}]}
    assert text.endswith(f"{DERIVED_MARK}The Harbour Post reported it first.")
    assert not any(b["type"] == "section" and "reported it first" in b["text"]["text"] for b in blocks)
    # already in the answer text (the extractive answerer puts it there): not shown twice
    ans.answer += f"\n\n{DERIVED_MARK}The Harbour Post reported it first."
    assert str(answer_blocks(ans)[1]).count("reported it first") == 1
