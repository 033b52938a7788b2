"""The office's password, sessions and login throttling at the library level (the web page's
login only calls these): scrypt with a salt and stated parameters, constant-time verification,
hashed sessions that expire, wrong passwords slowed down and the count kept across restarts."""

from __future__ import annotations

import datetime as dt

import pytest
from roundkit import Clock

from xltools.round import auth
from xltools.round.errors import LoginRefused, Refused
from xltools.round.service import RoundService


def test_a_password_hash_is_salted_states_its_parameters_and_verifies():
    a, b = auth.hash_password("政务公开办2025"), auth.hash_password("政务公开办2025")
    assert a != b  # a random salt each time
    assert a.startswith(f"scrypt$n={auth.SCRYPT_N},r={auth.SCRYPT_R},p={auth.SCRYPT_P}$")
    assert auth.verify_password("政务公开办2025", a) and auth.verify_password("政务公开办2025", b)
    assert not auth.verify_password("政务公开办2024", a)
    cheap = auth.hash_password("pw-12345", n=2**10)  # the stored parameters are the ones used
    assert auth.verify_password("pw-12345", cheap)
    for broken in ("", "plain", "md5$x$y$z", "scrypt$n=x$AA==$AA==", a.replace("scrypt", "bcrypt")):
        assert not auth.verify_password("政务公开办2025", broken)


def test_tokens_have_256_bits_and_only_their_hash_is_kept():
    tokens = {auth.new_token() for _ in range(100)}
    assert len(tokens) == 100 and all(len(t) == 43 for t in tokens)
    t = tokens.pop()
    assert auth.token_hash(t) != t and len(auth.token_hash(t)) == 64


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def svc(tmp_path, clock):
    with RoundService.open(str(tmp_path), clock=clock) as s:
        yield s


def test_login_gives_a_session_that_expires_and_ends(svc, clock):
    with pytest.raises(LoginRefused):
        svc.login("anything")  # no password set yet
    with pytest.raises(Refused, match="至少要 8 个字符"):
        svc.set_password("short")
    svc.set_password("correct horse")
    assert svc.has_password()
    token = svc.login("correct horse")
    assert svc.session_valid(token)
    assert token not in "\n".join(svc.store._db().iterdump())
    assert not svc.session_valid(token[:-1]) and not svc.session_valid("") and not svc.session_valid(None)
    clock.advance(hours=11, minutes=59)
    assert svc.session_valid(token)
    clock.advance(minutes=2)
    assert not svc.session_valid(token)  # 12 hours
    token = svc.login("correct horse")
    svc.logout(token)
    assert not svc.session_valid(token)
    token = svc.login("correct horse")
    svc.set_password("a new password")
    assert not svc.session_valid(token)  # a new password ends every session
    assert [e.action for e in svc.events()][-2:] == ["login", "password_set"]


def test_wrong_passwords_are_slowed_down_and_the_count_survives_a_restart(tmp_path, svc, clock):
    svc.set_password("correct horse")
    for _ in range(4):
        with pytest.raises(LoginRefused) as exc:
            svc.login("wrong")
        assert exc.value.code == "wrong_password" and exc.value.wait == 0
    with pytest.raises(LoginRefused) as exc:
        svc.login("wrong")
    assert exc.value.wait == 1
    with pytest.raises(LoginRefused) as exc:
        svc.login("correct horse")  # even the right password waits
    assert exc.value.code == "throttled" and "秒后再试" in exc.value.message
    clock.advance(seconds=2)
    with pytest.raises(LoginRefused) as exc:
        svc.login("wrong")
    assert exc.value.wait == 2  # doubling
    with RoundService.open(str(tmp_path), clock=clock) as again, pytest.raises(LoginRefused) as exc:
        again.login("correct horse")  # a restart does not reset the count
    assert exc.value.code == "throttled"
    clock.advance(seconds=3)
    assert svc.session_valid(svc.login("correct horse"))
    with pytest.raises(LoginRefused) as exc:
        svc.login("wrong")
    assert exc.value.wait == 0  # a success starts the count again
    assert sum(e.action == "login_failed" for e in svc.events()) == 7


def test_the_wait_is_capped(svc, clock):
    svc.set_password("correct horse")
    waits = []
    for _ in range(20):
        try:
            svc.login("wrong")
        except LoginRefused as exc:
            waits.append(exc.wait)
        clock.advance(hours=1)
    assert max(waits) == 15 * 60
    assert dt.timedelta(seconds=max(waits)) <= dt.timedelta(minutes=15)
