"""In-transaction subscribers and the action's own save of their columns."""

from __future__ import annotations

import pytest

from sportello.core.events import defer_columns, saved_after


class Subject:
    pass


def test_columns_are_left_to_the_save_that_follows_only_inside_the_block() -> None:
    subject = Subject()
    assert defer_columns(subject, ["update_due"]) is False  # the subscriber writes
    with saved_after(subject) as columns:
        assert defer_columns(subject, ["update_due", "solution_due"]) is True
        assert defer_columns(subject, ("update_due",)) is True
        assert defer_columns(Subject(), ["update_due"]) is False  # another object
    assert columns == {"update_due", "solution_due"}
    assert defer_columns(subject, ["update_due"]) is False


def test_the_block_ends_also_when_the_action_fails() -> None:
    subject = Subject()
    with pytest.raises(RuntimeError), saved_after(subject):
        raise RuntimeError("the action failed")
    assert defer_columns(subject, ["update_due"]) is False
    assert vars(subject) == {}
