"""The verification counts of a model's answer in words, for the front ends that show people a line
(the CLI, Slack); the JSON paths carry the counts themselves (``Answer.verification``)."""

from __future__ import annotations


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def checked_line(verification: dict[str, int] | None) -> str:
    """'Checked: 2 of 3 quotes stand in their articles (1 repaired); 1 claim shown, 1 held back …', or ''."""
    v = verification or {}
    if not v.get("proposed"):
        return ""
    kept, proposed = v.get("kept", 0), v["proposed"]
    fixed = [x for x in (f"{v['repaired']} repaired" if v.get("repaired") else "",
                         f"{v['reattributed']} re-attributed" if v.get("reattributed") else "") if x]
    line = f"Checked: {kept} of {_n(proposed, 'quote', 'quotes')} stand in their articles"
    if fixed:
        line += f" ({', '.join(fixed)})"
    supported, unsupported = v.get("supported", 0), v.get("unsupported", 0)
    if supported or unsupported:
        line += f"; {_n(supported, 'claim', 'claims')} shown as supported by its quote"
        if unsupported:
            line += f", {unsupported} held back (its quote does not say it: the quote stands alone)"
    return line + "."
