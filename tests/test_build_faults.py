"""Builds under faults: killed builds never become current and never push a
good build out; an unwritable or full KG_HOME is one clear line and exit 1;
a page's ETag always belongs to the build that made its body."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import threading
import time
from pathlib import Path

from kg.build import GOOD_MARK, KEEP_BUILDS, build, publish
from kg.config import Settings

from .conftest import KG, PROJECT_ROOT, LiveServer, kg_env, run_kg
from .conftest import http_request as request
from .test_build import copy_data


def folders(settings: Settings) -> list[Path]:
    return sorted(p for p in settings.builds.iterdir() if p.is_dir())


def current(settings: Settings) -> Path:
    return Path(os.path.realpath(settings.current))


def test_killed_builds_never_become_current_nor_push_out_a_good_build(tmp_path, built):
    settings = copy_data(tmp_path, built)
    first = build(settings, progress=lambda _m: None).path
    for delay in (0.3, 0.8, 1.3, 1.8):
        proc = subprocess.Popen([*KG, "build", "--quiet"], env=kg_env(settings), cwd=PROJECT_ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert (current(settings) / GOOD_MARK).exists()  # only a good build is ever current
    good_before = [p for p in folders(settings) if (p / GOOD_MARK).exists()]
    last = build(settings, progress=lambda _m: None).path
    assert current(settings) == last.resolve()
    remaining = folders(settings)
    assert all((p / GOOD_MARK).exists() for p in remaining), remaining  # half-builds removed
    # The current build and the newest KEEP_BUILDS good ones before it are kept.
    assert [p.name for p in remaining] == sorted(
        [p.name for p in good_before][-KEEP_BUILDS:] + [last.name])
    if len(good_before) <= KEEP_BUILDS:
        assert first in remaining


def test_unwritable_kg_home_is_one_line_and_exit_1(tmp_path, built):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings = Settings.from_env(home=blocker / "home", data_dir=built.data_dir)
    result = run_kg(settings, "build", "--quiet")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Build stopped: could not write the build under KG_HOME=")
    assert "Traceback" not in result.stderr


def test_full_kg_home_is_one_line_exit_1_and_the_previous_build_stays(tmp_path, built):
    settings = copy_data(tmp_path, built)
    first = build(settings, progress=lambda _m: None).path

    def small_files():  # a disk that takes no file over 256 KB: writes fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))

    result = subprocess.run([*KG, "build", "--quiet"], env=kg_env(settings), cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=300, preexec_fn=small_files)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Build stopped: could not write"), result.stderr
    assert current(settings) == first.resolve()
    assert folders(settings) == [first]


def test_a_page_s_etag_belongs_to_the_build_that_made_it(tmp_path, built):
    settings = copy_data(tmp_path, built)
    a = build(settings, progress=lambda _m: None).path
    programmes = settings.data_dir / "core" / "programmes.ttl"
    text = programmes.read_text()
    marker = "Vanguard programme, build B"
    # (the label: every form of the page shows it)
    assert '"Vanguard programme"@en' in text
    programmes.write_text(text.replace('"Vanguard programme"@en', f'"{marker}"@en', 1))
    b = build(settings, progress=lambda _m: None).path
    server = LiveServer(settings)
    stop = threading.Event()

    def flip():
        while not stop.is_set():
            for target in (a, b):
                publish(settings, target)
                time.sleep(0.01)

    flipper = threading.Thread(target=flip)
    flipper.start()
    seen: dict[bool, set[str]] = {True: set(), False: set()}
    try:
        for path in ("/id/programme/vanguards", "/id/programme/vanguards.ttl") * 60:
            status, headers, body = request(server, "GET", path)
            assert status == 200
            seen[marker.encode() in body].add((path, headers["etag"]))
    finally:
        stop.set()
        flipper.join()
        server.stop()
    assert seen[True] and seen[False]
    assert not ({t for _, t in seen[True]} & {t for _, t in seen[False]})
    for answers in seen.values():  # one ETag per build and page
        assert len(answers) == len({p for p, _ in answers})
