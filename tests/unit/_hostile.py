"""Hostile strings for the tests that check HTML output escapes what users write."""

from __future__ import annotations

import html

from runwatch import Experiment, Run

#: Markup, an attribute break-out, an entity that must stay text, and both quotes.
HOSTILE = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "&amp;",
    'it\'s "quoted"',
)
#: All of them in one string, for a field that holds one value.
ALL = " | ".join(HOSTILE)


def hostile_run(exp: Experiment) -> Run:
    """A failed run with a hostile string in every field a user sets."""
    run = exp.start_logging(display_name=f"display {ALL}")
    run.set_tags({f"tag {ALL}": f"value {ALL}"})
    run.add_properties({f"property {ALL}": f"value {ALL}"})
    run.log(f"metric {ALL}", 1.0)
    run.fail(f"error {ALL}")
    return run


def assert_no_markup(page: str) -> None:
    """No hostile string is in `page` unescaped."""
    assert "<script" not in page and "<img" not in page
    for text in HOSTILE:
        assert text not in page.replace(html.escape(text), ""), f"{text!r} is in {page!r}"


def assert_escaped(page: str, text: str) -> None:
    """`text` is in `page` in its escaped form, and nowhere unescaped."""
    escaped = html.escape(text)
    assert escaped in page, f"{escaped!r} is not in {page!r}"
    assert text not in page.replace(escaped, ""), f"{text!r} is in {page!r} unescaped"
