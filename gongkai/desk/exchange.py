"""Turns the preview server's HTTP requests into the desk's Requests and its Responses back into HTTP: the few
lines `serving.py` calls, so that the desk's rules stay in pure functions (app.py, security.py)."""

from __future__ import annotations

import http.server

from gongkai.desk.app import Desk, Request, Response
from gongkai.desk.security import UPLOAD_LIMIT

# JSON forms are small; only uploads may be large (up to the upload limit, checked before reading).
FORM_LIMIT = 2 * 1024 * 1024


def admitted(handler: http.server.BaseHTTPRequestHandler, desk: Desk) -> str | None:
    """The signed-in user ('' without users), or None after answering 401 (no or a wrong password) or 429 (try
    later): with users configured, every page of the server (the previews too, they show internal items) needs a
    name and password."""
    if not desk.users:
        return ""
    signed = desk.sign_in(handler.headers.get("Authorization"), handler.client_address[0])
    if signed.refused:
        body = signed.refused.encode()
        send(handler, Response(429, "text/plain; charset=utf-8", body, (("Retry-After", str(signed.retry_after)),)))
        return None
    user = signed.user
    if user is None:
        body = "请输入编辑台的用户名和密码。".encode()
        send(
            handler,
            Response(401, "text/plain; charset=utf-8", body, (("WWW-Authenticate", 'Basic realm="desk", charset="UTF-8"'),)),
        )
    return user


def answer(handler: http.server.BaseHTTPRequestHandler, desk: Desk, user: str) -> None:
    try:
        length = int(handler.headers.get("Content-Length") or 0)
    except ValueError:
        length = -1
    limit = UPLOAD_LIMIT if handler.path.startswith(("/desk/api/upload", "/desk/api/import")) else FORM_LIMIT
    if length < 0 or length > limit:
        handler.close_connection = True  # the body is never read
        message = f"内容太大（上限 {limit // 1024 // 1024} MB）。" if length > limit else "请求长度无法识别。"
        send(handler, Response(413, "application/json; charset=utf-8", f'{{"refused": "{message}"}}'.encode()))
        return
    body = handler.rfile.read(length) if handler.command == "POST" else b""
    headers = {name.lower(): value for name, value in handler.headers.items()}
    send(handler, desk.handle(Request(handler.command, handler.path, headers, body, user)))


def send(handler: http.server.BaseHTTPRequestHandler, response: Response) -> None:
    handler.send_response(response.status)
    handler.send_header("Content-Type", response.kind)
    handler.send_header("Content-Length", str(len(response.body)))
    handler.send_header("Cache-Control", "no-store")
    # The desk's pages may not be framed by another site (clickjacking) and load nothing from elsewhere.
    handler.send_header("X-Frame-Options", "SAMEORIGIN")
    handler.send_header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'")
    for name, value in response.headers:
        handler.send_header(name, value)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(response.body)
