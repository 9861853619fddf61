"""A window's own language, detected one window at a time, equals the batched detection."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from transcribe.batched import _WindowDetection


@pytest.mark.slow
def test_single_window_detection_equals_the_batched_one(engines, real_hearing):
    model = engines.whisper._model
    audio, rate = sf.read(str(real_hearing.mix), dtype="float32")
    assert rate == 16000
    # The hearing in three windows, each padded to Whisper's 30 s as the batched
    # pipeline feeds them.
    third = len(audio) // 3
    pieces = [audio[i * third : (i + 1) * third] for i in range(3)]
    features = np.stack(
        [model.feature_extractor(p, padding=480000 - len(p))[:, :3000] for p in pieces]
    )
    encoded = model.encode(features)
    batched = model.model.detect_language(encoded)
    own = _WindowDetection(model.model, encoded)
    for item in range(3):
        single = dict(own(item))
        expected = dict(batched[item])
        assert single.keys() == expected.keys()
        assert max(abs(single[k] - expected[k]) for k in expected) < 1e-4
