"""The connector spec: validation messages name the field, presets merge, secrets stay hidden."""

import re
import tomllib
from pathlib import Path

import pytest

from dashboard.connectors.spec import (
    SpecError,
    available_presets,
    get_path,
    load_spec_file,
    merge_spec,
    parse_spec,
    preset_data,
)

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "connector-spec.md"
PRESETS = ROOT / "dashboard" / "connectors" / "presets"

MINIMAL = {
    "name": "Example",
    "base_url": "https://api.example.com/",
    "auth": {"type": "header_key", "key": "${EXAMPLE_KEY}"},
    "pagination": {"style": "page_number"},
    "resources": [{"name": "orders", "path": "/orders/"}],
}


def errors_of(data, environ=None):
    with pytest.raises(SpecError) as caught:
        parse_spec(data, {"EXAMPLE_KEY": "k"} if environ is None else environ)
    return caught.value.errors


def test_minimal_spec_resolves_env_references_and_hides_secrets():
    spec = parse_spec(MINIMAL, {"EXAMPLE_KEY": "s3cret-value"})
    assert spec.base_url == "https://api.example.com"
    assert spec.auth.key.get_secret_value() == "s3cret-value"
    assert "s3cret-value" not in repr(spec)
    assert "s3cret-value" not in str(spec.model_dump())


def test_missing_environment_variable_names_the_field():
    assert errors_of(MINIMAL, environ={}) == {
        "auth.key": "environment variable EXAMPLE_KEY is not set"
    }


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"base_url": "ftp://x"}, "base_url", "http:// or https://"),
        ({"base_url": "https://user:pw@x"}, "base_url", "must not contain credentials"),
        ({"auth": {"type": "header_key"}}, "auth.key", "Field required"),
        ({"auth": {"type": "oauth9"}}, "auth", "does not match any of the expected tags"),
        (
            {"pagination": {"style": "page_number", "max_size": 0}},
            "pagination.max_size",
            "greater than or equal to 1",
        ),
        ({"pagination": {"style": "cursor"}}, "pagination", "next_path is required"),
        (
            {"pagination": {"style": "page_number", "default_size": 500, "max_size": 100}},
            "pagination",
            "default_size must not exceed max_size",
        ),
        ({"resources": []}, "resources", "at least 1 item"),
        ({"resources": [{"name": "Bad Name", "path": "/x"}]}, "resources[Bad Name].name", "match"),
        ({"resources": [{"name": "x", "path": "x"}]}, "resources[x].path", "must start with '/'"),
        (
            {"resources": [{"name": "x", "path": "/x"}, {"name": "x", "path": "/y"}]},
            "resources",
            "duplicate resource names: x",
        ),
        ({"surprise": 1}, "surprise", "Extra inputs are not permitted"),
        ({"rate_limit": {"reset_kind": "later"}}, "rate_limit.reset_kind", "'unix'"),
    ],
)
def test_invalid_specs_name_the_bad_field(change, field, message):
    errors = errors_of({**MINIMAL, **change})
    assert field in errors, errors
    assert message in errors[field]


def test_record_paths():
    spec = parse_spec(
        {
            **MINIMAL,
            "api_prefix": "/api/v1",
            "resources": [
                {"name": "a", "path": "/a/"},
                {"name": "b", "path": "/b"},
                {"name": "c", "path": "/c", "detail_path": "/c/{id}/detail"},
            ],
        },
        {"EXAMPLE_KEY": "k"},
    )
    assert spec.resource("a").record_path("7") == "/a/7/"
    assert spec.resource("b").record_path("7") == "/b/7"
    assert spec.resource("c").record_path("7") == "/c/7/detail"
    assert spec.url("/a/") == "https://api.example.com/api/v1/a/"
    with pytest.raises(SpecError, match="no resource named 'zzz'"):
        spec.resource("zzz")


def test_merge_overrides_tables_resources_by_name_and_replaces_auth_of_another_type():
    base = {
        "pagination": {"style": "page_number", "max_size": 100},
        "auth": {"type": "login_bearer", "login_path": "/login", "username": "u", "password": "p"},
        "resources": [{"name": "a", "path": "/a", "columns": ["id"]}, {"name": "b", "path": "/b"}],
    }
    merged = merge_spec(
        base,
        {
            "pagination": {"max_size": 50},
            "auth": {"type": "raw_authorization", "key": "k"},
            "resources": [{"name": "a", "columns": ["id", "name"]}, {"name": "c", "path": "/c"}],
        },
    )
    assert merged["pagination"] == {"style": "page_number", "max_size": 50}
    assert merged["auth"] == {"type": "raw_authorization", "key": "k"}
    assert [r["name"] for r in merged["resources"]] == ["a", "b", "c"]
    assert merged["resources"][0] == {"name": "a", "path": "/a", "columns": ["id", "name"]}


def test_unknown_preset_lists_the_choices():
    errors = errors_of({"preset": "nope"})
    assert "unknown preset 'nope'" in errors["preset"]
    for name in available_presets():
        assert name in errors["preset"]


def test_bundled_presets():
    assert available_presets() == ["atlas", "beacon", "linkit", "parallax", "parsalink"]
    for name in available_presets():
        data = preset_data(name)
        assert "name" in data
        assert data["resources"]


def test_load_spec_file_reports_unreadable_and_invalid_toml(tmp_path):
    with pytest.raises(SpecError, match="cannot read"):
        load_spec_file(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [unclosed")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec_file(bad)


def test_documentation_shows_every_preset_verbatim():
    """docs/connector-spec.md must stay true: its example per preset is the preset file."""
    examples = re.findall(r"### Example: `(\w+)`\n\n```toml\n(.*?)```", DOCS.read_text(), re.S)
    assert sorted(name for name, _ in examples) == available_presets()
    for name, body in examples:
        assert tomllib.loads(body) == preset_data(name), f"the {name} example is out of date"


def test_every_preset_is_a_complete_spec_given_its_environment_variables():
    for name in available_presets():
        text = (PRESETS / f"{name}.toml").read_text()
        env = dict.fromkeys(re.findall(r"\$\{(\w+)\}", text), "x")
        assert env, f"{name} should take its secrets from environment variables"
        spec = parse_spec({"preset": name}, env)
        assert spec.base_url.startswith("https://")
        errors = errors_of({"preset": name}, environ={"UNRELATED": "1"})
        assert all("environment variable" in message for message in errors.values())


def test_get_path_reads_dotted_paths():
    body = {"data": [1, 2], "pagination": {"page_count": 3}}
    assert get_path(body, "pagination.page_count") == 3
    assert get_path(body, "data.1") == 2
    assert get_path(body, "") is body
    assert get_path(body, "pagination.missing") is None
    assert get_path(body, None) is None
