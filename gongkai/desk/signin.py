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

# An unknown name is checked against a hash with the same parameters as the users' (this one when they use
# desk-user's): its answer takes as long as a wrong password's, so its time does not tell which names exist.
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
    unknown: str = field(init=False)

    def __post_init__(self) -> None:
        self.unknown = _like(next(iter(self.users.values()), UNKNOWN))

    def sign_in(self, header: str | None, address: str) -> SignIn:
        credentials = security.basic_credentials(header)
        if credentials is None:
            return SignIn(None)  # nothing to check: the browser is asked for a name and password
        name, password = credentials
        mark = hmac.new(self.key, password.encode(), hashlib.sha256).digest()
        # Counted by a digest of the name: 4,096 names of 60 KB each (a header's limit) would be 250 MB.
        keys = (f"address:{address}", f"name:{hashlib.sha256(name.encode()).hexdigest()}")
        with self.lock:
            if name in self.users and hmac.compare_digest(self.known.get(name, b""), mark):
                return SignIn(name)
            pause = max(self._pause(key) for key in keys)
        if pause > 0:
            return SignIn(None, f"密码错误次数过多，请 {pause} 秒后再试。", pause)
        if not self.checks.acquire(timeout=self.wait_seconds):
            return SignIn(None, "同时登录的人太多，请稍后再试。", 1)
        try:
            right = self.verify(password, self.users.get(name, self.unknown)) and name in self.users
        finally:
            self.checks.release()
        with self.lock:
            if right:
                self.known[name] = mark
                for key in keys:
                    self.failures.pop(key, None)
            else:
                for key in keys:
                    self._failed(key)
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


def _like(stored: str) -> str:
    """A hash that no password matches, with the scheme and parameters of `stored` (so: the same work)."""
    return "$".join(stored.split("$")[:4] + UNKNOWN.split("$")[4:])
