"""The server-side layered layout of the lineage drawing (pure, no app)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from api.domain.layout import layout
from api.domain.lineage import ParentLink


def overlaps(a, b) -> bool:
    return a.x < b.x + b.width and b.x < a.x + a.width and a.y < b.y + b.height and b.y < a.y + a.height


def test_parents_above_children_with_a_merge_and_direct_descendants_below():
    links = [
        ParentLink("org/m", "org/ft", "merge"), ParentLink("org/m", "org/other", "merge"),
        ParentLink("org/ft", "org/base", "finetune"), ParentLink("org/other", "org/base", "adapter"),
        ParentLink("kid/a", "org/m", "quantized"), ParentLink("kid/b", "org/m", "finetune"),
    ]
    drawing = layout("org/m", links)
    box = {b.id: b for b in drawing.boxes}
    assert box["org/m"].layer == 0
    assert box["org/ft"].layer == box["org/other"].layer == 1
    assert box["org/base"].layer == 2
    assert box["kid/a"].layer == box["kid/b"].layer == -1
    assert box["org/base"].y < box["org/ft"].y < box["org/m"].y < box["kid/a"].y
    assert {(line.child, line.parent, line.relation) for line in drawing.lines} == {
        (link.child, link.parent, link.relation) for link in links}
    for line in drawing.lines:  # from the child's top edge up to the parent's bottom edge
        assert line.y1 == box[line.child].y and line.y2 == box[line.parent].y + box[line.parent].height
    assert all(0 <= b.x and b.x + b.width <= drawing.width and b.y + b.height <= drawing.height for b in drawing.boxes)


def test_a_long_chain_puts_each_ancestor_one_layer_higher():
    chain = [f"c/m{i:02d}" for i in range(51)]
    links = [ParentLink(chain[i], chain[i + 1], "finetune") for i in range(50)]
    drawing = layout(chain[0], links)
    layers = {b.id: b.layer for b in drawing.boxes}
    assert [layers[node] for node in chain] == list(range(51))


def test_a_shortcut_edge_still_points_up():
    """base is both a grandparent (via ft) and a direct parent: it goes above ft (longest path)."""
    links = [ParentLink("x/m", "x/ft", "merge"), ParentLink("x/m", "x/base", "merge"),
             ParentLink("x/ft", "x/base", "finetune")]
    box = {b.id: b for b in layout("x/m", links).boxes}
    assert box["x/base"].layer == 2 and box["x/ft"].layer == 1


def test_a_model_alone_is_one_box():
    drawing = layout("solo", [])
    assert [b.id for b in drawing.boxes] == ["solo"] and drawing.lines == []
    assert drawing.width > drawing.boxes[0].width and drawing.height > drawing.boxes[0].height


def test_barycentre_order_keeps_two_families_apart():
    links = [ParentLink("r", "a1", "merge"), ParentLink("r", "b1", "merge"),
             ParentLink("a1", "a2", "finetune"), ParentLink("b1", "b2", "finetune")]
    box = {b.id: b for b in layout("r", links).boxes}
    assert (box["a1"].x < box["b1"].x) == (box["a2"].x < box["b2"].x)  # no crossing


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 14), st.integers(0, 14)), max_size=40), st.integers(0, 5))
def test_any_dag_is_drawn_without_overlaps_and_with_every_edge_pointing_up(pairs, children):
    # A DAG over n0..n14 where an edge always goes from a lower to a higher number; n0 is the root.
    links = {ParentLink(f"n{min(a, b)}", f"n{max(a, b)}", "finetune") for a, b in pairs if a != b}
    reachable, frontier = {"n0"}, ["n0"]
    while frontier:
        node = frontier.pop()
        for link in links:
            if link.child == node and link.parent not in reachable:
                reachable.add(link.parent)
                frontier.append(link.parent)
    shown = [link for link in links if link.child in reachable]
    shown += [ParentLink(f"kid{i}", "n0", "adapter") for i in range(children)]
    drawing = layout("n0", shown)
    assert {b.id for b in drawing.boxes} == reachable | {f"kid{i}" for i in range(children)}
    for i, a in enumerate(drawing.boxes):
        for b in drawing.boxes[i + 1:]:
            assert not overlaps(a, b), (a, b)
    assert len(drawing.lines) == len(shown)
    assert all(line.y2 < line.y1 for line in drawing.lines)
