"""The graph around a model as nodes + edges by index (node 0 is the model), Mermaid or Graphviz DOT."""

from __future__ import annotations

from typing import Any

from api.domain.lineage import ParentLink


def graph(model_id: str, links: list[ParentLink], labels: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Nodes (node 0 is `model_id`, the rest by id) and edges child → parent by node index."""
    others = sorted({end for link in links for end in (link.child, link.parent)} - {model_id})
    order = [model_id, *others]
    index = {node: i for i, node in enumerate(order)}
    nodes = [{"id": node, **labels.get(node, {})} for node in order]
    edges = sorted(
        ({"from": index[link.child], "to": index[link.parent], "relation": link.relation} for link in set(links)),
        key=lambda e: (e["from"], e["to"]),
    )
    return {"nodes": nodes, "edges": edges}


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def mermaid(data: dict[str, Any]) -> str:
    lines = ["graph BT"]
    for i, node in enumerate(data["nodes"]):
        label = node["id"] + (f"<br/>{node['license']}" if node.get("license") else "")
        lines.append(f'  n{i}["{label.replace(chr(34), "#quot;")}"]')
    for edge in data["edges"]:
        lines.append(f"  n{edge['from']} -->|{edge['relation']}| n{edge['to']}")
    lines.append("  style n0 stroke-width:3px")
    return "\n".join(lines) + "\n"


def dot(data: dict[str, Any]) -> str:
    lines = ["digraph lineage {", "  rankdir=BT;", '  node [shape=box, fontname="Helvetica"];']
    for i, node in enumerate(data["nodes"]):
        label = _quote(node["id"]) + (f"\\n{_quote(node['license'])}" if node.get("license") else "")
        style = ", style=bold" if i == 0 else ""
        lines.append(f'  n{i} [label="{label}"{style}];')
    for edge in data["edges"]:
        lines.append(f'  n{edge["from"]} -> n{edge["to"]} [label="{edge["relation"]}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"
