"""A full disk during an ingest: a one-line error, and the store it leaves is whole and usable."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys

from assistant.cli import main


def _articles(folder, n: int) -> None:
    folder.mkdir()
    for i in range(n):
        body = " ".join(f"Quay {j} of town {i} was repaired in spring, officials said after inspecting the cranes."
                        for j in range(120))
        (folder / f"a{i:02d}.txt").write_text(f"Title: Harbour report {i}\nSource: Test Wire\n\n{body}\n")


def _full_disk_at(limit: int):
    def apply() -> None:
        # writes past `limit` bytes fail with EFBIG, as on a full disk (the signal would kill instead)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_full_disk_mid_ingest_is_one_line_and_leaves_a_whole_store(tmp_path, capsys):
    home, folder = tmp_path / "home", tmp_path / "in"
    assert main(["--store", str(home), "articles"]) == 0  # the sample articles
    _articles(folder, 16)
    exe = os.path.join(os.path.dirname(sys.executable), "citewise")
    env = {**os.environ, "CITEWISE_HOME": str(home)}
    proc = subprocess.run([exe, "ingest", str(folder), "--quiet"], env=env, capture_output=True, text=True,
                          preexec_fn=_full_disk_at(1_200_000), timeout=300)
    assert proc.returncode == 3, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("citewise: error: cannot write the "), proc.stderr
    assert "disk full or read-only?" in lines[0]

    capsys.readouterr()
    assert main(["--store", str(home), "check", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["consistent"] and 2 <= report["articles"] < 18
    assert main(["--store", str(home), "ask", "why did Türkiye buy the S-400?", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "answered"
    assert main(["--store", str(home), "ingest", str(folder), "--quiet", "--json"]) == 0  # room again: resumes
    capsys.readouterr()
    assert main(["--store", str(home), "check", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["articles"] == 18
