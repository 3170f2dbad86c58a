"""Graph algorithms over plain (child, parent) edge lists."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable


def path_upwards(edges: Iterable[tuple[str, str]], start: str, goal: str) -> list[str] | None:
    """The shortest chain start → … → goal following child→parent edges, or None."""
    parents: dict[str, list[str]] = {}
    for child, parent in edges:
        parents.setdefault(child, []).append(parent)
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            chain = [node]
            while previous[chain[-1]] is not None:
                chain.append(previous[chain[-1]])  # type: ignore[arg-type]
            return list(reversed(chain))
        for parent in sorted(parents.get(node, ())):
            if parent not in previous:
                previous[parent] = node
                queue.append(parent)
    return None


def cycle_through_new_edge(edges: Iterable[tuple[str, str]], child: str, parent: str) -> list[str] | None:
    """The cycle that adding child→parent would close, as [child, parent, …, child], or None.

    `edges` are the existing child→parent edges (at least all above `parent`).
    """
    if child == parent:
        return [child, child]
    chain = path_upwards(edges, parent, child)
    if chain is None:
        return None
    return [child, *chain]
