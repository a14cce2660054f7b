"""The ``haven`` command run as a real subprocess, with one test's own environment."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HAVEN = Path(sys.executable).with_name("haven")
RUN_TIMEOUT = 120

Line = dict[str, Any] | bytes


@dataclass
class Haven:
    """The ``haven`` command with one test's environment."""

    env: dict[str, str]
    cwd: Path
    database: Path

    def run(
        self, *args: str, stdin: bytes = b"", **env: str | None
    ) -> subprocess.CompletedProcess[bytes]:
        """Run ``haven ARGS``; keyword arguments override (or, as None, remove) variables."""
        environment = dict(self.env)
        for name, value in env.items():
            if value is None:
                environment.pop(name, None)
            else:
                environment[name] = value
        return subprocess.run(
            [str(HAVEN), *args],
            input=stdin,
            capture_output=True,
            env=environment,
            cwd=self.cwd,
            timeout=RUN_TIMEOUT,
            check=False,
        )

    def chat(self, *lines: Line, **env: str | None) -> list[dict[str, Any]]:
        """``haven chat --jsonl`` over ``lines`` (objects, or raw bytes sent as they are)."""
        result = self.chat_process(*lines, **env)
        assert result.returncode == 0, result.stderr.decode(errors="replace")
        return parse_output(result.stdout)

    def chat_process(self, *lines: Line, **env: str | None) -> subprocess.CompletedProcess[bytes]:
        stdin = b"".join(
            (line if isinstance(line, bytes) else json.dumps(line).encode()) + b"\n"
            for line in lines
        )
        return self.run("chat", "--jsonl", stdin=stdin, **env)


def parse_output(stdout: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.decode("utf-8").splitlines()]
