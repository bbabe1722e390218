"""ingest.clean: boilerplate lines go, article lines stay character for character."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.clean import clean_body, is_boilerplate
from ingest.metadata import parse_document
from tests.inputs import BLOOMBERG, CALIBER

MACRON = (
    "Macron responded by saying that Turkey must clarify its objectives in Syria before deployment of European "
    "made systems could be considered, according to an Elysee official, who also asked not to be named"
)
PARAGRAPH = "The harbour bridge reopened on Tuesday after six months of repairs, the city council said."
LEGEND = "Start 'em 10.0-7.00 6.99 - 5.01 5.00 - 0 Sit 'em"
PARAGRAPH_2 = "Engineers replaced forty steel cables and resurfaced the whole deck, which carries 30,000 cars a day."


def cleaned_sample(path: Path) -> str:
    return clean_body(parse_document(path.read_text(encoding="utf-8")).body)


def lines_of(text: str) -> list[str]:
    return [line for line in text.split("\n") if line]


def assert_only_drops_lines(original: str, cleaned: str) -> None:
    """Every cleaned line is an input line (ends stripped), in the input's order."""
    source = [line.strip() for line in original.split("\n")]
    position = 0
    for line in lines_of(cleaned):
        position = source.index(line, position) + 1  # ValueError: a line that was not in the input


# --- the bundled samples --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "sentence"),
    [
        (CALIBER, "Türkiye argues the S-400 purchase was a necessity after its allies failed to meet its defence "
                  "requirements on acceptable terms."),
        (CALIBER, "“He wants Macron and other leaders he’s meeting at the summit in The Hague to acknowledge Türkiye’s "
                  "value for the security of the continent as NATO’s second-largest army"),
        (CALIBER, "Caliber.Az reports via foreign media."),
        (BLOOMBERG, "Turkey approached France to procure European-made air defense systems, Turkish officials "
                    "familiar with the matter said."),
        (BLOOMBERG, "The US has rejected Turkey’s demand for technology transfer as a part of any Patriot purchase."),
        (BLOOMBERG, MACRON + "."),
    ],
)
def test_cleaned_sample_keeps_article_sentences_verbatim(path, sentence):
    assert sentence in cleaned_sample(path)


@pytest.mark.parametrize(
    ("path", "gone"),
    [
        (CALIBER, "Views:"),
        (CALIBER, "Ссылка скопирована"),
        (CALIBER, "twitter"),
        (CALIBER, "Follow us on Instagram"),
        (CALIBER, "share-line"),
        (CALIBER, "WHAT ARE YOU LOOKING FOR"),
        (CALIBER, "Any use of materials"),
        (CALIBER, "©"),
        (CALIBER, "The most important news of Armenia, Georgia, Turkey and Iran"),
        (CALIBER, "loading"),
        (BLOOMBERG, "ALSO READ"),
        (BLOOMBERG, "READ MORE"),
        (BLOOMBERG, "(PHOTO / AFP)"),
    ],
)
def test_cleaned_sample_drops_boilerplate(path, gone):
    assert gone not in cleaned_sample(path)


def test_caliber_sample_cleans_to_exactly_its_ten_paragraphs():
    paragraphs = cleaned_sample(CALIBER).split("\n\n")
    assert len(paragraphs) == 10
    assert paragraphs[0].startswith("Turkish President Recep Tayyip Erdoğan is expected to urge")
    assert paragraphs[-1].endswith("when they met,” the officials said.")


def test_duplicated_macron_paragraph_of_the_bloomberg_sample_appears_once():
    assert cleaned_sample(BLOOMBERG).count(MACRON) == 1


@pytest.mark.parametrize("path", [CALIBER, BLOOMBERG], ids=["caliber", "bloomberg"])
def test_cleaning_a_sample_only_drops_lines(path):
    body = parse_document(path.read_text(encoding="utf-8")).body
    assert_only_drops_lines(body, clean_body(body))


# --- line rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "twitter", "YouTube", "apple store", "Play Market", "night_theme", "ru", "arm", "search",
        "WHAT ARE YOU LOOKING FOR ?", "REGION", "A+", "A-", "loading", "ads", "print", "copy link",
        "share-lineLiked the story? Share it on social media!", "Follow us on Instagram", "Views: 123",
        "Caliber.az © 2025. .", "© 2024 The Guardian", "All rights reserved.",
        "Any use of materials is allowed only if there is a hyperlink to Caliber.az",
        "ALSO READ: France halts joint missile system over Turkey's Syria operation",
        "READ MORE: Greece, France 'hold joint drills' amid tensions with Turkey",
        "Related: How are people cured of HIV?", "Recommended: Five things to know",
        "MORE: Full list of rookie quarterbacks to start an NFL game in 2023",
        "Advertisement", "ADVERTISEMENT Article continues below this ad", "CLICK HERE TO GET THE FOX NEWS APP",
        "Photograph: Amazon", "Photo by James Trew / Engadget", "(Getty Images)",
        "(Top photo: Ethan Miller / Getty Images)",
        "French President Emmanuel Macron listening in Porticcio, Corsica.(PHOTO / AFP)",
        "Solar wind is constantly streaming out of the sun. (Image credit: NASA/GSFC)",
        "  twitter  ",
    ],
)
def test_is_boilerplate_recognises_site_chrome(line):
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "",
        PARAGRAPH,
        "By the time the bridge reopened, traffic had moved elsewhere.",
        "Search teams found the missing hikers on Tuesday.",
        "UPDATE: The Vikings have ruled Jefferson out, according to NFL Network.",
        "Where to watch: Netflix",
        "(Also, you'll notice a photo of Lionel Messi's jersey hanging in his locker in that tweet below)",
        "Credit: Tatiana Shepeleva / Shutterstock 1) Music will feel the impact of AI before other industries do",
        "The copyright notice © appeared in a court filing that ran to many pages, "
        + "the lawyers said, and it described the case in detail " * 4,
    ],
)
def test_is_boilerplate_keeps_article_lines(line):
    assert not is_boilerplate(line)


# --- text rules -----------------------------------------------------------------------------


def test_lines_keep_their_characters_and_only_lose_whitespace_at_their_ends():
    text = f"  {PARAGRAPH}  \t\n\u200b{PARAGRAPH_2}\u00a0\n"
    assert clean_body(text) == f"{PARAGRAPH}\n{PARAGRAPH_2}"


def test_runs_of_blank_lines_collapse_to_one_and_the_result_is_stripped():
    text = f"\n\n\n{PARAGRAPH}\n\n\n\n   \n{PARAGRAPH_2}\n\n\n"
    assert clean_body(text) == f"{PARAGRAPH}\n\n{PARAGRAPH_2}"


def test_dropped_line_between_paragraphs_leaves_one_blank_line():
    text = f"{PARAGRAPH}\n\nALSO READ: Something else\n\n{PARAGRAPH_2}"
    assert clean_body(text) == f"{PARAGRAPH}\n\n{PARAGRAPH_2}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # exact repeat of a sentence
        (f"{PARAGRAPH}\n\n{PARAGRAPH_2}\n\n{PARAGRAPH}", f"{PARAGRAPH}\n\n{PARAGRAPH_2}"),
        # repeat minus its final period
        (f"{PARAGRAPH}\n\n{PARAGRAPH[:-1]}\n\n{PARAGRAPH_2}", f"{PARAGRAPH}\n\n{PARAGRAPH_2}"),
        # pull quote: a sentence of an earlier paragraph on its own line
        (f"{PARAGRAPH} {PARAGRAPH_2}\n\n{PARAGRAPH_2[:-1]}", f"{PARAGRAPH} {PARAGRAPH_2}"),
        # short repeats and "Label: value" lines recur legitimately in lists and live blogs
        ("Final: 4-2\n\nGoal!\n\nFinal: 4-2\n\nGoal!", "Final: 4-2\n\nGoal!\n\nFinal: 4-2\n\nGoal!"),
        (
            "Where to play: PlayStation 5, Windows PC, and Xbox Series X\nGame two\n"
            "Where to play: PlayStation 5, Windows PC, and Xbox Series X",
            "Where to play: PlayStation 5, Windows PC, and Xbox Series X\nGame two\n"
            "Where to play: PlayStation 5, Windows PC, and Xbox Series X",
        ),
        # an identical line that is not a sentence (a table legend) may label different data
        (f"{LEGEND}\nrow one\n{LEGEND}\nrow two", f"{LEGEND}\nrow one\n{LEGEND}\nrow two"),
    ],
    ids=["exact", "minus-period", "pull-quote", "short", "label", "legend"],
)
def test_repeated_paragraphs(text, expected):
    assert clean_body(text) == expected


def test_short_cyrillic_ui_scrap_is_dropped_from_a_latin_script_article():
    assert clean_body(f"{PARAGRAPH}\nСсылка скопирована\n{PARAGRAPH_2}") == f"{PARAGRAPH}\n{PARAGRAPH_2}"


def test_cyrillic_article_keeps_its_short_lines():
    text = "Мост открыт\n\nМост через гавань снова открыт после ремонта, сообщили в городском совете."
    assert clean_body(text) == text


def test_footer_tagline_between_pieces_of_chrome_is_dropped():
    text = f"{PARAGRAPH}\n\nViews: 12\nREGION\nThe most important news of the harbour towns\nloading"
    assert clean_body(text) == PARAGRAPH


@pytest.mark.parametrize(
    "tail",
    [
        "Advertisement\nTuesday, Oct. 10",  # a closing line after chrome, with nothing after it
        "Schedule for the week\nTuesday, Oct. 10",  # no chrome at all: the article just ends with a list
    ],
)
def test_short_lines_after_the_last_paragraph_are_kept_without_chrome_on_both_sides(tail):
    assert "Tuesday, Oct. 10" in clean_body(f"{PARAGRAPH}\n\n{tail}")


def test_long_line_after_the_footer_chrome_is_kept_even_without_a_final_period():
    long_line = "Both companies still face legal battles with regulators " * 3 + "and more to come"
    assert long_line in clean_body(f"{PARAGRAPH}\n\nwatch now\n\n{long_line}\nloading")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n",
        "twitter\nyoutube",
        f"{PARAGRAPH}\r\n\r\n{PARAGRAPH_2}\r\n",
        f"MENU\n  {PARAGRAPH}  \nViews: 5\n{PARAGRAPH}\nСсылка\n{PARAGRAPH_2}\nREGION\nTagline here\nloading",
        "\n".join(f"Line {i} of a list" if i % 3 else "" for i in range(50)),
    ],
)
def test_cleaning_only_drops_lines(text):
    cleaned = clean_body(text)
    assert_only_drops_lines(text.replace("\r\n", "\n"), cleaned)
    assert cleaned == cleaned.strip()
    assert "\n\n\n" not in cleaned
