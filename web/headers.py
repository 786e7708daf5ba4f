"""Security headers on every response (pages, documents, dumps, the endpoint).

A WSGI layer, so answers made outside Flask (exact repeats from the cache,
refused bodies) carry them too. The pages meet the policy: no inline script
or style, no event-handler attributes, nothing fetched from elsewhere
(scripts and styles are files under ``/static/``; pictures are SVG drawn
on the server).
"""

from __future__ import annotations

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HEADERS = [
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),  # for browsers that predate frame-ancestors
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
]


class SecurityHeaders:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        def with_headers(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            headers = list(headers) + [(k, v) for k, v in HEADERS if k.lower() not in present]
            return start_response(status, headers, exc_info)
        return self.app(environ, with_headers)
