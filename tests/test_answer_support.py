"""The claim support check: a claim's names and numbers in its quote (or, for a pronoun, its
paragraph), its meaning close to the quote's; the labelled pairs and their calibration; the
counts in words."""

from __future__ import annotations

import pytest

from assistant.answer.checked import checked_line
from assistant.answer.support import THRESHOLD, SupportCheck, clauses, names, numbers, paragraph
from evals.claims import DEFAULT_SET, calibrate, load, main, scores

F35 = ("Washington has warned that deploying the S-400 could allow Russia to gather intelligence on the US "
       "fifth-generation F-35 stealth fighter.")
REASON = ("Türkiye argues the S-400 purchase was a necessity after its allies failed to meet its defence "
          "requirements on acceptable terms.")
PROFIT = ("The company made a net profit of 14.2 million crowns in the year to March, compared with a loss of "
          "9.8 million crowns a year earlier.")
SHE = "\"Our balance sheet is the strongest it has been since we were founded,\" she said."
OLVIN = ("Chief financial officer Maret Olvin said the company held 65 million crowns in cash and had no loans due "
         "before 2027. " + SHE)


@pytest.fixture(scope="module")
def check(embeddings):
    return SupportCheck(embeddings)


@pytest.mark.parametrize("claim, expected", [
    ("According to an Elysee official, who also asked not to be named.", ["Elysee"]),
    ("Erdoğan wants Macron to drop his opposition to the SAMP/T system.", ["Erdoğan", "Macron", "SAMP/T"]),
    ("The plant will open in May with 250 workers.", ["May"]),  # a month, not the verb
    ("Approval of the sale could speed up Ankara's plans.", ["Ankara"]),  # a capital only because it opens
    ("Washington refused a Patriot deal.", ["Patriot"]),  # a common word too: lenient where others follow
    ("Erdogan called.", ["Erdogan"]),  # the only capitalised word opens the claim: a name
    ("Doran Hask said so.", ["Doran", "Hask"]),  # a full name opens it
    ("Yes, the US says the S-400 could help Moscow.", ["US", "S-400", "Moscow"]),
    ("It was cheaper than the others.", []),
])
def test_names_of_a_claim(claim, expected):
    assert names(claim) == expected


@pytest.mark.parametrize("text, expected", [
    ("a net profit of 14.2 million crowns", {"14.2"}),
    ("about 1,200 temporary jobs in 2024", {"1200", "2024"}),
    ("within the next two to three years", {"2", "3"}),
    ("one of the reasons", set()),  # "one" is no figure
])
def test_numbers_of_a_text(text, expected):
    assert numbers(text) == expected


@pytest.mark.parametrize("claim, quote, context, shown, supported, why", [
    # the case: a real quote, a sentence beside it about something else
    ("According to an Elysee official, who also asked not to be named.", F35, "", (), False, "Elysee"),
    ("Washington fears the S-400 could let Russia gather intelligence on the F-35.", F35, "", (), True, ""),
    ("Moscow could spy on the F-35 through the S-400, Washington warns.", F35, "", (), True, ""),  # Moscow = Russia
    ("Türkiye says its allies failed to meet its defence requirements.", REASON, "", (), True, ""),  # part of it
    ("Turkey says buying the S-400 was a necessity.", REASON, "", (), True, ""),  # Turkey = Türkiye
    ("Erdogan called Macron to ask for the SAMP/T system.", REASON, "", (), False, "Erdogan"),
    ("The company made a net profit of 14.2 million crowns.", PROFIT, "", (), True, ""),
    ("The company made a net profit of 24.2 million crowns.", PROFIT, "", (), False, "24.2"),
    ("The company made a net profit in 2023.", PROFIT, "", (), False, "2023"),
    # a pronoun in the quote: its paragraph says who "she" is
    ("Maret Olvin said the balance sheet is the strongest since the company was founded.", SHE, OLVIN, (),
     True, ""),
    ("Maret Olvin said the balance sheet is the strongest since the company was founded.", SHE, "", (),
     False, "Maret"),
    ("Doran Hask said the balance sheet is the strongest since the company was founded.", SHE, OLVIN, (),
     False, "Doran"),
    # the citation's own outlet and date are shown with it
    ("Bloomberg reported in 2020 that Türkiye's allies failed to meet its defence requirements.", REASON, "",
     ("Bloomberg", "25 September 2020"), True, ""),
    # names and numbers right, meaning elsewhere
    ("Türkiye argues about the weather on acceptable terms.", REASON, "", (), False, "something else"),
    ("", REASON, "", (), True, ""),  # no sentence: the quote stands alone
])
def test_the_check(check, claim, quote, context, shown, supported, why):
    verdict = check.check(claim, quote, context, shown)
    assert verdict.supported is supported, verdict
    assert why in verdict.reason


def test_the_quote_opening_its_paragraph_takes_the_paragraph_before():
    text = "Erdogan spoke first.\n“He wants Macron to agree,” the officials said.\nAnother paragraph."
    start = text.index("He wants")
    assert paragraph(text, start, start + 10) == "Erdogan spoke first.\n“He wants Macron to agree,” the officials said."
    mid = text.index("Macron")
    assert paragraph(text, mid, mid + 6) == "“He wants Macron to agree,” the officials said."
    last = text.index("Another")
    assert paragraph(text, last + 8, last + 17) == "Another paragraph."


def test_clauses_of_a_quote():
    parts = clauses(REASON)
    assert parts[0] == REASON
    assert "Türkiye argues the S-400 purchase was a necessity" in parts
    assert "after its allies failed to meet its defence requirements on acceptable terms." in parts
    assert all(len(p.split()) >= 4 for p in parts)


def test_the_labelled_pairs_calibrate_to_the_shipped_threshold(embeddings):
    pairs = load(DEFAULT_SET, SupportCheck(embeddings))
    assert len(pairs) >= 80 and {p.supported for p in pairs} == {True, False}
    fit = [p for p in pairs if __import__("evals.split", fromlist=["half"]).half(p.id) == "fit"]
    assert calibrate(fit) == THRESHOLD
    s = scores(pairs, THRESHOLD)
    assert s["precision"] >= 0.9 and s["recall"] >= 0.9
    # every "other fact" pair, the complaint of the issue, is held back
    assert all(not p.supported for p in pairs if p.kind == "other fact")
    assert scores([p for p in pairs if p.kind == "other fact"], THRESHOLD)["shown_unsupported"] == 0


@pytest.mark.parametrize("content, message", [
    ("not json\n", "line 1"),
    ('{"id": "x", "article": "evals/sets/tricky/quillfer-annual-results.txt", "quote": "not in it at all", '
     '"claim": "c", "supported": true}\n', "not in"),
    ('{"id": "x", "article": "nowhere.txt", "quote": "q", "claim": "c", "supported": true}\n', "nowhere"),
])
def test_the_calibration_script_rejects_a_bad_set_with_exit_2(tmp_path, capsys, content, message):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content, encoding="utf-8")
    assert main(["--set", str(bad)]) == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.parametrize("verification, expected", [
    (None, ""),
    ({"proposed": 0, "kept": 0}, ""),
    ({"proposed": 3, "kept": 2, "repaired": 1, "reattributed": 0, "dropped": 1, "supported": 1, "unsupported": 1},
     "Checked: 2 of 3 quotes stand in their articles (1 repaired); 1 claim shown as supported by its quote, "
     "1 held back (its quote does not say it: the quote stands alone)."),
    ({"proposed": 1, "kept": 1, "supported": 1, "unsupported": 0},
     "Checked: 1 of 1 quote stand in their articles; 1 claim shown as supported by its quote."),
])
def test_the_counts_in_words(verification, expected):
    assert checked_line(verification) == expected
