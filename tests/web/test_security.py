"""Loopback detection, the bind check, API keys and the sliding-window rate limit."""

from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.errors import ConfigError
from assistant.web.security import (
    ApiKeyAuth,
    RateLimiter,
    check_bind,
    is_loopback,
    keys_required,
    ui_credentials,
)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_loopback(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "10.0.0.5", "::", "intranet.example.org", "192.168.1.2"])
def test_not_loopback(host):
    assert not is_loopback(host)


def test_non_loopback_without_keys_refuses():
    with pytest.raises(ConfigError, match="POLICY_API_KEYS"):
        check_bind(Settings(host="0.0.0.0"))
    check_bind(Settings(host="0.0.0.0", api_keys="k" * 16))
    check_bind(Settings(host="127.0.0.1"))


def test_a_short_api_key_is_refused_with_how_to_make_one():
    with pytest.raises(ConfigError, match="at least 16 characters; 1 key.s. are shorter .the shortest has 2.") as err:
        check_bind(Settings(host="0.0.0.0", api_keys="ab, " + "k" * 20))
    assert "secrets.token_urlsafe" in err.value.message


def test_keys_required_when_set_or_exposed():
    assert not keys_required(Settings())
    assert keys_required(Settings(api_keys="k"))
    assert keys_required(Settings(host="0.0.0.0", api_keys="k"))


def test_api_key_validation():
    auth = ApiKeyAuth(Settings(api_keys=" alpha , beta "))
    assert auth.valid("alpha") and auth.valid("beta")
    assert not auth.valid("alph") and not auth.valid("") and not auth.valid(None)
    assert not auth.valid("alpha,beta")
    assert auth.allows("alpha") and not auth.allows("made-up") and not auth.allows(None)
    assert ApiKeyAuth(Settings()).allows(None)  # loopback, no keys: nothing to check


def test_ui_credentials():
    assert ui_credentials(Settings()) is None
    assert ui_credentials(Settings(ui_auth="hr:s3cr:et")) == ("hr", "s3cr:et")
    with pytest.raises(ConfigError):
        ui_credentials(Settings(ui_auth="nopassword"))


def test_rate_limiter_window(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr("assistant.web.security.time.monotonic", lambda: now[0])
    limiter = RateLimiter(limit=2, window=60)
    assert limiter.check("a") is None and limiter.check("a") is None
    wait = limiter.check("a")
    assert wait == pytest.approx(60.0)
    assert limiter.check("b") is None  # per client
    now[0] += 30
    assert limiter.check("a") == pytest.approx(30.0)
    now[0] += 30.5
    assert limiter.check("a") is None


def test_rate_limit_zero_means_unlimited():
    limiter = RateLimiter(limit=0)
    assert all(limiter.check("a") is None for _ in range(500))


def test_rate_limit_buckets_by_key_only_when_the_key_is_real():
    limiter = RateLimiter(limit=1, auth=ApiKeyAuth(Settings(api_keys="alpha")))
    assert limiter.client("alpha", "10.0.0.1") == "key:alpha"
    # a made-up key header buys no fresh allowance: it counts against the address
    assert limiter.client("made-up", "10.0.0.1") == limiter.client(None, "10.0.0.1") == "ip:10.0.0.1"
    assert RateLimiter(limit=1).client("alpha", "10.0.0.1") == "ip:10.0.0.1"  # no keys configured
