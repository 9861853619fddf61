"""Progress display: bars on a terminal, plain log lines otherwise (CI, logs, pipes)."""

from __future__ import annotations

import logging
import sys
from typing import Any

__all__ = ["ProgressReporter"]

logger = logging.getLogger(__name__)

_LABELS = {
    "probe": "probe",
    "normalize": "decode audio",
    "diarize": "find speakers",
    "transcribe": "transcribe",
    "merge": "build protocol",
}


class ProgressReporter:
    """A ``hook(step, completed, total)`` that draws one bar per step, or logs every 10%."""

    def __init__(self, interactive: bool | None = None) -> None:
        self.interactive = sys.stderr.isatty() if interactive is None else interactive
        self._bars: dict[str, Any] = {}
        self._logged: dict[str, int] = {}

    def __call__(self, step: str, completed: float, total: float) -> None:
        """Report progress of one step."""
        if self.interactive:
            self._draw(step, completed, total)
        else:
            self._log(step, completed, total)

    def _draw(self, step: str, completed: float, total: float) -> None:
        from tqdm import tqdm

        bar = self._bars.get(step)
        if bar is None:
            for other in self._bars.values():
                other.close()
            bar = tqdm(
                total=max(total, 1e-9),
                desc=f"{_LABELS.get(step, step):>15}",
                unit="",
                leave=True,
                bar_format="{desc} {percentage:3.0f}%|{bar}| {elapsed}",
            )
            self._bars[step] = bar
        bar.n = min(completed, bar.total)
        bar.refresh()

    def _log(self, step: str, completed: float, total: float) -> None:
        percent = int(100 * completed / total) if total > 0 else 100
        decile = percent // 10
        if decile > self._logged.get(step, -1):
            self._logged[step] = decile
            logger.info("%s: %d%%", _LABELS.get(step, step), percent)

    def close(self) -> None:
        """Finish all bars."""
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()
