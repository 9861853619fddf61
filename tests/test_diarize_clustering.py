"""UMAP + HDBSCAN for long recordings: senko's recipe with fewer epochs, and its warm-up."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from diarize.clustering import UmapHdbscan, warm_up, warm_up_in_background


def _voices(rng: np.random.Generator, count: int, per_voice: int) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings of ``count`` voices: unit vectors scattered around one centre each."""
    centres = rng.standard_normal((count, 192))
    labels = np.repeat(np.arange(count), per_voice)
    points = centres[labels] + 0.35 * rng.standard_normal((len(labels), 192))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32), labels


class _SenkoStep:
    """The attributes senko's ``UmapHdbscan`` carries (its umap_hdbscan.yaml values)."""

    n_neighbors = 40
    n_components = 60
    min_samples = 20
    min_cluster_size = 10
    metric = "cosine"


@pytest.mark.slow
def test_long_recording_clustering_finds_each_voice():
    points, truth = _voices(np.random.default_rng(3), count=4, per_voice=120)
    step = UmapHdbscan.like(_SenkoStep(), n_epochs=200)
    assert (step.n_neighbors, step.metric, step.n_epochs) == (40, "cosine", 200)
    labels = step(points)
    assert len(set(labels) - {-1}) == 4
    assert adjusted_rand_score(truth, labels) > 0.95
    assert np.array_equal(step(points), labels)  # seeded: the same speakers every time


def test_warm_up_runs_each_code_path_once():
    sizes = []
    elapsed = warm_up(lambda x: sizes.append(x.shape), points=(30, 50))
    assert sizes == [(30, 192), (50, 192)]
    assert elapsed >= 0


def test_background_warm_up_runs_at_the_lowest_priority():
    seen: dict[str, int] = {}

    def step(embeddings: np.ndarray) -> np.ndarray:
        seen["nice"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        seen["rows"] = len(embeddings)
        return np.zeros(len(embeddings), dtype=int)

    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    thread = warm_up_in_background(step, points=(25,))
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert seen == {"nice": 19, "rows": 25}
    # The caller's own thread keeps its priority.
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == own


def test_a_failed_background_warm_up_is_logged_not_raised(caplog):
    def broken(embeddings: np.ndarray) -> np.ndarray:
        raise RuntimeError("no numba here")

    warm_up_in_background(broken, points=(5,)).join(timeout=30)
    assert "clustering warm-up failed" in caplog.text
