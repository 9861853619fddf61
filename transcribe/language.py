"""Choose a chunk's language from Whisper's language probabilities, within a declared set.

Whisper base confuses Kazakh with Russian, Tatar, Bashkir or Mongolian; a hearing is only
ever in the languages it declares, so the probabilities are renormalised over that set.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["LanguageChoice", "choose_language", "language_token", "restricted", "vote"]


@dataclass(frozen=True)
class LanguageChoice:
    """The language picked for one chunk.

    Attributes:
        code: ISO 639-1 code, e.g. ``"kk"``.
        probability: Probability renormalised over the allowed languages.
        raw_probability: Whisper's own probability for that language (over all 99); 0
            when the window's units voted and the window itself was not detected.

    """

    code: str
    probability: float
    raw_probability: float


def language_token(code: str) -> str:
    """Whisper's special token for a language code."""
    return f"<|{code}|>"


def _code(token: str) -> str:
    return token.removeprefix("<|").removesuffix("|>")


def choose_language(
    probabilities: Iterable[tuple[str, float]], allowed: Sequence[str] | None
) -> LanguageChoice:
    """Pick the most probable allowed language.

    Args:
        probabilities: ``(token_or_code, probability)`` pairs as CTranslate2's
            ``detect_language`` returns them (tokens like ``"<|ru|>"``).
        allowed: Languages the hearing may use; ``None`` or empty allows all.

    Returns:
        The chosen language. If none of the allowed languages appears at all, the first
        allowed one is returned with probability 0 so the segment gets flagged.

    """
    scores = {_code(token): float(prob) for token, prob in probabilities}
    candidates = {code: scores.get(code, 0.0) for code in allowed} if allowed else scores
    total = sum(candidates.values())
    if not candidates:
        return LanguageChoice(code="en", probability=0.0, raw_probability=0.0)
    best = max(candidates, key=lambda code: candidates[code])
    if total <= 0:
        return LanguageChoice(code=best, probability=0.0, raw_probability=0.0)
    return LanguageChoice(
        code=best, probability=candidates[best] / total, raw_probability=candidates[best]
    )


def restricted(
    probabilities: Iterable[tuple[str, float]], allowed: Sequence[str] | None
) -> dict[str, float]:
    """Language probabilities renormalised over the allowed languages (all if ``None``)."""
    scores = {_code(token): float(prob) for token, prob in probabilities}
    candidates = {code: scores.get(code, 0.0) for code in allowed} if allowed else scores
    total = sum(candidates.values())
    if total <= 0:
        return {code: 1.0 / len(candidates) for code in candidates} if candidates else {}
    return {code: value / total for code, value in candidates.items()}


def vote(distributions: Sequence[tuple[float, dict[str, float]]]) -> LanguageChoice:
    """Duration-weighted vote of unit language distributions ``(seconds, {code: p})``."""
    totals: dict[str, float] = {}
    for weight, dist in distributions:
        for code, prob in dist.items():
            totals[code] = totals.get(code, 0.0) + weight * prob
    mass = sum(totals.values())
    if not totals or mass <= 0:
        return LanguageChoice(code="en", probability=0.0, raw_probability=0.0)
    best = max(totals, key=lambda code: totals[code])
    return LanguageChoice(code=best, probability=totals[best] / mass, raw_probability=0.0)
