"""The desk's sign-in under attack: an unknown name costs the same scrypt work as a wrong password, at most two
checks run at once (the others are told to try later), and repeated failures pause a name from one address, an
address, or (an alarm) a name for addresses that never signed in as it."""

from __future__ import annotations

import base64
import threading

from gongkai.desk import security, signin
from gongkai.desk.signin import (
    ADDRESS_FAILURES_ALLOWED,
    CHECKS_AT_ONCE,
    FAILURES_ALLOWED,
    NAME_FAILURES_ALLOWED,
    PAUSE_SECONDS,
    UNKNOWN,
    WINDOW_SECONDS,
    Gate,
)

WAIT = 30.0  # generous: only a broken gate waits this long
STORED = security.user_line("张三", "correct horse").split(":", 1)[1]


def basic(name: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()


class Counting:
    """A stand-in for scrypt that records what it was asked (and answers as scrypt would)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, password: str, stored: str) -> bool:
        self.calls.append(stored)
        return security.verify_password(password, stored)


def test_an_unknown_name_costs_one_scrypt_check_of_the_same_parameters_like_a_wrong_password():
    counting = Counting()
    gate = Gate({"张三": STORED}, verify=counting)
    assert gate.sign_in(basic("李四", "correct horse"), "192.0.2.1").user is None
    assert counting.calls == [UNKNOWN]
    assert UNKNOWN.split("$")[:4] == STORED.split("$")[:4]  # scheme, N, r, p: the same memory and time
    assert gate.sign_in(basic("张三", "wrong horse"), "192.0.2.2").user is None
    assert counting.calls == [UNKNOWN, STORED]
    for _ in range(2):  # failures are never remembered: every repeat costs the same again
        gate.sign_in(basic("李四", "x"), "192.0.2.3")
        gate.sign_in(basic("张三", "x"), "192.0.2.4")
    assert len(counting.calls) == 6


def test_a_right_password_is_checked_once_then_remembered():
    counting = Counting()
    gate = Gate({"张三": STORED}, verify=counting)
    for _ in range(3):
        assert gate.sign_in(basic("张三", "correct horse"), "192.0.2.1").user == "张三"
    assert counting.calls == [STORED]
    assert gate.sign_in(basic("张三", "correct horsf"), "192.0.2.1").user is None  # not the remembered one
    assert len(counting.calls) == 2
    assert gate.sign_in(None, "192.0.2.1") == gate.sign_in("Bearer x", "192.0.2.1")  # nothing to check
    assert gate.sign_in(None, "192.0.2.1").user is None and len(counting.calls) == 2


class Blocking:
    """A hasher that holds every check until released, and counts how many run at once."""

    def __init__(self) -> None:
        self.inside = self.most = 0
        self.changed = threading.Condition()
        self.released = threading.Event()

    def __call__(self, password: str, stored: str) -> bool:
        with self.changed:
            self.inside += 1
            self.most = max(self.most, self.inside)
            self.changed.notify_all()
        assert self.released.wait(WAIT)
        with self.changed:
            self.inside -= 1
        return False


def test_at_most_two_checks_run_at_once_and_the_others_are_told_to_try_later():
    blocking = Blocking()
    gate = Gate({"张三": STORED}, verify=blocking, wait_seconds=0)
    answers: list = []
    threads = [
        threading.Thread(target=lambda n=n: answers.append(gate.sign_in(basic("张三", f"guess {n}"), f"192.0.2.{n}")))
        for n in range(CHECKS_AT_ONCE)
    ]
    for thread in threads:
        thread.start()
    with blocking.changed:
        assert blocking.changed.wait_for(lambda: blocking.inside == CHECKS_AT_ONCE, WAIT)
    late = [gate.sign_in(basic("李四", f"guess {n}"), f"198.51.100.{n}") for n in range(5)]  # no check free
    assert all(a.user is None and "请稍后再试" in a.refused and a.retry_after >= 1 for a in late)
    blocking.released.set()
    for thread in threads:
        thread.join(WAIT)
    assert blocking.most == CHECKS_AT_ONCE
    assert [a.refused for a in answers] == ["", ""]  # checked: a wrong password (401), not a refusal
    assert gate.sign_in(basic("张三", "x"), "192.0.2.99").refused == ""  # free again


def fake(password: str, stored: str) -> bool:
    """A stand-in for scrypt that costs nothing: only "correct horse" is right."""
    return password == "correct horse"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_repeated_failures_pause_that_name_from_that_address_only():
    counting, clock = Counting(), Clock()
    gate = Gate({"张三": STORED, "王五": STORED}, verify=counting, clock=clock)
    for _ in range(FAILURES_ALLOWED):
        assert gate.sign_in(basic("张三", "guess"), "192.0.2.1").refused == ""
    paused = gate.sign_in(basic("张三", "correct horse"), "192.0.2.1")
    assert paused.user is None and "密码错误次数过多" in paused.refused and paused.retry_after == PAUSE_SECONDS
    assert len(counting.calls) == FAILURES_ALLOWED  # no scrypt spent while paused
    assert gate.sign_in(basic("王五", "guess"), "192.0.2.1").refused == ""  # the same address, another name
    assert gate.sign_in(basic("张三", "correct horse"), "203.0.113.9").user == "张三"  # the name, elsewhere
    clock.now += PAUSE_SECONDS
    assert gate.sign_in(basic("张三", "guess"), "192.0.2.1").refused == ""  # one more try after the pause


def test_an_attacker_at_one_address_cannot_keep_a_user_at_another_out():
    clock = Clock()
    gate = Gate({"张三": STORED}, verify=fake, clock=clock)
    for _ in range(3):  # a burst of guesses, then one every 30 s: the attack that kept 张三 out before
        for _ in range(FAILURES_ALLOWED + 2):
            gate.sign_in(basic("张三", "guess"), "198.51.100.7")
        clock.now += PAUSE_SECONDS
    assert gate.sign_in(basic("张三", "guess"), "198.51.100.7").refused == ""
    assert "密码错误次数过多" in gate.sign_in(basic("张三", "guess"), "198.51.100.7").refused
    assert gate.sign_in(basic("张三", "correct horse"), "192.0.2.1").user == "张三"  # never signed in before


def test_one_address_guessing_many_names_is_paused():
    clock = Clock()
    gate = Gate({"张三": STORED}, verify=lambda p, s: False, clock=clock)
    for n in range(ADDRESS_FAILURES_ALLOWED):
        assert gate.sign_in(basic(f"名{n}", "guess"), "198.51.100.7").refused == ""
    paused = gate.sign_in(basic("另一个名", "guess"), "198.51.100.7")
    assert "密码错误次数过多" in paused.refused and paused.retry_after == PAUSE_SECONDS
    assert gate.sign_in(basic("另一个名", "guess"), "192.0.2.1").refused == ""  # another address is not
    clock.now += PAUSE_SECONDS
    assert gate.sign_in(basic("另一个名", "guess"), "198.51.100.7").refused == ""


def test_a_name_guessed_from_many_addresses_pauses_new_addresses_only():
    clock = Clock()
    gate = Gate({"张三": STORED}, verify=fake, clock=clock)
    assert gate.sign_in(basic("张三", "correct horse"), "192.0.2.1").user == "张三"
    for n in range(NAME_FAILURES_ALLOWED):  # one guess from each of 100 addresses: none reaches its own limit
        assert gate.sign_in(basic("张三", "guess"), f"10.0.{n // 250}.{n % 250}").refused == ""
    new = gate.sign_in(basic("张三", "guess"), "203.0.113.9")
    assert "密码错误次数过多" in new.refused and new.retry_after == PAUSE_SECONDS
    before = gate.sign_in(basic("张三", "mistyped"), "192.0.2.1")  # signed in from here before: still checked
    assert before.refused == "" and before.user is None
    assert gate.sign_in(basic("张三", "correct horse"), "192.0.2.1").user == "张三"
    clock.now += PAUSE_SECONDS
    assert gate.sign_in(basic("张三", "guess"), "203.0.113.9").refused == ""


def test_a_name_never_signed_in_is_paused_everywhere_new_during_the_alarm():
    clock = Clock()
    gate = Gate({"张三": STORED}, verify=fake, clock=clock)
    for n in range(NAME_FAILURES_ALLOWED):
        gate.sign_in(basic("张三", "guess"), f"10.0.{n // 250}.{n % 250}")
    assert "密码错误次数过多" in gate.sign_in(basic("张三", "correct horse"), "192.0.2.1").refused
    clock.now += WINDOW_SECONDS + 1  # a count with no failure for the window is forgotten
    gate.sign_in(basic("张三", "guess"), "10.9.9.9")
    assert gate.sign_in(basic("张三", "correct horse"), "192.0.2.1").user == "张三"


def test_an_unknown_name_is_paused_like_a_known_one():
    clock = Clock()
    gate = Gate({"张三": STORED}, verify=lambda p, s: False, clock=clock)
    for n in range(NAME_FAILURES_ALLOWED):
        gate.sign_in(basic("张三", "guess"), f"10.0.{n // 250}.{n % 250}")
        gate.sign_in(basic("李四", "guess"), f"10.1.{n // 250}.{n % 250}")
    for _ in range(FAILURES_ALLOWED):
        gate.sign_in(basic("张三", "guess"), "192.0.2.1")
        gate.sign_in(basic("李四", "guess"), "192.0.2.2")
    for addresses in (("203.0.113.1", "203.0.113.2"), ("192.0.2.1", "192.0.2.2")):
        known = gate.sign_in(basic("张三", "guess"), addresses[0])
        unknown = gate.sign_in(basic("李四", "guess"), addresses[1])
        assert known.refused == unknown.refused != "" and known.retry_after == unknown.retry_after


def test_an_unknown_name_costs_what_the_users_own_parameters_cost():
    stronger = "scrypt$32768$8$1$" + "$".join(STORED.split("$")[4:])
    counting = Counting()
    gate = Gate({"张三": stronger}, verify=counting)
    gate.sign_in(basic("李四", "x"), "192.0.2.1")
    assert counting.calls[0].split("$")[:4] == ["scrypt", "32768", "8", "1"]


def test_failures_are_remembered_in_bounded_space(monkeypatch):
    monkeypatch.setattr(signin, "REMEMBERED", 6)
    gate = Gate({"张三": STORED}, verify=lambda p, s: False)
    for n in range(10):
        gate.sign_in(basic("名" * 20_000 + str(n), "x"), f"192.0.2.{n}")
    assert len(gate.failures) == 6 and all(len(key) < 128 for key in gate.failures)
    assert list(gate.failures)[-1] == "address:192.0.2.9" or list(gate.failures)[-2] == "address:192.0.2.9"
