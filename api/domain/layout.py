"""A layered drawing of the lineage around a model: ancestors above, direct descendants below.

Plain data in (node ids, child → parent links), plain data out (boxes and line segments in pixels),
so the web view can draw it as inline SVG without Graphviz. Layers by longest path (a parent is
always drawn above every child that is shown), order within a layer by a few barycentre sweeps to
cut crossings, then each layer centred.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.domain.lineage import ParentLink

NODE_WIDTH = 250
NODE_HEIGHT = 62
GAP_X = 28
GAP_Y = 54
MARGIN = 12
SWEEPS = 4


@dataclass(frozen=True)
class Box:
    id: str
    x: int
    y: int
    width: int
    height: int
    layer: int  # 0 the model, > 0 above it, < 0 below it


@dataclass(frozen=True)
class Line:
    child: str
    parent: str
    relation: str
    x1: int  # at the child's top edge
    y1: int
    x2: int  # at the parent's bottom edge
    y2: int

    @property
    def label_x(self) -> int:
        return (self.x1 + self.x2) // 2

    @property
    def label_y(self) -> int:
        return (self.y1 + self.y2) // 2


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    boxes: list[Box]
    lines: list[Line]

    def box(self, node_id: str) -> Box:
        return next(b for b in self.boxes if b.id == node_id)


def _layers(root: str, links: list[ParentLink]) -> dict[str, int]:
    """Root 0; an ancestor one above its highest shown child; a direct child of the root -1."""
    children: dict[str, set[str]] = {}
    parents: dict[str, set[str]] = {}
    below: set[str] = set()
    for link in links:
        if link.parent == root and link.child != root:
            below.add(link.child)
        else:
            children.setdefault(link.parent, set()).add(link.child)
            parents.setdefault(link.child, set()).add(link.parent)
    layer = {root: 0}
    # Kahn's order from the root upwards: a node is placed once all its shown children are placed.
    pending = {node: len(kids) for node, kids in children.items()}
    ready = [root]
    while ready:
        node = ready.pop()
        for parent in sorted(parents.get(node, ())):
            layer[parent] = max(layer.get(parent, 0), layer[node] + 1)
            pending[parent] -= 1
            if pending[parent] == 0:
                ready.append(parent)
    for node in below:
        layer.setdefault(node, -1)
    return layer


def _order(layer: dict[str, int], links: list[ParentLink]) -> dict[int, list[str]]:
    rows: dict[int, list[str]] = {}
    for node in sorted(layer):
        rows.setdefault(layer[node], []).append(node)
    neighbours: dict[str, list[str]] = {}
    for link in links:
        if link.child in layer and link.parent in layer:
            neighbours.setdefault(link.child, []).append(link.parent)
            neighbours.setdefault(link.parent, []).append(link.child)
    position = {node: index / len(row) for row in rows.values() for index, node in enumerate(row)}
    for sweep in range(SWEEPS):
        for level in sorted(rows, reverse=sweep % 2 == 1):
            row = rows[level]

            def barycentre(node: str) -> tuple[float, str]:
                near = [position[n] for n in neighbours.get(node, ()) if layer[n] != level]
                return (sum(near) / len(near) if near else position[node], node)

            rows[level] = row = sorted(row, key=barycentre)
            position.update({node: index / len(row) for index, node in enumerate(row)})
    return rows


def layout(root: str, links: list[ParentLink]) -> Drawing:
    """Boxes for the root and every node in `links`, lines for every link between shown nodes."""
    links = sorted(set(links), key=lambda l: (l.child, l.parent))
    layer = _layers(root, links)
    rows = _order(layer, links)
    widest = max(len(row) for row in rows.values())
    width = widest * NODE_WIDTH + (widest - 1) * GAP_X + 2 * MARGIN
    top = max(rows)
    boxes: dict[str, Box] = {}
    for level, row in rows.items():
        row_width = len(row) * NODE_WIDTH + (len(row) - 1) * GAP_X
        left = (width - row_width) // 2
        y = MARGIN + (top - level) * (NODE_HEIGHT + GAP_Y)
        for index, node in enumerate(row):
            boxes[node] = Box(node, left + index * (NODE_WIDTH + GAP_X), y, NODE_WIDTH, NODE_HEIGHT, level)
    height = MARGIN * 2 + (top - min(rows) + 1) * (NODE_HEIGHT + GAP_Y) - GAP_Y
    lines = []
    for link in links:
        child, parent = boxes.get(link.child), boxes.get(link.parent)
        if child is None or parent is None or child.layer >= parent.layer:
            continue
        lines.append(Line(link.child, link.parent, link.relation,
                          child.x + child.width // 2, child.y, parent.x + parent.width // 2, parent.y + parent.height))
    ordered = sorted(boxes.values(), key=lambda b: (-b.layer, b.x))
    return Drawing(width, height, ordered, lines)
