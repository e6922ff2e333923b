"""Turns an Authorization header into a signed-in name or a refusal: at most two password checks at a time, the
same scrypt work for an unknown name as for a wrong password, and a pause after repeated failures."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from gongkai.desk import security

# Each check costs 16 MiB and a core for ~50 ms: two at once leave the machine's other core to the build.
CHECKS_AT_ONCE = 2
CHECK_WAIT_SECONDS = 2.0  # a sign-in waits this long for a free check, then is told to try again
FAILURES_ALLOWED = 5  # in a row, from one address or for one name, before each further try must wait
PAUSE_SECONDS = 30.0  # that wait: one guess per 30 s per address and per name
REMEMBERED = 4096  # addresses and names whose failures are counted (the oldest forgotten first)

# An unknown name is checked against this hash, with the same parameters as a real one: its answer takes as
# long as a wrong password's, so the time of the answer does not tell which names exist.
UNKNOWN = security.stored_hash(b"\0" * 16, b"\0" * 32)


@dataclass(frozen=True)
class SignIn:
    user: str | None  # the name, when its password is right
    refused: str = ""  # why nothing was checked: the answer is 429, try again later
    retry_after: int = 0  # seconds, for the Retry-After header


@dataclass
class Gate:
    """The desk's sign-in: its users, the checks running, the failures counted. Shared by request threads."""

    users: dict[str, str]  # name -> scrypt hash
    verify: Callable[[str, str], bool] = security.verify_password  # (password, stored hash) -> right?
    clock: Callable[[], float] = time.monotonic
    wait_seconds: float = CHECK_WAIT_SECONDS
    checks: threading.BoundedSemaphore = field(default_factory=lambda: threading.BoundedSemaphore(CHECKS_AT_ONCE))
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    lock: threading.Lock = field(default_factory=threading.Lock)
    # name -> a keyed hash of the password found right: later requests of that browser cost no scrypt. Only
    # successes are remembered (at most one per user), so a wrong password costs the same every time.
    known: dict[str, bytes] = field(default_factory=dict)
    failures: OrderedDict[str, tuple[int, float]] = field(default_factory=OrderedDict)  # key -> (in a row, last)

    def sign_in(self, header: str | None, address: str) -> SignIn:
        credentials = security.basic_credentials(header)
        if credentials is None:
            return SignIn(None)  # nothing to check: the browser is asked for a name and password
        name, password = credentials
        mark = hmac.new(self.key, password.encode(), hashlib.sha256).digest()
        with self.lock:
            if name in self.users and hmac.compare_digest(self.known.get(name, b""), mark):
                return SignIn(name)
            pause = max(self._pause(f"address:{address}"), self._pause(f"name:{name}"))
        if pause > 0:
            return SignIn(None, f"密码错误次数过多，请 {pause} 秒后再试。", pause)
        if not self.checks.acquire(timeout=self.wait_seconds):
            return SignIn(None, "同时登录的人太多，请稍后再试。", 1)
        try:
            right = self.verify(password, self.users.get(name, UNKNOWN)) and name in self.users
        finally:
            self.checks.release()
        with self.lock:
            if right:
                self.known[name] = mark
                self.failures.pop(f"address:{address}", None)
                self.failures.pop(f"name:{name}", None)
            else:
                self._failed(f"address:{address}")
                self._failed(f"name:{name}")
        return SignIn(name if right else None)

    def _pause(self, key: str) -> int:
        """Whole seconds `key` must still wait before its next check (0: none). Call with the lock held."""
        count, last = self.failures.get(key, (0, 0.0))
        left = last + PAUSE_SECONDS - self.clock() if count >= FAILURES_ALLOWED else 0.0
        return math.ceil(left) if left > 0 else 0

    def _failed(self, key: str) -> None:
        count, _ = self.failures.pop(key, (0, 0.0))
        self.failures[key] = (count + 1, self.clock())  # last in the order: the most recent
        while len(self.failures) > REMEMBERED:
            self.failures.popitem(last=False)
