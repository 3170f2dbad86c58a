"""The README's examples as data, and the matcher that compares an output the README shows with a real one.

An example is a command from a fenced block (in ```sh blocks a `$ ` line with its continuation lines:
a trailing backslash, an open quote, a heredoc) and the lines shown under it up to the next `$ ` line.
In a block without `$ ` prompts every command stands alone and shows no output.

Shown output is abridged. In JSON, `...` in an object or list stands for members left out, a string ending
in `...` for the rest of the string, and `<word>` for a value that differs from run to run. Objects match
as subsets (every key shown is there, with a matching value). A list without `...` has exactly the
elements shown; with `...`, the elements shown appear in that order and `...` stands for any run of
elements, so `[a, ...]` says `a` is first. Text matches line by line, a line `...` or `…` standing for
any run of lines.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
MORE = "\u2026more\u2026"  # what `...` in a shown list or object becomes
PLACEHOLDER = re.compile(r"<[a-z][a-z_-]*>")
FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w-]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)
MARKER = re.compile(r"<!-- ci-example:([\w-]+) -->\n\Z")
HEREDOC = re.compile(r"<<-?\s*(['\"]?)(\w+)\1")
TRAILING_COMMENT = re.compile(r"\s{2,}# .*\Z")


@dataclass(frozen=True)
class Block:
    lang: str
    body: str
    line: int  # README line of the opening fence
    marker: str | None  # NAME of a `<!-- ci-example:NAME -->` right above the block


@dataclass(frozen=True)
class Example:
    command: str  # as written, continuation lines included, without the `$ ` prompt
    shown: str  # the output shown under it ('' when none)
    line: int

    @property
    def key(self) -> str:
        """The command without a trailing `  # comment`, as lists of examples name it."""
        return TRAILING_COMMENT.sub("", self.command)


def readme_blocks(text: str | None = None) -> list[Block]:
    text = README.read_text(encoding="utf-8") if text is None else text
    blocks = []
    for match in FENCE.finditer(text):
        indent = len(match["indent"])
        body = "".join(line[indent:] for line in match["body"].splitlines(keepends=True))
        marker = MARKER.search(text, 0, match.start())
        blocks.append(Block(match["lang"], body, text.count("\n", 0, match.start()) + 1,
                            marker[1] if marker else None))
    return blocks


def _complete(lines: list[str]) -> bool:
    text = "\n".join(lines)
    if text.endswith("\\"):
        return False
    for index, line in enumerate(lines):
        heredoc = HEREDOC.search(line)
        if heredoc:  # the command ends at the heredoc's terminator line
            return len(lines) > index + 1 and lines[-1].strip() == heredoc[2]
    try:
        shlex.split(text, comments=True)
    except ValueError:  # an open quote: the command goes on
        return False
    return True


def _command(lines: list[str], start: int) -> tuple[list[str], int]:
    """The command starting at lines[start] and the index of the line after it."""
    command = [lines[start].removeprefix("$ ")]
    end = start + 1
    while not _complete(command):
        if end == len(lines):
            raise ValueError(f"unfinished command: {command[0]}")
        command.append(lines[end])
        end += 1
    return command, end


def block_examples(block: Block) -> list[Example]:
    """The commands of a block, each with the output shown under it."""
    if block.lang != "sh":
        return [Example(block.body.rstrip("\n"), "", block.line + 1)]
    lines = block.body.splitlines()
    prompted = any(line.startswith("$ ") for line in lines)
    examples, index = [], 0
    while index < len(lines):
        if not lines[index].strip():
            index += 1
            continue
        if prompted and not lines[index].startswith("$ "):
            raise ValueError(f"README line {block.line + 1 + index}: output without a command: {lines[index]}")
        command, end = _command(lines, index)
        shown = []
        while prompted and end < len(lines) and not lines[end].startswith("$ "):
            shown.append(lines[end])
            end += 1
        examples.append(Example("\n".join(command), "\n".join(shown).strip("\n"), block.line + 1 + index))
        index = end
    return examples


# --- the matcher --------------------------------------------------------------------------------------


def json_pattern(shown: str):
    """The README's abridged JSON as a value: a bare `...` becomes a MORE member or element."""
    out, stack, index = [], [], 0
    while index < len(shown):
        char = shown[index]
        if char == '"':
            end = index + 1
            while shown[end] != '"':
                end += 2 if shown[end] == "\\" else 1
            out.append(shown[index:end + 1])
            index = end + 1
            continue
        if shown.startswith("...", index):
            out.append(json.dumps({MORE: 0})[1:-1] if stack[-1] == "{" else json.dumps(MORE))
            index += 3
            continue
        if char in "{[":
            stack.append(char)
        elif char in "}]":
            stack.pop()
        out.append(char)
        index += 1
    return json.loads("".join(out))


def glob(pattern: list, actual: list, matches) -> bool:
    """Whether actual is pattern with each MORE standing for any run of elements."""
    reachable = {0}
    for wanted in pattern:
        if wanted == MORE:
            reachable = set(range(min(reachable), len(actual) + 1)) if reachable else set()
        else:
            reachable = {i + 1 for i in reachable if i < len(actual) and matches(wanted, actual[i])}
    return len(actual) in reachable


def _string_matches(pattern: str, actual) -> bool:
    if PLACEHOLDER.fullmatch(pattern):
        return True
    if not isinstance(actual, str):
        return False
    prefix = pattern.endswith("...")
    parts = PLACEHOLDER.split(pattern.removesuffix("...") if prefix else pattern)
    regex = ".+?".join(re.escape(part) for part in parts) + (".*" if prefix else "")
    return re.fullmatch(regex, actual, re.S) is not None


def _list_mismatches(pattern: list, actual, where: str) -> list[str]:
    if not isinstance(actual, list):
        return [f"{where}: expected a list, got {actual!r}"]
    if MORE not in pattern and len(pattern) == len(actual):
        return [problem for i, (p, a) in enumerate(zip(pattern, actual)) for problem in mismatches(p, a, f"{where}[{i}]")]
    if glob(pattern, actual, lambda p, a: not mismatches(p, a)):
        return []
    return [f"{where}: the {len(pattern) - pattern.count(MORE)} elements shown are not "
            f"{'in' if MORE in pattern else 'exactly'} the {len(actual)} elements, in order"]


def mismatches(pattern, actual, where: str = "$") -> list[str]:
    """Where actual differs from the shown pattern; empty when it matches."""
    if isinstance(pattern, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        return [problem for key, value in pattern.items() if key != MORE
                for problem in (mismatches(value, actual[key], f"{where}.{key}") if key in actual
                                else [f"{where}: no key {key!r}"])]
    if isinstance(pattern, list):
        return _list_mismatches(pattern, actual, where)
    if isinstance(pattern, str):
        return [] if _string_matches(pattern, actual) else [f"{where}: {actual!r} does not match {pattern!r}"]
    if type(pattern) is type(actual) and pattern == actual:
        return []
    return [f"{where}: expected {pattern!r}, got {actual!r}"]


def text_mismatches(shown: str, actual: str) -> list[str]:
    """Line by line; a shown line `...` or `…` stands for any run of lines."""
    pattern = [MORE if line.strip() in ("...", "\u2026") else line.rstrip() for line in shown.splitlines()]
    lines = [line.rstrip() for line in actual.strip("\n").splitlines()]
    if glob(pattern, lines, lambda p, a: p == a):
        return []
    missing = next((p for p in pattern if p != MORE and p not in lines), None)
    return ["the lines shown are not the output's lines, in order"
            + (f"; not in the output: {missing!r}" if missing is not None else "")]


def output_mismatches(shown: str, actual: str) -> list[str]:
    """Compare an example's shown output with the real one: as JSON when it shows JSON, else as text."""
    if not shown.lstrip().startswith(("{", "[")):
        return text_mismatches(shown, actual)
    try:
        value = json.loads(actual)
    except ValueError:
        return [f"expected JSON, got {actual[:200]!r}"]
    return mismatches(json_pattern(shown), value)
