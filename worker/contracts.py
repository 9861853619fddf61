"""Names shared between the API and the worker; the API imports nothing else of ours here."""

__all__ = ["PIPELINE_STEPS"]

PIPELINE_STEPS = ("probe", "normalize", "diarize", "transcribe", "merge")
"""Steps of one recording, in order, as reported in job progress."""
