"""Tags and properties: their limits per run, checked before anything is stored."""

from __future__ import annotations

import time

import pytest

from runwatch import Run, ValidationError
from runwatch.core._values import MAX_PROPERTIES, MAX_TAGS, MAX_VALUE_LENGTH


def test_a_million_tags_are_refused_at_once(run: Run) -> None:
    tags = {f"k{i}": "v" for i in range(10**6)}
    started = time.perf_counter()
    with pytest.raises(ValidationError, match=rf"1000000 tags.*at most {MAX_TAGS}"):
        run.set_tags(tags)
    assert time.perf_counter() - started < 1.0
    assert run.get_tags() == {}


def test_tags_add_up_to_the_limit(run: Run) -> None:
    run.set_tags({f"k{i}": str(i) for i in range(MAX_TAGS)})
    with pytest.raises(ValidationError, match=rf"'extra'.*{MAX_TAGS + 1} tags.*{MAX_TAGS}"):
        run.tag("extra", "x")
    run.tag("k0", "changed")  # changing a tag adds none
    run.remove_tags("k1")
    run.tag("extra", "x")
    tags = run.get_tags()
    assert len(tags) == MAX_TAGS and tags["k0"] == "changed" and tags["extra"] == "x"


def test_a_tag_value_over_the_limit(run: Run) -> None:
    run.tag("fits", "v" * MAX_VALUE_LENGTH)
    with pytest.raises(ValidationError, match=rf"tag 'long'.*{MAX_VALUE_LENGTH + 1}.*limit"):
        run.tag("long", "v" * (MAX_VALUE_LENGTH + 1))
    assert list(run.get_tags()) == ["fits"]


def test_properties_add_up_to_the_limit(run: Run) -> None:
    with pytest.raises(ValidationError, match=rf"{MAX_PROPERTIES + 1} properties"):
        run.add_properties({f"p{i}": i for i in range(MAX_PROPERTIES + 1)})
    run.add_properties({f"p{i}": i for i in range(MAX_PROPERTIES)})
    run.add_properties({"p0": 0})  # the same value again adds none
    with pytest.raises(ValidationError, match=rf"'extra'.*at most {MAX_PROPERTIES}"):
        run.add_properties({"extra": 1})
    assert len(run.get_properties()) == MAX_PROPERTIES


def test_a_property_value_over_the_limit(run: Run) -> None:
    with pytest.raises(ValidationError, match=rf"property 'p'.*{MAX_VALUE_LENGTH + 1}"):
        run.add_properties({"p": "x" * (MAX_VALUE_LENGTH + 1)})
    assert run.get_properties() == {}
