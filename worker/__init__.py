"""Worker: settings, the pipeline that composes the engines, and (later) Celery tasks."""

__all__: list[str] = []
