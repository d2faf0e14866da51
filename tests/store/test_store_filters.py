"""The filter algebra (store/filters.py): what the facets, chips and titles of both front ends use."""

from __future__ import annotations

import pytest

from medinst_tui.store.filters import Filter


def test_toggle_keeps_the_filter_non_empty() -> None:
    f = Filter().toggled("category", "NER")
    assert f.categories == ("NER",)
    f = f.toggled("task", "MedQA")  # a QA task brings its category along (kinds combine with AND)
    assert f.categories == ("NER", "QA") and f.tasks == ("MedQA",)
    f = f.toggled("category", "QA")  # and dropping the category drops its tasks
    assert f.categories == ("NER",) and f.tasks == ()
    assert Filter().toggled("split", "test").toggled("split", "train").splits == ("train", "test")
    assert Filter(splits=("dev",)).toggled("split", "dev").splits == ()


def test_removing_a_category_chip_takes_its_tasks_along() -> None:
    f = Filter(categories=("NER", "QA"), tasks=("MedQA", "BC5CDR-chem"))
    assert f.without("category", "QA") == Filter(categories=("NER",), tasks=("BC5CDR-chem",))
    assert f.without("category", "RE") == f  # not chosen: nothing to remove
    assert f.without("task", "MedQA").tasks == ("BC5CDR-chem",)
    assert Filter(search="x", medinst32=True).without("search", "x").without("medinst32", "") == Filter()
    with pytest.raises(ValueError):
        f.without("colour", "red")


def test_describe_says_the_filter_in_words() -> None:
    assert Filter().describe() == "all rows"
    f = Filter(categories=("NER",), splits=("test",), medinst32=True, search=" brca ")
    assert f.describe() == "category NER, split test, MEDINST32, search brca"
