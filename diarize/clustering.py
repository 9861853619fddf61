"""UMAP + HDBSCAN clustering of speaker embeddings for long recordings, and its warm-up.

senko clusters recordings over 20 minutes with UMAP + HDBSCAN (3D-Speaker's recipe).
Two things about it cost seconds that a worker need not pay on every hearing:

- UMAP's default of 500 optimisation epochs for fewer than 10,000 points. On the
  30-minute real-speech montage (1,477 embeddings) 200 epochs, UMAP's own choice for
  large inputs, gave the same labels (adjusted Rand index 1.0 after senko's minor-
  cluster filter and cosine merge; 150 and 300 too) in 2.5 s instead of 4.7 s.
- numba compiles UMAP's and pynndescent's kernels in every new process: about 10 s
  before the first long hearing, and another 30 s before the first one with over
  4,096 embeddings (about 70 minutes of speech), where UMAP switches to approximate
  neighbours. :func:`warm_up` compiles both on random points, so a worker pays this at
  start-up like a model load, not inside a hearing's processing time.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import warnings
from typing import Any

import numpy as np

__all__ = ["WARM_UP_POINTS", "UmapHdbscan", "warm_up", "warm_up_in_background"]

logger = logging.getLogger(__name__)

WARM_UP_POINTS = (200, 4200)
"""Point counts that compile UMAP's exact-neighbour path and, above 4,096, its
approximate one (pynndescent)."""
EMBEDDING_DIM = 192
"""CAM++ embedding size."""


class UmapHdbscan:
    """senko's UMAP + HDBSCAN step with a set number of UMAP epochs.

    Attributes:
        n_neighbors: UMAP neighbourhood (senko's configuration: 40).
        n_components: UMAP output dimensions (60).
        min_samples: HDBSCAN core distance (20).
        min_cluster_size: HDBSCAN smallest cluster (10).
        metric: UMAP metric (cosine).
        n_epochs: UMAP optimisation epochs.
        seed: UMAP random state, so a recording always gets the same speakers.

    """

    def __init__(
        self,
        *,
        n_neighbors: int,
        n_components: int,
        min_samples: int,
        min_cluster_size: int,
        metric: str,
        n_epochs: int | None,
        seed: int = 42,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.n_components = n_components
        self.min_samples = min_samples
        self.min_cluster_size = min_cluster_size
        self.metric = metric
        self.n_epochs = n_epochs
        self.seed = seed

    @classmethod
    def like(cls, senko_step: Any, n_epochs: int | None, seed: int = 42) -> UmapHdbscan:
        """The same clustering as senko's configured step, with ``n_epochs`` epochs."""
        return cls(
            n_neighbors=senko_step.n_neighbors,
            n_components=senko_step.n_components,
            min_samples=senko_step.min_samples,
            min_cluster_size=senko_step.min_cluster_size,
            metric=senko_step.metric,
            n_epochs=n_epochs,
            seed=seed,
        )

    def __call__(self, embeddings: np.ndarray) -> np.ndarray:
        """Cluster labels of ``(n, dim)`` embeddings (``-1`` for HDBSCAN's noise)."""
        import hdbscan
        import umap

        reduced = umap.UMAP(
            n_neighbors=self.n_neighbors,
            min_dist=0.0,
            n_components=min(self.n_components, embeddings.shape[0] - 2),
            metric=self.metric,
            n_epochs=self.n_epochs,
            random_state=self.seed,
        ).fit_transform(embeddings)
        clusterer = hdbscan.HDBSCAN(
            min_samples=self.min_samples, min_cluster_size=self.min_cluster_size
        )
        return np.asarray(clusterer.fit_predict(reduced))


def warm_up(step: Any, points: tuple[int, ...] = WARM_UP_POINTS) -> float:
    """Run a clustering step on random embeddings so numba compiles its kernels now.

    Args:
        step: A callable ``labels = step(embeddings)``, e.g. senko's clustering object.
        points: Sizes of the random sets; each size exercises one UMAP code path.

    Returns:
        Seconds it took.

    """
    # pynndescent's kernels cannot be cached on disk, and numba says so on every
    # compile; it is the reason for this warm-up, not news for a worker's log.
    warnings.filterwarnings("ignore", message="Cannot cache compiled function")
    started = time.perf_counter()
    rng = np.random.default_rng(0)
    for count in points:
        step(rng.standard_normal((count, EMBEDDING_DIM)).astype(np.float32))
    elapsed = time.perf_counter() - started
    logger.info("clustering warmed up in %.1f s", elapsed)
    return elapsed


def warm_up_in_background(step: Any, points: tuple[int, ...] = WARM_UP_POINTS) -> threading.Thread:
    """:func:`warm_up` in a daemon thread at the lowest CPU priority.

    A worker starts taking jobs at once; on Linux the thread's own nice value is raised
    to 19, so the compilation only uses CPU time that jobs leave idle. A hearing that
    needs the clustering before the warm-up is done waits for numba's compile lock, as
    it would have compiled anyway.
    """

    def run() -> None:
        # Not Linux, or not allowed: the warm-up runs at normal priority.
        with contextlib.suppress(AttributeError, OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        try:
            warm_up(step, points)
        except Exception:  # a failed warm-up only means the first long hearing compiles
            logger.warning("clustering warm-up failed", exc_info=True)

    thread = threading.Thread(target=run, name="clustering-warm-up", daemon=True)
    thread.start()
    return thread
