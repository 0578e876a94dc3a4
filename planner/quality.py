"""Benchmark quality scores, so a plan can show quality against cost, open weights against APIs.

The scores live in ``resources/quality/scores.json``: one row per published number, each with
the source it was read from, the evaluation setting and the notes that qualify it. Nothing here
is measured by the planner; every figure is a vendor's, a third party's or LMArena's.

Reading the numbers:

- ``harness`` says who ran the evaluation (e.g. "Meta Llama 4 card", "OpenAI simple-evals",
  "Qwen3 report", "LMArena", "Google via aggregator (secondary)"). Vendors use their own
  prompts, shot counts, CoT settings and output caps, so one model can move 5-15 points between
  harnesses: only numbers with the same harness are strictly comparable. ``self_reported`` is
  true when the model's own vendor ran it.
- ``benchmark`` is a normalised name. ``"GPQA"`` is GPQA with the subset not stated, which is
  not ``"GPQA Diamond"`` nor ``"GPQA main"``; ``"MATH"`` (full set) is not ``"MATH-500"``;
  ``"HumanEval-Mul"``, ``"EvalPlus"`` and ``"LiveCodeBench-Base"`` are their own benchmarks.
  ``benchmark_label`` keeps the name as the source table gave it.
- ``unit`` is ``"percent"`` for every benchmark except ``"LMArena"``, whose ``"arena"`` scores
  are relative ratings that drift between leaderboard snapshots: compare them only within one
  snapshot and one style-control mode (both are in ``setting``), never with percentages.
- ``instruct`` is false for base (pretrained) rows, which some vendors publish instead of
  instruct results; ``secondary`` marks numbers copied from an aggregator or a third-party page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from planner.paths import resources_dir

Kind = Literal["open", "closed"]
Unit = Literal["percent", "arena"]

ARENA = "LMArena"
QUALITY_DIR = "quality"
QUALITY_FILE = "scores.json"

CLOSED_REFS: tuple[str, ...] = (
    "openai/gpt-4o",
    "openai/gpt-4o-mini",
    "openai/gpt-4.1",
    "openai/o3",
    "anthropic/claude-3-5-sonnet",
    "anthropic/claude-sonnet-4",
    "anthropic/claude-3-5-haiku",
    "google/gemini-1.5-pro",
    "google/gemini-2.0-flash",
    "google/gemini-2.5-pro",
    "google/gemini-2.5-flash",
)
"""API ids of the closed models that have scores; open models use their catalog id."""

HEADLINE_BENCHMARKS: tuple[str, ...] = (
    "LMArena",
    "GPQA Diamond",
    "MMLU-Pro",
    "LiveCodeBench",
    "MATH-500",
)
"""Benchmarks a result shows by default, chosen for coverage and headroom (of 35 models).

LMArena (human preference; every model but Qwen2.5 7B and Qwen3 8B) and GPQA Diamond (28
models, 3 more from secondary copies) cover open and closed models alike. MMLU-Pro adds general
knowledge with headroom left (25, +1 secondary; Qwen3 publishes it for base models only),
LiveCodeBench coding (27; the problem window, in ``setting``, differs between harnesses) and
MATH-500 maths (22; the Qwen3, DeepSeek, Kimi and simple-evals tables use it). MMLU, HumanEval
and full MATH stay in the data but are not shown by default: they are saturated for recent
models, Llama 4 and Qwen3 publish them for base models only, and DeepSeek's chat tables use
HumanEval-Mul and MATH-500 instead.
"""

SCORE_RANGE: dict[str, tuple[float, float]] = {"percent": (0.0, 100.0), "arena": (800.0, 1600.0)}

_OPEN_REF = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class QualityDataError(ValueError):
    """The bundled (or given) quality file is missing or invalid."""


class QualityScore(BaseModel):
    """One published benchmark number for one model, with where it comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model: str = Field(min_length=1, description="Model name as the reference table gives it")
    ref: str = Field(
        min_length=1,
        description="Planner id: catalog model id (open) or API id such as 'openai/gpt-4o'",
    )
    kind: Kind = Field(description="'open' (self-hostable weights) or 'closed' (API only)")
    variant: str = Field(
        min_length=1,
        description="Checkpoint or mode as the source labels it (base/instruct, thinking, "
        "API snapshot, reasoning effort)",
    )
    instruct: bool = Field(description="False for base (pretrained) model rows")
    benchmark: str = Field(min_length=1, description="Normalised benchmark name")
    benchmark_label: str = Field(min_length=1, description="Benchmark name as the source gives it")
    setting: str = Field(
        min_length=1,
        description="Shots, CoT, metric, sampling, LiveCodeBench window or Arena snapshot",
    )
    harness: str = Field(min_length=1, description="Who ran the evaluation (short label)")
    self_reported: bool = Field(description="The model's own vendor ran the evaluation")
    score: float = Field(description="Percent, or Arena rating when unit is 'arena'")
    unit: Unit = Field(description="'percent', or 'arena' for LMArena ratings")
    source: str = Field(min_length=3, description="Where the number was read")
    notes: str = Field(description="Caveats: disagreements, conversions, what the source says")
    secondary: bool = Field(
        description="Copied from an aggregator or third-party page, not the primary source"
    )

    @model_validator(mode="after")
    def _check(self) -> QualityScore:
        if (self.unit == "arena") != (self.benchmark == ARENA):
            raise ValueError(f"unit 'arena' is for {ARENA} only, got {self.unit!r}")
        lo, hi = SCORE_RANGE[self.unit]
        if not lo <= self.score <= hi:
            raise ValueError(f"{self.unit} score {self.score} outside {lo}..{hi}")
        if self.kind == "closed" and self.ref not in CLOSED_REFS:
            raise ValueError(f"unknown closed ref {self.ref!r}")
        if self.kind == "open" and not _OPEN_REF.match(self.ref):
            raise ValueError(f"open ref {self.ref!r} is not a catalog id")
        return self

    @property
    def comparability_key(self) -> tuple[str, ...]:
        """Scores with equal keys come from one harness (and, for LMArena, one snapshot and
        style-control mode), so they compare directly."""
        if self.unit == "arena":
            return (self.harness, self.setting)
        return (self.harness,)


class _QualityFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1]
    source: str = Field(min_length=3)
    scores: tuple[QualityScore, ...]


@cache
def load_scores(path: Path | None = None) -> tuple[QualityScore, ...]:
    """All rows of the quality file (default: the bundled resources/quality/scores.json).

    Loaded once per path. Raises QualityDataError when the file is missing or invalid.
    """
    p = path or resources_dir() / QUALITY_DIR / QUALITY_FILE
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise QualityDataError(f"cannot read quality scores {p}: {e}") from e
    try:
        return _QualityFile.model_validate(json.loads(text)).scores
    except (json.JSONDecodeError, ValidationError) as e:
        raise QualityDataError(f"invalid quality scores {p}: {e}") from e


def _rows(scores: Sequence[QualityScore] | None) -> Sequence[QualityScore]:
    return load_scores() if scores is None else scores


def scores_for(
    ref: str, *, scores: Sequence[QualityScore] | None = None
) -> tuple[QualityScore, ...]:
    """Every row for a ref (base and instruct, all benchmarks), in file order."""
    return tuple(s for s in _rows(scores) if s.ref == ref)


# --- choosing one headline number -------------------------------------------------------------

# Variants that are not the model a ref stands for: unreleased builds, the ChatGPT endpoint
# (not the API model), and later checkpoints of an open model published under another repo.
_NOT_THE_MODEL = re.compile(r"experimental|not the released|chatgpt-4o-latest", re.IGNORECASE)
_OTHER_CHECKPOINT: dict[str, tuple[str, ...]] = {
    # The catalog entries point at the first releases; the updates ship as their own repos.
    "deepseek-v3": ("0324",),  # DeepSeek-V3-0324
    "deepseek-r1": ("0528",),  # DeepSeek-R1-0528
    "mistral-7b-v0.1": ("v0.2",),  # Mistral-7B-Instruct-v0.2 has no catalog entry of its own
}
# Variants that name the model less exactly: version not stated, previews, fp8 serving.
_VAGUE_VARIANT = re.compile(r"not stated|preview|likely|\bfp8\b", re.IGNORECASE)
# Modes other than the one the model runs in by default: Qwen3 thinks by default, o3 and
# gpt-oss default to medium effort, Claude Sonnet 4 answers without extended thinking.
_NON_DEFAULT_MODE = re.compile(
    r"non-thinking|no-thinking|\bo3-(?:high|low)\b|reasoning: (?:low|high)"
    r"|(?<!w/o )extended thinking|thinking-32k",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"as reported|as on google blog|as quoted", re.IGNORECASE)
_FEW_SHOT = re.compile(r"\b[1-9]\d*-shot\b|few-shot", re.IGNORECASE)
_NO_COT = re.compile(r"no CoT", re.IGNORECASE)
_NO_WINDOW = re.compile(r"window not stated", re.IGNORECASE)


def _not_the_model(s: QualityScore) -> bool:
    if _NOT_THE_MODEL.search(s.variant) or _NOT_THE_MODEL.search(s.notes):
        return True
    return any(tag in s.variant for tag in _OTHER_CHECKPOINT.get(s.ref, ()))


def _setting_rank(s: QualityScore) -> tuple[int, ...]:
    if s.unit == "arena":
        if s.harness != ARENA:  # a rating quoted in a paper, snapshot date approximate
            return (9,)
        snapshot = 0 if "2025-12-11" in s.setting else 1 if "2025-05-24" in s.setting else 2
        no_style_control = int("no style control" in s.setting)
        return (2 * snapshot + no_style_control,)
    return (
        int(bool(_QUOTED.search(s.setting))),
        int(bool(_FEW_SHOT.search(s.setting))),
        int(bool(_NO_COT.search(s.setting))),
        int(bool(_NO_WINDOW.search(s.setting))),
    )


def _rank(s: QualityScore) -> tuple[object, ...]:
    return (
        s.secondary,
        _not_the_model(s),
        bool(_NON_DEFAULT_MODE.search(s.variant)),
        not s.self_reported,
        _setting_rank(s),
        bool(_VAGUE_VARIANT.search(s.variant)),
    )


def _ordered(candidates: Iterable[QualityScore]) -> list[QualityScore]:
    # Stable sorts, least significant key first: the full order does not depend on input order.
    out = sorted(candidates, key=lambda s: (s.harness, s.setting, s.source, s.notes, -s.score))
    out = sorted(out, key=lambda s: s.variant, reverse=True)
    return sorted(out, key=_rank)


def headline(
    ref: str, benchmark: str, *, scores: Sequence[QualityScore] | None = None
) -> QualityScore | None:
    """The one instruct score to show for a ref on a benchmark, or None when there is none.

    Base-model rows are never chosen. Among several instruct rows the first by this order wins
    (the choice is deterministic and does not depend on the order of the file):

    1. primary before secondary (aggregator or third-party copies);
    2. the model the ref stands for before other builds: not an unreleased or experimental
       variant, not the ChatGPT endpoint, not a later checkpoint with its own repo
       (DeepSeek-V3-0324 and -R1-0528 for ``deepseek-v3`` and ``deepseek-r1``, whose catalog
       repos are the first releases; Mistral-7B-Instruct-v0.2 for ``mistral-7b-v0.1``);
    3. the model's default mode before others: Qwen3 thinking mode, o3 and gpt-oss at medium
       effort, Claude Sonnet 4 without extended thinking;
    4. the vendor's own harness before other harnesses;
    5. the highest-precedence setting. LMArena: the 2025-12-11 snapshot before 2025-05-24,
       style control before none, both before ratings quoted in papers. Percent benchmarks:
       measured before "as reported" quotes, zero-shot (or unstated) before few-shot, CoT
       before no-CoT, a stated LiveCodeBench window before an unstated one;
    6. an exactly named variant before "version not stated", previews and fp8 serving;
    7. the greatest variant label, which for the dated API snapshots here is the newest
       (gpt-4o-2024-11-20, claude-3-5-sonnet-20241022, gemini-1.5-pro-002);
    8. then harness, setting, source and notes alphabetically, then the higher score.
    """
    rows = [s for s in _rows(scores) if s.ref == ref and s.benchmark == benchmark and s.instruct]
    return _ordered(rows)[0] if rows else None


def headlines(
    ref: str,
    benchmarks: Iterable[str] = HEADLINE_BENCHMARKS,
    *,
    scores: Sequence[QualityScore] | None = None,
) -> dict[str, QualityScore]:
    """Headline scores of a ref for each benchmark that has one."""
    out: dict[str, QualityScore] = {}
    for b in benchmarks:
        h = headline(ref, b, scores=scores)
        if h is not None:
            out[b] = h
    return out


def comparison(
    benchmark: str, refs: Iterable[str], *, scores: Sequence[QualityScore] | None = None
) -> list[tuple[str, QualityScore | None]]:
    """Each ref's headline score on one benchmark, in the order given (None where missing).

    The scores may come from different harnesses; each carries its ``harness`` (and, for
    LMArena, the snapshot in ``setting``). Use ``harnesses_differ`` to decide whether to warn,
    or ``same_harness_comparison`` for numbers from a single harness.
    """
    return [(ref, headline(ref, benchmark, scores=scores)) for ref in refs]


def harnesses_differ(results: Iterable[tuple[str, QualityScore | None]]) -> bool:
    """True when the scores present were not all produced by one harness (for LMArena: one
    snapshot and style-control mode), so they are not strictly comparable."""
    return len({s.comparability_key for _, s in results if s is not None}) > 1


def same_harness_comparison(
    benchmark: str, refs: Iterable[str], *, scores: Sequence[QualityScore] | None = None
) -> tuple[tuple[str, ...] | None, list[tuple[str, QualityScore | None]]]:
    """Scores of the refs from the one harness that covers most of them.

    Returns the comparability key of that harness (None when no ref has an instruct score) and
    each ref's best row from it, chosen as in ``headline``. Among harnesses that cover as many
    refs, the one whose rows rank best (primary, vendor-run, preferred settings) wins.
    """
    wanted = list(refs)
    rows = [s for s in _rows(scores) if s.benchmark == benchmark and s.instruct and s.ref in wanted]
    groups: dict[tuple[str, ...], list[QualityScore]] = {}
    for s in rows:
        groups.setdefault(s.comparability_key, []).append(s)
    if not groups:
        return None, [(ref, None) for ref in wanted]

    def picks(key: tuple[str, ...]) -> dict[str, QualityScore]:
        best: dict[str, QualityScore] = {}
        for s in _ordered(groups[key]):
            best.setdefault(s.ref, s)
        return best

    chosen = {key: picks(key) for key in groups}

    def order(key: tuple[str, ...]) -> tuple[object, ...]:
        best = chosen[key]
        return (-len(best), sorted(_rank(s) for s in best.values()), key)

    key = min(chosen, key=order)
    return key, [(ref, chosen[key].get(ref)) for ref in wanted]
