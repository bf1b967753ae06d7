"""servicekit.env: typed environment reads that name the variable when a value is bad."""

import pytest

from servicekit.env import (
    ConfigError,
    django_basics,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_str,
)


def test_env_str_returns_value_stripped(monkeypatch):
    monkeypatch.setenv("SK_TEST", "  hello ")
    assert env_str("SK_TEST") == "hello"


def test_env_str_falls_back_to_default_when_unset_or_blank(monkeypatch):
    monkeypatch.setenv("SK_TEST", "   ")
    assert env_str("SK_TEST", "fallback") == "fallback"
    assert env_str("SK_UNSET_VARIABLE") == ""


def test_env_str_required_names_the_variable(monkeypatch):
    monkeypatch.delenv("SK_TEST", raising=False)
    with pytest.raises(ConfigError, match="SK_TEST"):
        env_str("SK_TEST", required=True)


def test_env_int_parses_and_defaults(monkeypatch):
    monkeypatch.setenv("SK_TEST", "7")
    assert env_int("SK_TEST", 3) == 7
    assert env_int("SK_UNSET_VARIABLE", 3) == 3


def test_env_int_rejects_non_integer_naming_variable_and_value(monkeypatch):
    monkeypatch.setenv("SK_TEST", "seven")
    with pytest.raises(ConfigError, match=r"SK_TEST='seven'"):
        env_int("SK_TEST", 3)


def test_env_int_enforces_minimum(monkeypatch):
    monkeypatch.setenv("SK_TEST", "0")
    with pytest.raises(ConfigError, match="at least 1"):
        env_int("SK_TEST", 3, minimum=1)


def test_env_float_parses_within_bounds(monkeypatch):
    monkeypatch.setenv("SK_TEST", "0.25")
    assert env_float("SK_TEST", 0.0, minimum=0.0, maximum=1.0) == 0.25


@pytest.mark.parametrize("raw", ["1.5", "-0.1", "nan", "inf", "abc"])
def test_env_float_rejects_out_of_range_or_non_finite(monkeypatch, raw):
    monkeypatch.setenv("SK_TEST", raw)
    with pytest.raises(ConfigError, match="SK_TEST"):
        env_float("SK_TEST", 0.0, minimum=0.0, maximum=1.0)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("YES", True), ("1", True), ("false", False), ("No", False), ("0", False)],
)
def test_env_bool_accepts_true_false_one_zero_yes_no(monkeypatch, raw, expected):
    monkeypatch.setenv("SK_TEST", raw)
    assert env_bool("SK_TEST", not expected) is expected


def test_env_bool_rejects_anything_else(monkeypatch):
    monkeypatch.setenv("SK_TEST", "maybe")
    with pytest.raises(ConfigError, match=r"SK_TEST='maybe'"):
        env_bool("SK_TEST", False)


def test_env_list_splits_strips_and_drops_empty_items(monkeypatch):
    monkeypatch.setenv("SK_TEST", " AAPL, ,MSFT,,  GOOGL ")
    assert env_list("SK_TEST", []) == ["AAPL", "MSFT", "GOOGL"]


def test_env_list_default_is_a_copy(monkeypatch):
    monkeypatch.delenv("SK_TEST", raising=False)
    default = ["A"]
    result = env_list("SK_TEST", default)
    result.append("B")
    assert default == ["A"]


def test_django_basics_require_a_secret_key_outside_debug(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "false")
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="DJANGO_SECRET_KEY"):
        django_basics()


def test_django_basics_in_debug_fall_back_to_a_dev_key(monkeypatch):
    monkeypatch.setenv("DJANGO_DEBUG", "true")
    monkeypatch.delenv("DJANGO_SECRET_KEY", raising=False)
    monkeypatch.setenv("DJANGO_ALLOWED_HOSTS", "a.example, b.example")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    debug, secret_key, hosts, level = django_basics()
    assert (debug, hosts, level) == (True, ["a.example", "b.example"], "DEBUG")
    assert secret_key.startswith("dev-only")
