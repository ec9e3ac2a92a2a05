"""The AI table: the bundled GS1 Barcode Syntax Dictionary, parsed once at first use."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from pathlib import Path

from epcis.gs1.errors import DictionaryError

DICTIONARY_PATH = Path(__file__).resolve().parent.parent / "data" / "gs1" / "gs1-syntax-dictionary.txt"


_COMPONENT_RE = re.compile(r"^(\[)?([NXYZ])(\.\.)?(\d+)(\])?((?:,\w+)*)$")


@dataclass(frozen=True, slots=True)
class Component:
    """One component of an AI's value: character set, length bounds, optionality, linters."""

    cset: str
    min_length: int
    max_length: int
    optional: bool
    linters: tuple[str, ...]

    @property
    def spec(self) -> str:
        """The component as written in the dictionary, e.g. ``N6`` or ``X..20``."""
        body = f"{self.cset}{self.max_length}" if self.fixed else f"{self.cset}..{self.max_length}"
        return f"[{body}]" if self.optional else body

    @property
    def fixed(self) -> bool:
        """Whether the component has one exact length."""
        return self.min_length == self.max_length


@dataclass(frozen=True, slots=True)
class AiEntry:
    """One AI with everything the dictionary says about it.

    ``req`` holds one tuple per ``req=`` attribute (all must hold); each is a tuple of alternative
    groups and each group a tuple of AI patterns that must all be present (``n`` matches any digit).
    ``dl_qualifiers`` is ``None`` unless the AI is a Digital Link primary key; then it holds the
    alternative ordered qualifier sequences (possibly one empty sequence).
    """

    ai: str
    title: str
    predefined_length: bool
    dl_attribute: bool
    components: tuple[Component, ...]
    req: tuple[tuple[tuple[str, ...], ...], ...]
    ex: tuple[str, ...]
    dl_qualifiers: tuple[tuple[str, ...], ...] | None

    @property
    def min_length(self) -> int:
        """Shortest valid value length."""
        return sum(c.min_length for c in self.components if not c.optional)

    @property
    def max_length(self) -> int:
        """Longest valid value length."""
        return sum(c.max_length for c in self.components)

    @property
    def linters(self) -> tuple[str, ...]:
        """Every linter named by the components, in order."""
        return tuple(name for c in self.components for name in c.linters)


def pattern_matches(pattern: str, ai: str) -> bool:
    """Whether an AI matches a dictionary pattern such as ``310n`` or ``31nn``."""
    return len(pattern) == len(ai) and all(p in ("n", a) for p, a in zip(pattern, ai, strict=True))


def _parse_component(token: str, line: str) -> Component:
    match = _COMPONENT_RE.match(token)
    if match is None:
        raise DictionaryError(f"bad component {token!r} in line {line!r}")
    opening, cset, dots, length, closing, linters = match.groups()
    if bool(opening) != bool(closing):
        raise DictionaryError(f"unbalanced brackets in {token!r}")
    size = int(length)
    return Component(
        cset=cset,
        min_length=1 if dots else size,
        max_length=size,
        optional=bool(opening),
        linters=tuple(name for name in linters.split(",") if name),
    )


def _expand(ais: str) -> list[str]:
    if "-" not in ais:
        return [ais]
    first, last = ais.split("-")
    width = len(first)
    return [str(n).zfill(width) for n in range(int(first), int(last) + 1)]


def parse_dictionary(text: str) -> dict[str, AiEntry]:
    """Parse the syntax dictionary text into an AI -> entry table (ranges expanded)."""
    table: dict[str, AiEntry] = {}
    for raw_line in text.splitlines():
        if not raw_line.strip() or raw_line.lstrip().startswith("#"):
            continue
        spec, _, title = raw_line.partition("#")
        tokens = spec.split()
        ais, rest = tokens[0], tokens[1:]
        flags = ""
        if rest and rest[0][0] not in "NXYZ[":
            flags, rest = rest[0], rest[1:]
        components: list[Component] = []
        req: list[tuple[tuple[str, ...], ...]] = []
        ex: list[str] = []
        dl_qualifiers: tuple[tuple[str, ...], ...] | None = None
        for token in rest:
            if token[0] in "NXYZ[":
                components.append(_parse_component(token, raw_line))
            elif token.startswith("req="):
                req.append(tuple(tuple(group.split("+")) for group in token[4:].split(",")))
            elif token.startswith("ex="):
                ex.extend(token[3:].split(","))
            elif token == "dlpkey":
                dl_qualifiers = ((),)
            elif token.startswith("dlpkey="):
                dl_qualifiers = tuple(tuple(alt.split(",")) for alt in token[7:].split("|"))
            else:
                raise DictionaryError(f"unknown attribute {token!r} in line {raw_line!r}")
        for ai in _expand(ais):
            table[ai] = AiEntry(
                ai=ai,
                title=title.strip(),
                predefined_length="*" in flags,
                dl_attribute="?" in flags,
                components=tuple(components),
                req=tuple(req),
                ex=tuple(ex),
                dl_qualifiers=dl_qualifiers,
            )
    return table


@cache
def ai_table() -> dict[str, AiEntry]:
    """The bundled dictionary as an AI -> entry table (parsed once, then cached)."""
    return parse_dictionary(DICTIONARY_PATH.read_text(encoding="utf-8"))


def lookup(ai: str) -> AiEntry | None:
    """The entry for ``ai``, or ``None`` when the AI is not in the dictionary."""
    return ai_table().get(ai)


@cache
def ai_length_by_prefix() -> dict[str, int]:
    """AI length keyed by the AI's first two digits (a GS1 rule: the prefix fixes the length)."""
    lengths: dict[str, int] = {}
    for ai in ai_table():
        known = lengths.setdefault(ai[:2], len(ai))
        if known != len(ai):
            raise DictionaryError(f"AIs starting {ai[:2]} have different lengths")
    return lengths


@cache
def dl_key_sequences() -> tuple[tuple[str, ...], ...]:
    """Every valid Digital Link path AI sequence (key, then an ordered subset of one qualifier
    alternative), sorted the way the GS1 engine sorts them (as space-joined strings)."""
    sequences: set[tuple[str, ...]] = set()
    for ai, entry in ai_table().items():
        if entry.dl_qualifiers is None:
            continue
        for alternative in entry.dl_qualifiers:
            for size in range(len(alternative) + 1):
                for subset in combinations(alternative, size):
                    sequences.add((ai, *subset))
    return tuple(sorted(sequences, key=" ".join))


@cache
def dl_key_sequence_set() -> frozenset[tuple[str, ...]]:
    """:func:`dl_key_sequences` as a set, for membership tests."""
    return frozenset(dl_key_sequences())
