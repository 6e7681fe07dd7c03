"""A local fake of Twilio's Messages API, for the real-services suite and the benchmark.

It speaks just enough of ``POST /2010-04-01/Accounts/<sid>/Messages.json`` for the real
``twilio`` SDK (pointed at it with ``TWILIO_API_BASE_URL``) to send through it: form-encoded
``To``, ``Body``, ``From`` or ``MessagingServiceSid`` and ``StatusCallback``, HTTP basic auth
with the account SID and auth token, and Twilio-shaped JSON answers (201 with an ``SM…`` SID, or
an error body ``{"code", "message", "more_info", "status"}`` that the SDK turns into a
``TwilioRestException``).

Like a real provider it:

- takes its time (``latency``) and *accepts* a message once that time has passed, even when the
  client hung up meanwhile (a worker killed mid-send);
- honours ``I-Twilio-Idempotency-Token``: a repeat of a token it already accepted gets the same
  SID back and is not a new message; a repeat arriving while the first is still in flight waits
  for it, so two attempts of one message can never both be accepted.

Answers can be scripted per call (``fake.script(Answer.server_error(), ...)``): each POST that is
not an idempotent repeat takes the next scripted answer, then the fake accepts. Every request is
recorded (``requests``) and so is every accepted message (``messages``).

No Django import here: the benchmark starts the fake before configuring Django.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
API_VERSION = "2010-04-01"
MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC[0-9a-fA-F]{32})/Messages\.json$")


@dataclass(frozen=True)
class Answer:
    """What the fake answers to one call: accept (201) or a Twilio error."""

    status: HTTPStatus = HTTPStatus.CREATED
    code: int | None = None
    message: str = ""

    @classmethod
    def accept(cls) -> Answer:
        return cls()

    @classmethod
    def server_error(cls) -> Answer:
        return cls(HTTPStatus.INTERNAL_SERVER_ERROR, 20500, "Internal Server Error")

    @classmethod
    def too_many_requests(cls) -> Answer:
        return cls(HTTPStatus.TOO_MANY_REQUESTS, 20429, "Too Many Requests")

    @classmethod
    def invalid_number(cls, number: str = "") -> Answer:
        return cls(
            HTTPStatus.BAD_REQUEST,
            21211,
            f"The 'To' number {number} is not a valid phone number.".replace("  ", " "),
        )

    @property
    def is_accept(self) -> bool:
        return self.status == HTTPStatus.CREATED


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request as the fake received it (before any latency)."""

    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]
    auth: tuple[str, str] | None
    received_at: float

    @property
    def idempotency_token(self) -> str:
        return self.headers.get(IDEMPOTENCY_HEADER.lower(), "")


@dataclass(frozen=True)
class AcceptedMessage:
    """A message the fake provider took on: what it would deliver to the handset."""

    sid: str
    account_sid: str
    to: str
    body: str
    from_: str
    messaging_service_sid: str
    status_callback: str
    idempotency_token: str
    accepted_at: float

    def as_json(self) -> dict[str, Any]:
        created = formatdate(self.accepted_at, usegmt=True)
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}.json"
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": created,
            "date_sent": None,
            "date_updated": created,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": self.from_ or None,
            "messaging_service_sid": self.messaging_service_sid or None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": "queued",
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": self.to,
            "uri": uri,
        }


@dataclass
class FakeTwilio:
    """The fake provider: ``with FakeTwilio(...) as fake:`` serves on 127.0.0.1:<free port>."""

    account_sid: str = "AC" + "0" * 31 + "1"
    auth_token: str = "fake-twilio-auth-token"
    latency: float = 0.0
    requests: list[RecordedRequest] = field(default_factory=list)
    messages: list[AcceptedMessage] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._script: deque[Answer] = deque()
        self._by_token: dict[str, AcceptedMessage] = {}
        self._token_locks: dict[str, threading.Lock] = {}
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeTwilio:
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- scripting and inspection ---------------------------------------------------------

    def script(self, *answers: Answer) -> None:
        """Queue answers for the next calls, in order; once they are used up, it accepts."""
        with self._lock:
            self._script.extend(answers)

    def reset(self) -> None:
        with self._lock:
            self._script.clear()
            self._by_token.clear()
            self._token_locks.clear()
            self.requests.clear()
            self.messages.clear()

    def requests_with_token(self, token: str) -> list[RecordedRequest]:
        with self._lock:
            return [request for request in self.requests if request.idempotency_token == token]

    def messages_with_token(self, token: str) -> list[AcceptedMessage]:
        with self._lock:
            return [message for message in self.messages if message.idempotency_token == token]

    @property
    def scripted_left(self) -> int:
        """Scripted answers not used yet (a storm is over when this is 0)."""
        with self._lock:
            return len(self._script)

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    @property
    def message_count(self) -> int:
        with self._lock:
            return len(self.messages)

    # --- what the handler calls -----------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _token_lock(self, token: str) -> threading.Lock:
        with self._lock:
            return self._token_locks.setdefault(token, threading.Lock())

    def _answer(self, request: RecordedRequest, account_sid: str) -> tuple[HTTPStatus, dict]:
        """Wait the latency, then decide; the acceptance stands even if nobody reads it."""
        if request.auth != (self.account_sid, self.auth_token) or account_sid != self.account_sid:
            return _error(Answer(HTTPStatus.UNAUTHORIZED, 20003, "Authenticate"))
        token = request.idempotency_token
        token_lock = self._token_lock(token) if token else threading.Lock()
        with token_lock:
            with self._lock:
                earlier = self._by_token.get(token) if token else None
            if earlier is not None:
                # An idempotent repeat: the same message again, not a new one.
                return HTTPStatus.CREATED, earlier.as_json()
            if self._stopping.wait(self.latency):
                raise ConnectionAbortedError("fake Twilio is stopping")
            missing = _missing_parameter(request.form)
            if missing is not None:
                return _error(missing)
            with self._lock:
                answer = self._script.popleft() if self._script else Answer.accept()
            if not answer.is_accept:
                return _error(answer)
            message = AcceptedMessage(
                sid=f"SM{uuid.uuid4().hex}",
                account_sid=account_sid,
                to=request.form["To"],
                body=request.form["Body"],
                from_=request.form.get("From", ""),
                messaging_service_sid=request.form.get("MessagingServiceSid", ""),
                status_callback=request.form.get("StatusCallback", ""),
                idempotency_token=token,
                accepted_at=time.time(),
            )
            with self._lock:
                self.messages.append(message)
                if token:
                    self._by_token[token] = message
            return HTTPStatus.CREATED, message.as_json()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # listen() backlog: a burst of workers connecting at once


def _missing_parameter(form: dict[str, str]) -> Answer | None:
    """Twilio's own codes for a request it cannot even consider."""
    if not form.get("To"):
        return Answer(HTTPStatus.BAD_REQUEST, 21604, "A 'To' phone number is required.")
    if not form.get("From") and not form.get("MessagingServiceSid"):
        return Answer(HTTPStatus.BAD_REQUEST, 21603, "A 'From' phone number is required.")
    if not form.get("Body"):
        return Answer(HTTPStatus.BAD_REQUEST, 21602, "Message body is required.")
    return None


def _error(answer: Answer) -> tuple[HTTPStatus, dict]:
    code = answer.code or int(answer.status)
    return answer.status, {
        "code": code,
        "message": answer.message or answer.status.phrase,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": int(answer.status),
    }


def _basic_auth(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(encoded).decode().partition(":")
    except ValueError:
        return None
    return user, password


def _handler_for(fake: FakeTwilio) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeTwilio/1.0"
        # Keep-alive, as Twilio's API: a client reuses its connection from one message to the
        # next (every answer carries its Content-Length).
        protocol_version = "HTTP/1.1"
        # Headers and body leave in one write (flushed after each request): written apart, the
        # body of a kept-alive answer waits on the client's delayed ACK (Nagle), about 40 ms.
        wbufsize = 64 * 1024

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            form = {key: values[-1] for key, values in parse_qs(raw).items()}
            request = RecordedRequest(
                method="POST",
                path=self.path,
                headers={key.lower(): value for key, value in self.headers.items()},
                form=form,
                auth=_basic_auth(self.headers.get("Authorization", "")),
                received_at=time.time(),
            )
            fake._record(request)
            match = MESSAGES_PATH.match(self.path.split("?")[0])
            if match is None:
                self._reply(*_error(Answer(HTTPStatus.NOT_FOUND, 20404, "Not Found")))
                return
            try:
                status, payload = fake._answer(request, match["sid"])
            except ConnectionAbortedError:
                self.close_connection = True
                return
            self._reply(status, payload)

        def do_GET(self) -> None:
            fake._record(
                RecordedRequest(
                    method="GET",
                    path=self.path,
                    headers={key.lower(): value for key, value in self.headers.items()},
                    form={},
                    auth=_basic_auth(self.headers.get("Authorization", "")),
                    received_at=time.time(),
                )
            )
            self._reply(*_error(Answer(HTTPStatus.NOT_FOUND, 20404, "Not Found")))

        def _reply(self, status: HTTPStatus, payload: dict) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                # The client went away (worker killed): the message stays accepted.
                self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the recorded requests say what happened."""

    return Handler
