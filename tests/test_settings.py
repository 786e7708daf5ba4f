"""Settings: one table (``kg.config.Settings``), read from the environment
once, passed down to every part (query worker processes included), and the
README's table of settings says the same as the class."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

from kg.config import PROJECT_ROOT, SettingError, Settings


def readme_settings() -> dict[str, str]:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Settings", 1)[1].split("\n## ", 1)[0]
    return {m.group(1): m.group(2).strip() for m in re.finditer(r"^\| `(KG_[A-Z_]+)` \| (.*?) \|", section, re.M)}


def shown_default(f: dataclasses.Field) -> str:
    d = f.default
    if isinstance(d, Path):
        return f"`{d.relative_to(PROJECT_ROOT)}/`"
    if d is None or d == ():
        return "none"
    if isinstance(d, float) and d.is_integer():
        d = int(d)
    return f"`{d}`"


def test_readme_lists_every_setting_with_its_default():
    documented = readme_settings()
    declared = {f.metadata["env"]: shown_default(f) for f in dataclasses.fields(Settings)}
    assert list(documented) == list(declared), "README's table and kg.config.Settings list different settings"
    assert documented == declared


def test_settings_survive_the_trip_through_the_environment(monkeypatch):
    given = Settings.from_env(query_timeout=1.5, max_rows=7, trusted_proxies=("10.0.0.1", "10.0.0.2"),
                              public_url="http://atlas.example/", access_log=None, cache_mb=0.5)
    for name, value in given.to_env().items():
        monkeypatch.setenv(name, value)
    assert Settings.from_env() == given


def test_a_setting_that_cannot_be_read_is_named(monkeypatch):
    monkeypatch.setenv("KG_QUERY_TIMEOUT", "five")
    with pytest.raises(SettingError, match=r"KG_QUERY_TIMEOUT='five'.*seconds a query may run"):
        Settings.from_env()


def test_only_the_settings_class_reads_kg_variables():
    """A KG_ variable read anywhere else would bypass settings given to
    create_app (the query workers once did exactly that)."""
    readers = []
    for path in [*(PROJECT_ROOT / "kg").rglob("*.py"), *(PROJECT_ROOT / "web").rglob("*.py")]:
        if path == PROJECT_ROOT / "kg" / "config.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and re.fullmatch(r"KG_[A-Z_]+", node.value):
                # a name used as a lookup key, not in a message
                readers.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} {node.value}")
    assert readers == []


def test_query_workers_use_the_settings_the_app_was_given(built, monkeypatch):
    """The environment says each query worker may have 1 MiB (no Python
    starts in that); the app is given 4096 MiB. Queries are answered, so the
    workers took the app's settings, not the environment's."""
    from web import create_app
    from web.query_workers import close_pool

    monkeypatch.setenv("KG_WORKER_MEMORY_MB", "1")
    monkeypatch.setenv("KG_QUERY_TIMEOUT", "0.001")
    settings = dataclasses.replace(built, worker_memory_mb=4096, query_timeout=30.0)
    close_pool()
    try:
        client = create_app(settings).test_client()
        r = client.get("/sparql", query_string={"query": "ASK { ?s a ?class }"},
                       headers={"Accept": "application/sparql-results+json"})
        assert r.status_code == 200, r.get_data(as_text=True)
        assert r.get_json()["boolean"] is True
    finally:
        close_pool()
