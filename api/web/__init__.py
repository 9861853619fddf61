"""The browser pages: a small front-end served by the API itself.

Everything the pages need (HTML, scripts, styles, the font with the Kazakh letters) is
served by this app; nothing is fetched from the network at run time. The pages talk to
the same JSON API as any client, with the access token they get at sign-in.

* ``/`` is the single page (``static/index.html``); routes live after ``#`` (see
  docs/web.md), so the server has one page to serve.
* ``/static/...`` are the scripts (ES modules, no build step), the style sheet and icons.
* ``/static/fonts/DejaVuSans.ttf`` and ``DejaVuSans-Bold.ttf`` are the host's DejaVu Sans
  (the PDF font, found by :func:`protocol.fonts.find_fonts`), so every Russian and Kazakh
  letter renders the same on any laptop or tablet; without it the pages fall back to the
  device's sans-serif.

Every page response carries a Content-Security-Policy that allows scripts, styles,
fonts, media and requests from this origin only (no inline scripts or styles), and
``nosniff``/``no-referrer``/``DENY`` framing headers. Scripts and styles are revalidated
on every load (``no-cache`` with ETag), fonts are cached for a week.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Literal

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

from protocol.errors import DocumentError
from protocol.fonts import find_fonts

__all__ = ["CONTENT_SECURITY_POLICY", "STATIC_DIR", "mount_web", "page_headers"]

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
"""Scripts, styles and the page shell."""

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "font-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
"""Same-origin only; no inline script or style (the pages have none)."""

_FONT_MAX_AGE = 7 * 24 * 3600


def page_headers(cache: str = "no-cache") -> dict[str, str]:
    """Security and cache headers of every page and static file."""
    return {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cache-Control": cache,
    }


class _PageFiles(StaticFiles):
    """Static files with the pages' headers; revalidated each load (ETag/304)."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(page_headers())
        return response


def _font_path(face: Literal["regular", "bold"]) -> Path:
    try:
        fonts = find_fonts()
    except DocumentError as exc:
        logger.info("no DejaVu Sans to serve to the pages: %s", exc)
        raise HTTPException(404, "font not installed on this server") from exc
    return fonts.regular if face == "regular" else fonts.bold


def mount_web(app: FastAPI) -> None:
    """Serve the page at ``/``, the font at ``/static/fonts`` and files at ``/static``."""

    # registered before the /static mount, which would otherwise answer these paths
    @app.api_route("/static/fonts/DejaVuSans.ttf", methods=["GET", "HEAD"], include_in_schema=False)
    def font_regular() -> FileResponse:
        return FileResponse(
            _font_path("regular"),
            media_type="font/ttf",
            headers=page_headers(f"public, max-age={_FONT_MAX_AGE}"),
        )

    @app.api_route(
        "/static/fonts/DejaVuSans-Bold.ttf", methods=["GET", "HEAD"], include_in_schema=False
    )
    def font_bold() -> FileResponse:
        return FileResponse(
            _font_path("bold"),
            media_type="font/ttf",
            headers=page_headers(f"public, max-age={_FONT_MAX_AGE}"),
        )

    app.mount("/static", _PageFiles(directory=STATIC_DIR), name="static")

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(
            STATIC_DIR / "index.html", media_type="text/html", headers=page_headers()
        )
