"""Task names cut to a column (tui/names.py): both ends kept, no two names shown alike."""

from __future__ import annotations

from medinst_tui import catalog
from medinst_tui.tui.browse.facets import NAME_WIDTH, facet_label
from medinst_tui.tui.names import ELLIPSIS, NameCuts, cut_middle, distinct_cuts


def every_task_name() -> list[str]:
    """The catalog's 163 tasks and the `-zs` twins of the MEDINST32 ones (as `index --hub medinst32`)."""
    tasks = catalog.tasks()
    return list(tasks) + [f"{name}-zs" for name, info in tasks.items() if info.in_medinst32]


def test_a_name_that_fits_is_left_alone() -> None:
    assert cut_middle("MedQA", 17) == "MedQA"
    assert cut_middle("BioASQ-Task-B-yesno", 19) == "BioASQ-Task-B-yesno"


def test_a_cut_keeps_both_ends_and_the_width() -> None:
    assert cut_middle("BioASQ-Task-B-yesno", 17) == "BioASQ-T…-B-yesno"
    assert cut_middle("BioASQ-Task-B-yesno-zs", 17) == "BioASQ-T…yesno-zs"
    assert cut_middle("BioASQ-Task-B-yesno-zs", 10) == "BioAS…o-zs"
    assert cut_middle("BioASQ-Task-B-yesno-zs", 10, head=2) == "Bi…esno-zs"
    assert cut_middle("BioASQ-Task-B-yesno-zs", 1) == ELLIPSIS
    assert cut_middle("BioASQ-Task-B-yesno-zs", 0) == ""
    for width in range(1, 25):
        assert len(cut_middle("BioASQ-Task-B-yesno-zs", width)) == min(width, 22)


def test_the_twins_of_the_issue_stay_apart_where_an_end_cut_merges_them() -> None:
    a, b = "BioASQ-Task-B-yesno", "BioASQ-Task-B-yesno-zs"
    assert a[:16] + "…" == b[:16] + "…"  # what the facets showed before: the same label twice
    cuts = distinct_cuts([a, b], 17)
    assert cuts[a] != cuts[b] and all(len(c) == 17 for c in cuts.values())


def test_clashing_cuts_move_their_cut_point_until_they_differ() -> None:
    # Same first 6 and last 5 characters: the balanced cut at 12 shows both as "BioNLP…GE-EE".
    names = ["BioNLP-2011-GE-EE", "BioNLP-2013-GE-EE"]
    assert cut_middle(names[0], 12) == cut_middle(names[1], 12)
    cuts = distinct_cuts(names, 12)
    assert len(set(cuts.values())) == 2
    assert all(len(c) == 12 and ELLIPSIS in c for c in cuts.values())
    assert cuts["BioNLP-2013-GE-EE"].endswith("3-GE-EE")


def test_no_two_names_of_the_catalog_read_alike_in_the_columns_the_app_uses() -> None:
    names = every_task_name()
    assert len(names) == len(set(names)) > 163
    for width in (12, 15, 17, 20):  # the table's task column (12-20) and the facets' (17)
        cuts = distinct_cuts(names, width)
        assert len(set(cuts.values())) == len(names), width
        assert all(len(shown) <= width for shown in cuts.values())
        assert all(shown == name for name, shown in cuts.items() if len(name) <= width)


def test_name_cuts_answer_per_width_and_cut_unknown_names_too() -> None:
    cuts = NameCuts(["BioASQ-Task-B-yesno", "BioASQ-Task-B-yesno-zs"])
    assert cuts.cut("BioASQ-Task-B-yesno", 17) != cuts.cut("BioASQ-Task-B-yesno-zs", 17)
    assert cuts.cut("MedQA", 12) == "MedQA"
    assert cuts.cut("Some-Task-Not-In-The-Set", 12) == cut_middle("Some-Task-Not-In-The-Set", 12)


def test_a_facet_label_shows_the_cut_name_in_its_fixed_column() -> None:
    label = facet_label("task", "BioASQ-Task-B-yesno-zs", 1234, False)
    assert label.plain == "  " + "BioASQ-T…yesno-zs".ljust(NAME_WIDTH["task"]) + "   1,234"
    given = facet_label("task", "BioASQ-Task-B-yesno-zs", 5, True, shown="BioA…yesno-zs")
    assert given.plain.startswith("● BioA…yesno-zs ")
