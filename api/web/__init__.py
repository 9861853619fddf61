"""The browser pages: a small front-end served by the API itself.

Everything the pages need (HTML, scripts, styles, the font with the Kazakh letters) is
served by this app; nothing is fetched from the network at run time. The pages talk to
the same JSON API as any client, with the access token they get at sign-in.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["STATIC_DIR", "mount_web"]

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
"""Scripts, styles and the page shell."""


def mount_web(app: FastAPI) -> None:
    """Serve the pages at ``/`` and their files at ``/static``."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False, response_class=HTMLResponse)
    def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")
