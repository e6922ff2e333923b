"""Turns the preview server's HTTP requests into the desk's Requests and its Responses back into HTTP: the few
lines `serving.py` calls, so that the desk's rules stay in pure functions (app.py, security.py)."""

from __future__ import annotations

import http.server
import json
from collections.abc import Callable
from urllib.parse import urlsplit

from gongkai.admission import declared_length
from gongkai.desk.app import Desk, Request, Response
from gongkai.desk.security import UPLOAD_LIMIT

# JSON forms are small; only uploads may be large (up to the upload limit, checked before reading).
FORM_LIMIT = 2 * 1024 * 1024
BODY_LIMITS = {"/desk/api/upload": UPLOAD_LIMIT, "/desk/api/import": UPLOAD_LIMIT}


def admitted(handler: http.server.BaseHTTPRequestHandler, desk: Desk) -> str | None:
    """The signed-in user ('' without users), or None after answering 401 (no or a wrong password) or 429 (try
    later): with users configured, every page of the server (the previews too, they show internal items) needs a
    name and password."""
    if not desk.users:
        return ""
    # Refused, a request's body stays unread: serve then ends the connection (gongkai/serving.py).
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


def answer(handler: http.server.BaseHTTPRequestHandler, desk: Desk, user: str, read: Callable[[int], bytes]) -> None:
    """Answers a request to /desk/. A change is judged by its head first (address, origin, CSRF token, declared
    length): a refused one's body is never read, so a stranger cannot hold the connection by sending it slowly.
    `read(n)`: the body's n bytes within the time serve allows for them; raises TimeoutError."""
    headers = {name.lower(): value for name, value in handler.headers.items()}
    length = declared_length(handler.headers)  # its framing already found sound: one length, of digits
    if handler.command != "POST":  # a body we leave unread ends the connection (gongkai/serving.py)
        send(handler, desk.handle(Request(handler.command, handler.path, headers, b"", user)))
        return
    refused = desk.refusal(headers, user)
    if refused:
        _refuse(handler, 403, refused)
        return
    limit = BODY_LIMITS.get(urlsplit(handler.path).path, FORM_LIMIT)
    if length > limit:
        _refuse(handler, 413, f"内容太大（上限 {limit // 1024 // 1024} MB）。")
        return
    try:
        body = read(length)
    except TimeoutError:
        _refuse(handler, 408, "上传太慢，没有在规定时间内收完，已中止。请检查网络后重试。")
        return
    if len(body) < length:  # the client closed before sending it all: nobody is left to answer
        handler.close_connection = True
        return
    send(handler, desk.handle(Request(handler.command, handler.path, headers, body, user)))


def _refuse(handler: http.server.BaseHTTPRequestHandler, status: int, message: str) -> None:
    """Refuses a change whose body was not read: the connection ends with the answer (what is left of the body
    must not be taken for the next request)."""
    handler.close_connection = True
    body = json.dumps({"refused": message}, ensure_ascii=False).encode()
    send(handler, Response(status, "application/json; charset=utf-8", body, (("Connection", "close"),)))


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
