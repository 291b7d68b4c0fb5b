"""Every --json document says its version and holds to the JSON Schema shipped for it."""

import json
from importlib import resources

import pytest
from jsonschema import Draft202012Validator

from .conftest import SEED_FILES
from .test_cli import env_index  # noqa: F401 - the fixture


def validator(name: str) -> Draft202012Validator:
    schema = json.loads(resources.files("lbsearch").joinpath(f"data/{name}.schema.json").read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def assert_valid(name: str, document) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(name).iter_errors(document)]
    assert not errors, errors


@pytest.mark.parametrize("args", [
    ["Quy chế phối hợp"], ["quy che phoi hop", "--explain"], ["quy che phoi hpo"],
    ["công đoàn", "--district", "long bien", "--since", "2022", "--sort", "newest"], ['"Gia Lâm" OR MICCO -Nghệ'],
])
def test_search_documents_and_lines(cli, env_index, args):
    document = json.loads(cli("search", *args, "--json").out)
    assert document["schema_version"] == 1
    assert_valid("search", document)
    search_schema = validator("search").schema
    hit_schema = {"$schema": search_schema["$schema"], "$defs": search_schema["$defs"], "$ref": "#/$defs/hit"}
    for line in cli("search", *args, "--jsonl").out.splitlines():
        errors = list(Draft202012Validator(hit_schema).iter_errors(json.loads(line)))
        assert not errors, errors


def test_show_documents(cli, env_index):
    cli("index")
    for path in SEED_FILES:
        assert_valid("show", json.loads(cli("show", path.stem, "--json").out))


@pytest.mark.parametrize("args", [[], ["công đoàn"], ["--district", "Gia Lâm"], ["zzqxw"], ["đoàn", "--until", "2021"]])
def test_stats_documents(cli, env_index, args):
    cli("index")
    assert_valid("stats", json.loads(cli("stats", *args, "--json").out))


def test_the_schemas_reject_what_they_do_not_describe(cli, env_index):
    document = json.loads(cli("search", "công đoàn", "--json").out)
    for broken in ({**document, "schema_version": 2}, {k: v for k, v in document.items() if k != "total"},
                   {**document, "hits": [{**document["hits"][0], "highlights": [[1]]}]}):
        assert list(validator("search").iter_errors(broken))
    stats = json.loads(cli("stats", "--json").out)
    assert list(validator("stats").iter_errors({**stats, "per_month": {"2022-13": 1}}))
    assert list(validator("stats").iter_errors({**stats, "per_district": {"Long Biên": 0}}))
