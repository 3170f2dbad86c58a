"""Pure functions: licence expressions and graph paths (no app, no database)."""

import pytest

from api.domain import expressions
from api.domain.graph import cycle_through_new_edge, path_upwards

KNOWN = {"apache-2.0": "Apache-2.0", "mit": "MIT", "llama2": "LicenseRef-scancode-llama-2-license-2023",
         "licenseref-scancode-llama-2-license-2023": "LicenseRef-scancode-llama-2-license-2023"}


def resolve(names):
    return {name: KNOWN[name] for name in names if name in KNOWN}


def test_normalise_keeps_structure_and_canonical_ids():
    assert expressions.normalise("mit OR (Apache-2.0 AND llama2)", resolve) == (
        "MIT OR (Apache-2.0 AND LicenseRef-scancode-llama-2-license-2023)",
        ["MIT", "Apache-2.0", "LicenseRef-scancode-llama-2-license-2023"],
    )


def test_alias_and_id_of_the_same_licence_collapse():
    text, ids = expressions.normalise("llama2 AND LicenseRef-scancode-llama-2-license-2023", resolve)
    assert ids == ["LicenseRef-scancode-llama-2-license-2023"]
    assert text.count("LicenseRef-scancode-llama-2-license-2023") == 2


def test_unknown_names_are_all_reported():
    with pytest.raises(expressions.UnknownLicences) as error:
        expressions.normalise("MIT AND foo OR bar-2", resolve)
    assert error.value.names == ("foo", "bar-2")


@pytest.mark.parametrize("text", ["", "   ", "MIT AND", "(MIT", "MIT OR OR Apache-2.0", "two words",
                                  "GPL-2.0 WITH Classpath-exception-2.0"])
def test_invalid_expressions(text):
    with pytest.raises(expressions.InvalidExpression):
        expressions.normalise(text, resolve)


def test_tree():
    assert expressions.tree("A AND (B OR C)") == ("AND", ["A", ("OR", ["B", "C"])])
    assert expressions.tree("A") == "A"


def test_paths_and_cycles():
    edges = [("c", "b"), ("b", "a"), ("d", "a"), ("e", "c"), ("e", "d")]
    assert path_upwards(edges, "e", "a") in (["e", "c", "b", "a"], ["e", "d", "a"])
    assert path_upwards(edges, "e", "a") == ["e", "d", "a"]  # shortest
    assert path_upwards(edges, "a", "e") is None
    assert cycle_through_new_edge(edges, "a", "e") == ["a", "e", "d", "a"]
    assert cycle_through_new_edge(edges, "e", "a") is None
    assert cycle_through_new_edge(edges, "x", "x") == ["x", "x"]
