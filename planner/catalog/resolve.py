"""Loose, case- and punctuation-insensitive name resolution with nearest-match errors."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Generic, TypeVar

T = TypeVar("T")

# Words that vary between how tools print a name and how the catalog writes it.
_MODEL_NOISE = re.compile(r"(instruct|chat|base|hf|it|bf16|fp16|latest|v01|gguf)$")
_GPU_NOISE = ("nvidia", "geforce", "amd", "radeon", "instinct", "intel", "apple", "generation")


class UnknownNameError(LookupError):
    """A name matched nothing; carries the nearest catalog names."""

    def __init__(self, kind: str, name: str, suggestions: list[str]) -> None:
        self.kind = kind
        self.name = name
        self.suggestions = suggestions
        hint = f"; nearest: {', '.join(suggestions)}" if suggestions else ""
        super().__init__(f"unknown {kind} '{name}'{hint}")


def normalize(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9]+", name.lower()) if t]


def _model_variants(name: str) -> set[str]:
    base = name.split("/")[-1]
    toks = _tokens(base)
    out = {normalize(name), normalize(base)}
    while toks and _MODEL_NOISE.fullmatch(toks[-1]):
        toks = toks[:-1]
        out.add("".join(toks))
    return {v for v in out if v}


def _gpu_variants(name: str) -> set[str]:
    toks = _tokens(name)
    out = {normalize(name)}
    core = [t for t in toks if t not in _GPU_NOISE]
    out.add("".join(core))
    return {v for v in out if v}


class Resolver(Generic[T]):
    """Maps every spelling of an entry to it; exact keys win over derived variants."""

    def __init__(self, kind: str, entries: Mapping[str, T], names: Mapping[str, Iterable[str]]):
        self.kind = kind
        self._entries = dict(entries)
        variants = _gpu_variants if kind == "GPU" else _model_variants
        exact: dict[str, str] = {}
        loose: dict[str, set[str]] = {}
        for entry_id, spellings in names.items():
            for s in (entry_id, *spellings):
                exact.setdefault(normalize(s), entry_id)
                for v in variants(s):
                    loose.setdefault(v, set()).add(entry_id)
        self._keys = dict(exact)
        for key, ids in loose.items():
            if key not in self._keys and len(ids) == 1:
                self._keys[key] = next(iter(ids))
        self._variants = variants

    def ids(self) -> list[str]:
        return list(self._entries)

    def get(self, name: str) -> T:
        key = normalize(name)
        entry_id = self._keys.get(key)
        if entry_id is None:
            for v in self._variants(name):
                entry_id = self._keys.get(v)
                if entry_id is not None:
                    break
        if entry_id is None:
            raise UnknownNameError(self.kind, name, self.suggest(name))
        return self._entries[entry_id]

    def suggest(self, name: str, n: int = 5) -> list[str]:
        key = normalize(name)
        close = difflib.get_close_matches(key, list(self._keys), n=n * 3, cutoff=0.5)
        out: list[str] = []
        for k in close:
            entry_id = self._keys[k]
            if entry_id not in out:
                out.append(entry_id)
        if not out:
            out = [i for i in self._entries if key[:3] and key[:3] in normalize(i)][:n]
        return out[:n]
