"""``GET /api/v1/recordings/{id}/audio``: the normalized audio, with HTTP range requests.

The worker keeps the 16 kHz mono WAV it transcribed (``audio/<id>/mix.wav``), so the
times in the protocol are times in this file and a player can seek to any segment with
a ``Range: bytes=...`` request (206 Partial Content). One range per request, which is
what audio elements send; a malformed ``Range`` answers 400, one past the end 416 with
``Content-Range: bytes */<size>``. The body is streamed from the store, never held whole.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from api.audit import Audit, Trail
from api.auth import Principal, UserCaller, load_for, optional_bearer, principal_from_ticket
from api.deps import AppState, State
from api.policy import Action
from api.routes.recordings import RecordingId
from api.schemas import ERROR_RESPONSES, ErrorOut
from api.schemas_access import AudioLinkOut

__all__ = ["ByteRange", "parse_range", "router"]

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1/recordings", tags=["audio"], responses=ERROR_RESPONSES)

AUDIO_LINK_TTL = timedelta(hours=4)
"""How long an audio link works: a long hearing listened to in one sitting."""

_RANGE = re.compile(r"bytes=(\d{0,19})-(\d{0,19})")
_CHUNK = 256 * 1024
_MAX_RANGE_HEADER = 200


@dataclass(frozen=True)
class ByteRange:
    """An inclusive byte range of an object of ``size`` bytes."""

    start: int
    end: int
    size: int

    @property
    def length(self) -> int:
        """Bytes in the range."""
        return self.end - self.start + 1


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """Parse a ``Range`` header for an object of ``size`` bytes (``None``: whole object).

    Raises:
        HTTPException: 400 for a malformed or multi-range header, 416 for a range that
            starts past the end (with the ``Content-Range`` a client needs).

    """
    if header is None:
        return None
    text = header.strip()
    if len(text) > _MAX_RANGE_HEADER or "," in text:
        raise HTTPException(400, "Range: one range of bytes is supported, e.g. bytes=0-1023")
    match = _RANGE.fullmatch(text)
    if match is None or (not match.group(1) and not match.group(2)):
        raise HTTPException(400, "Range must look like bytes=START-END, bytes=START- or bytes=-N")
    first, last = match.group(1), match.group(2)
    if not first:  # suffix: the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise _unsatisfiable(size)
        return ByteRange(max(0, size - suffix), size - 1, size)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if last and int(last) < start:
        raise HTTPException(400, "Range: the end comes before the start")
    if start >= size:
        raise _unsatisfiable(size)
    return ByteRange(start, end, size)


def _unsatisfiable(size: int) -> HTTPException:
    return HTTPException(
        416,
        f"the range lies outside the audio ({size} bytes)",
        headers={"Content-Range": f"bytes */{size}"},
    )


def _stream(state: AppState, key: str, start: int, length: int) -> Iterator[bytes]:
    remaining = length
    with state.store.open_read(key, start=start) as stream:
        while remaining > 0:
            chunk = stream.read(min(_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk


@router.get(
    "/{recording_id}/audio",
    name="get_audio",
    summary="The hearing audio (WAV), seekable with Range requests",
    responses={
        200: {"description": "The whole file.", "content": {"audio/wav": {}}},
        206: {"description": "The requested range.", "content": {"audio/wav": {}}},
        400: {"model": ErrorOut, "description": "Malformed Range header."},
        403: {"model": ErrorOut, "description": "Your role does not listen to hearings."},
        404: {"model": ErrorOut, "description": "No such recording (or not yours), or no audio."},
        416: {"model": ErrorOut, "description": "The range starts past the end."},
    },
)
def get_audio(
    recording_id: RecordingId,
    request: Request,
    state: State,
    bearer: Annotated[Principal | None, Depends(optional_bearer)],
    range_header: Annotated[
        str | None, Header(alias="Range", description="bytes=START-END (one range).")
    ] = None,
    ticket: Annotated[
        str | None,
        Query(
            max_length=2048,
            description="Audio-link ticket from POST .../audio-link, for players that "
            "cannot send an Authorization header.",
        ),
    ] = None,
) -> StreamingResponse:
    """The normalized 16 kHz mono WAV; protocol times are times in this file.

    Authenticate with a bearer token or with the ``ticket`` of an audio link; either way
    the caller's access to this recording is checked now.
    """
    principal = bearer
    if principal is None:
        if ticket is None:
            raise HTTPException(
                401,
                "authentication required: a bearer token or an audio link's ticket",
                headers={"WWW-Authenticate": 'Bearer realm="courtrec"'},
            )
        principal = principal_from_ticket(state, ticket, recording_id)
    trail = Trail(request, principal)
    details = {
        "range": (range_header or "")[:_MAX_RANGE_HEADER] or None,
        "via": "bearer" if bearer is not None else "link",
    }

    def locate(session: Session) -> tuple[str, ByteRange | None, int]:
        recording, scope = load_for(session, principal, Action.READ, recording_id)
        if recording.audio_key is None:
            raise HTTPException(404, "this recording has no playback audio (not processed yet)")
        size = state.store.stat(recording.audio_key).size
        wanted = parse_range(range_header, size)
        trail.record(
            session,
            "audio.stream",
            status_code=200 if wanted is None else 206,
            object_type="recording",
            object_id=recording_id,
            court_id=scope.court_id,
            details=details,
        )
        return recording.audio_key, wanted, size

    key, wanted, size = trail.run(
        state, "audio.stream", locate, object_type="recording", object_id=recording_id
    )
    headers = {"Accept-Ranges": "bytes", "Cache-Control": "private, max-age=0"}
    if wanted is None:
        headers["Content-Length"] = str(size)
        return StreamingResponse(
            _stream(state, key, 0, size), media_type="audio/wav", headers=headers
        )
    headers["Content-Length"] = str(wanted.length)
    headers["Content-Range"] = f"bytes {wanted.start}-{wanted.end}/{size}"
    return StreamingResponse(
        _stream(state, key, wanted.start, wanted.length),
        status_code=206,
        media_type="audio/wav",
        headers=headers,
    )


@router.post(
    "/{recording_id}/audio-link",
    summary="A time-limited link to the audio, for an <audio> element",
    response_model=AudioLinkOut,
    responses={
        403: {"model": ErrorOut, "description": "Your role does not listen to hearings."},
        404: {"model": ErrorOut, "description": "No such recording (or not yours)."},
    },
)
def audio_link(
    recording_id: RecordingId,
    request: Request,
    state: State,
    principal: UserCaller,
    trail: Audit,
) -> AudioLinkOut:
    """A URL with a ticket that opens this recording's audio for a few hours.

    Players cannot send an ``Authorization`` header, so the page asks for this link.
    The ticket names the user and this recording only; access is checked again on every
    request it makes, so removing a party from the case closes it at once.
    """

    def check(session: Session) -> None:
        _, scope = load_for(session, principal, Action.READ, recording_id)
        trail.record(
            session,
            "audio.link",
            object_type="recording",
            object_id=recording_id,
            court_id=scope.court_id,
        )

    trail.run(state, "audio.link", check, object_type="recording", object_id=recording_id)
    issued = state.tokens.issue_audio_ticket(principal.id, recording_id, AUDIO_LINK_TTL)
    path = request.url_for("get_audio", recording_id=recording_id).path
    return AudioLinkOut(
        url=f"{path}?ticket={issued.token}",
        expires_in=issued.expires_in,
        expires_at=issued.expires_at,
    )
