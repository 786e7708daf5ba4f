"""Request bodies are read whole or refused.

A body is read in full before the app sees it, whether it came with a
``Content-Length`` or ``Transfer-Encoding: chunked``. One longer than
``KG_MAX_BODY`` is answered 413 here and never reaches the app, so the text a
query handler runs is always all the text the client sent (werkzeug's own
limit on a chunked stream stops reading at the limit without saying so).
Below the limit, the app gets the body as an in-memory stream with its
length, as if it had been sent with a ``Content-Length``.
"""

from __future__ import annotations

import io


def too_large_message(max_body: int) -> str:
    return (f"Request body too large: the limit is {max_body} bytes (KG_MAX_BODY). "
            "Send a shorter query.\n")


class WholeBodies:
    """WSGI layer: buffer each request body up to ``max_body`` bytes, or 413."""

    def __init__(self, app, max_body: int, extra_headers: dict | None = None):
        self.app = app
        self.max_body = max_body
        self.extra = list((extra_headers or {}).items())

    def __call__(self, environ, start_response):
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        raw_length = environ.get("CONTENT_LENGTH") or ""
        if not chunked and not raw_length:
            return self.app(environ, start_response)
        if chunked:
            body = self._read(environ["wsgi.input"], self.max_body + 1)
        else:
            try:
                length = int(raw_length)
            except ValueError:
                length = -1
            if length < 0:
                return self._refuse(start_response, "400 BAD REQUEST",
                                    "Content-Length is not a whole number.\n")
            if length > self.max_body:
                return self._too_large(start_response)
            body = self._read(environ["wsgi.input"], length)
        if len(body) > self.max_body:
            return self._too_large(start_response)
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)

    @staticmethod
    def _read(stream, limit: int) -> bytes:
        parts, size = [], 0
        while size < limit:
            part = stream.read(min(65536, limit - size))
            if not part:
                break
            parts.append(part)
            size += len(part)
        return b"".join(parts)

    def _too_large(self, start_response):
        return self._refuse(start_response, "413 REQUEST ENTITY TOO LARGE",
                            too_large_message(self.max_body))

    def _refuse(self, start_response, status: str, message: str):
        body = message.encode("utf-8")
        # The rest of the body is not read: close the connection after this.
        start_response(status, [("Content-Type", "text/plain; charset=utf-8"),
                                ("Content-Length", str(len(body))), ("Connection", "close"),
                                *self.extra])
        return [body]
