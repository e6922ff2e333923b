"""Turns an Authorization header into a signed-in name or a refusal: at most two password checks at a time, the
same scrypt work for an unknown name as for a wrong password, and a pause after repeated failures of one name from
one address, of one address, or (an alarm) of one name from addresses that never signed in as it."""

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
# Failures are throttled per name *and* address (OWASP): an attacker elsewhere cannot keep a clerk out by guessing
# her name, and one address guessing many names is stopped too. After the allowed failures each further try of
# that pair (or address) must wait PAUSE_SECONDS after the last failure; a success starts the pair and address over.
FAILURES_ALLOWED = 5  # in a row, for one name from one address
ADDRESS_FAILURES_ALLOWED = 20  # in a row, from one address whatever the names
# An alarm against guessing one name from many addresses: past this many failures for the name (its count starts
# over after WINDOW_SECONDS without one), new addresses are paused for it; one that signed in as it before is not.
NAME_FAILURES_ALLOWED = 100
PAUSE_SECONDS = 30.0
WINDOW_SECONDS = 3600.0  # a count with no failure for this long is forgotten
REMEMBERED = 16384  # counts and sign-ins remembered (the oldest forgotten first): a few MB at most

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
    failures: OrderedDict[str, tuple[int, float]] = field(default_factory=OrderedDict)  # key -> (count, last)
    signed: OrderedDict[str, None] = field(default_factory=OrderedDict)  # pair keys that have signed in
    unknown: str = field(init=False)

    def __post_init__(self) -> None:
        self.unknown = _like(next(iter(self.users.values()), UNKNOWN))

    def sign_in(self, header: str | None, address: str) -> SignIn:
        credentials = security.basic_credentials(header)
        if credentials is None:
            return SignIn(None)  # nothing to check: the browser is asked for a name and password
        name, password = credentials
        mark = hmac.new(self.key, password.encode(), hashlib.sha256).digest()
        # Counted by a digest of the name: 16,384 names of 60 KB each (a header's limit) would be 1 GB.
        named = hashlib.sha256(name.encode()).hexdigest()
        pair, by_address, by_name = f"pair:{address}:{named}", f"address:{address}", f"name:{named}"
        with self.lock:
            if name in self.users and hmac.compare_digest(self.known.get(name, b""), mark):
                return SignIn(name)
            pause = max(self._pause(pair, FAILURES_ALLOWED), self._pause(by_address, ADDRESS_FAILURES_ALLOWED))
            if pair not in self.signed:  # the alarm never keeps out an address that signed in as this name
                pause = max(pause, self._pause(by_name, NAME_FAILURES_ALLOWED))
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
                self.signed.pop(pair, None)
                self.signed[pair] = None
                while len(self.signed) > REMEMBERED:
                    self.signed.popitem(last=False)
                for key in (pair, by_address):  # the name's count stays: others may still be guessing it
                    self.failures.pop(key, None)
            else:
                for key in (pair, by_address, by_name):
                    self._failed(key)
        return SignIn(name if right else None)

    def _pause(self, key: str, allowed: int) -> int:
        """Whole seconds `key` must still wait before its next check (0: none). Call with the lock held."""
        count, last = self.failures.get(key, (0, 0.0))
        left = last + PAUSE_SECONDS - self.clock() if count >= allowed else 0.0
        return math.ceil(left) if left > 0 else 0

    def _failed(self, key: str) -> None:
        count, last = self.failures.pop(key, (0, 0.0))
        now = self.clock()
        self.failures[key] = (1 if now - last > WINDOW_SECONDS else count + 1, now)  # last: the most recent
        while len(self.failures) > REMEMBERED:
            self.failures.popitem(last=False)


def _like(stored: str) -> str:
    """A hash that no password matches, with the scheme and parameters of `stored` (so: the same work)."""
    return "$".join(stored.split("$")[:4] + UNKNOWN.split("$")[4:])
