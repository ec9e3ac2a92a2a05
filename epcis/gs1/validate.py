"""Validation of AI values and AI associations, compiled once per AI from the dictionary."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from epcis.gs1.cset import CSET39, CSET64, CSET82
from epcis.gs1.dictionary import AiEntry, DictionaryError, ai_table, pattern_matches
from epcis.gs1.errors import Gs1AssociationError, Gs1Error, Gs1FormatError, Gs1LintError, Gs1SyntaxError
from epcis.gs1.linters import LINTERS, UNIMPLEMENTED, Linter

_CHARSETS = {"N": "0123456789", "X": CSET82, "Y": CSET39, "Z": CSET64 + "="}
_CSET_NAMES = {"N": "a digit", "X": "in CSET 82", "Y": "in CSET 39", "Z": "in CSET 64"}
_CLASSES = {name: "[" + re.escape(chars) + "]" for name, chars in _CHARSETS.items()}
_CLASSES["N"] = "[0-9]"


@dataclass(frozen=True, slots=True)
class CompiledAi:
    """An AI entry plus its precompiled value pattern and linter calls (the hot path)."""

    entry: AiEntry
    regex: re.Pattern[str]
    checks: tuple[tuple[int, str, Linter, type[Gs1LintError]], ...]
    #: ``ex=`` AIs without ``n`` wildcards (never the AI itself), for a set intersection.
    ex_plain: frozenset[str]
    #: ``ex=`` patterns with wildcards, matched one by one.
    ex_patterns: tuple[str, ...]
    #: ``req=`` rules whose alternatives are single plain AIs: one of each set must be present.
    req_any: tuple[frozenset[str], ...]
    #: The remaining ``req=`` rules (AI groups joined by ``+`` or wildcards).
    req_groups: tuple[tuple[tuple[str, ...], ...], ...]

    @property
    def ai(self) -> str:
        """The AI."""
        return self.entry.ai

    def check(self, value: str) -> None:
        """Raise a :class:`Gs1Error` subclass unless ``value`` is valid for this AI."""
        match = self.regex.fullmatch(value)
        if match is None:
            raise diagnose(self.entry, value)
        for group, name, linter, error in self.checks:
            part = match.group(group)
            if part is not None:
                finding = linter(part)
                if finding is not None:
                    raise error(finding, rule=name, ai=self.entry.ai, value=value)


def _compile(entry: AiEntry) -> CompiledAi:
    parts = []
    checks = []
    for index, comp in enumerate(entry.components, 1):
        quantifier = f"{{{comp.max_length}}}" if comp.fixed else f"{{1,{comp.max_length}}}"
        group = f"({_CLASSES[comp.cset]}{quantifier})"
        parts.append(f"(?:{group})?" if comp.optional else group)
        for name in comp.linters:
            if name in LINTERS:
                linter, error = LINTERS[name]
                checks.append((index, name, linter, error))
            elif name not in UNIMPLEMENTED:
                raise DictionaryError(f"unknown linter {name!r} for AI ({entry.ai})")
    simple = [r for r in entry.req if all(len(g) == 1 and "n" not in g[0] for g in r)]
    return CompiledAi(
        entry=entry,
        regex=re.compile("".join(parts)),
        checks=tuple(checks),
        ex_plain=frozenset(p for p in entry.ex if "n" not in p) - {entry.ai},
        ex_patterns=tuple(p for p in entry.ex if "n" in p),
        req_any=tuple(frozenset(g[0] for g in r) for r in simple),
        req_groups=tuple(r for r in entry.req if r not in simple),
    )


@cache
def compiled_table() -> dict[str, CompiledAi]:
    """AI -> compiled validator, for every AI in the dictionary."""
    return {ai: _compile(entry) for ai, entry in ai_table().items()}


def compiled(ai: str, value: str = "") -> CompiledAi:
    """The compiled validator for ``ai``; raise :class:`Gs1SyntaxError` for an unknown AI."""
    found = compiled_table().get(ai)
    if found is None:
        raise Gs1SyntaxError("unknown AI", rule="unknown-ai", ai=ai, value=value)
    return found


def check_value(ai: str, value: str) -> None:
    """Validate one AI value: format, length, character set and the dictionary's linters."""
    compiled(ai, value).check(value)


def diagnose(entry: AiEntry, value: str) -> Gs1Error:
    """Explain why ``value`` does not match the component formats of ``entry``."""
    size, low, high = len(value), entry.min_length, entry.max_length
    expected = f"exactly {low}" if low == high else f"{low} to {high}"
    if size == 0:
        return Gs1FormatError(f"is empty, expected {expected} characters", rule="length", ai=entry.ai, value="")
    if not low <= size <= high:
        return Gs1FormatError(f"{size} characters, expected {expected}", rule="length", ai=entry.ai, value=value)
    position = 0
    for number, comp in enumerate(entry.components, 1):
        if position >= size and comp.optional:
            break
        part = value[position : position + comp.max_length]
        allowed = _CHARSETS[comp.cset]
        for offset, char in enumerate(part):
            if char not in allowed:
                where = position + offset + 1
                finding = f"character {char!r} at position {where} is not {_CSET_NAMES[comp.cset]}"
                return Gs1FormatError(finding, rule="charset", ai=entry.ai, value=value)
        if len(part) < comp.min_length:
            finding = f"component {number} ({comp.spec}) {part!r} is too short"
            return Gs1FormatError(finding, rule="length", ai=entry.ai, value=value)
        position += len(part)
    return Gs1FormatError("does not match the AI's format", rule="format", ai=entry.ai, value=value)


def _present(pattern: str, present: Iterable[str]) -> str | None:
    if "n" not in pattern:
        return pattern if pattern in present else None
    return next((ai for ai in present if pattern_matches(pattern, ai)), None)


def _describe(alternatives: tuple[tuple[str, ...], ...]) -> str:
    names = ["+".join(f"({p})" for p in group) for group in alternatives]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def check_associations(pairs: Sequence[tuple[CompiledAi, str]]) -> None:
    """Apply the dictionary's ``ex=`` (exclusive) then ``req=`` (requisite) rules to a message."""
    present = {c.entry.ai for c, _ in pairs}
    for comp, value in pairs:
        clash = None
        if comp.ex_plain and not present.isdisjoint(comp.ex_plain):
            clash = next(p for p in comp.entry.ex if p in present and p != comp.entry.ai)
        elif comp.ex_patterns:
            others = present - {comp.entry.ai}
            clash = next(filter(None, (_present(p, others) for p in comp.ex_patterns)), None)
        if clash is not None:
            raise Gs1AssociationError(f"not allowed together with ({clash})", rule="ex", ai=comp.entry.ai, value=value)
    for comp, value in pairs:
        for required in comp.req_any:
            if present.isdisjoint(required):
                alternatives = next(r for r in comp.entry.req if frozenset(g[0] for g in r) == required)
                raise _missing(comp, value, alternatives)
        for alternatives in comp.req_groups:
            if not any(all(_present(p, present) for p in group) for group in alternatives):
                raise _missing(comp, value, alternatives)


def _missing(comp: CompiledAi, value: str, alternatives: tuple[tuple[str, ...], ...]) -> Gs1AssociationError:
    return Gs1AssociationError(f"requires {_describe(alternatives)}", rule="req", ai=comp.entry.ai, value=value)
