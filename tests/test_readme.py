"""The README's promises: two setup commands (the second is what CI runs), and examples that work."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

from scratchnet.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
LINT = "ruff check --quiet ."


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(language, body) of every ``` block, in order."""
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.MULTILINE | re.DOTALL)]


def commands(body: str) -> list[str]:
    """Non-empty, non-comment lines (shell continuations joined)."""
    joined = re.sub(r"\\\n\s*", " ", body)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


def ci_commands() -> list[str]:
    """What .ci/run executes, minus its preamble (shebang, comments, `set`, `cd`)."""
    return [line for line in commands(CI) if not re.match(r"(set|cd)\s", line)]


def test_the_first_block_is_the_two_setup_commands():
    language, body = fenced_blocks(README)[0]
    assert language in ("bash", "sh", "shell", "console")
    lines = commands(body)
    assert len(lines) == 2, lines
    install_and_run, install_and_test = lines
    assert "pip install" in install_and_run and "requirements.txt" in install_and_run
    assert "requirements-dev.txt" in install_and_test and "pytest" in install_and_test
    # the first block comes before any other text but the title
    assert README.index("```") < README.index("\n## ")


def test_ci_runs_exactly_the_readmes_test_command_then_the_linter():
    readme_test = commands(fenced_blocks(README)[0][1])[1]
    assert ci_commands() == [readme_test, LINT]
    assert CI.startswith("#!/") and "set -euo pipefail" in CI


def test_the_install_command_runs_something_that_exists():
    first = commands(fenced_blocks(README)[0][1])[0]
    for part in [p.strip() for p in first.split("&&")]:
        words = shlex.split(part)
        if words[:2] == ["pip", "install"]:
            for i, word in enumerate(words):
                if word == "-r":
                    assert (ROOT / words[i + 1]).is_file(), words[i + 1]
        elif words[:3] == ["python", "-m", "scratchnet"]:
            assert (ROOT / "scratchnet" / "__main__.py").is_file()
        elif words[:2] == ["streamlit", "run"]:
            assert (ROOT / words[2]).is_file()
        else:
            pytest.fail(f"unexpected step in the first command: {part}")


def test_the_five_line_engine_example_runs():
    blocks = [body for language, body in fenced_blocks(README) if language == "python"]
    example = next(b for b in blocks if "Trainer(" in b)
    assert len(commands(example)) <= 6
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(example, "README.md", "exec"), {})            # noqa: S102 - the README's own code
    lines = out.getvalue().splitlines()
    assert lines[0] == "True torch.Size([2, 10])"
    epochs = [int(re.match(r"epoch (\d+): loss", line).group(1)) for line in lines[1:]]
    assert epochs == [50, 100, 150, 200, 250, 300]
    accuracy = float(re.search(r"accuracy ([\d.]+)%", lines[-1]).group(1))
    assert accuracy > 90


@pytest.mark.slow
def test_the_command_line_examples_work(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    examples = [line for _, body in fenced_blocks(README) for line in commands(body)
                if line.startswith("python -m scratchnet")]
    assert len(examples) >= 4
    for line in examples:
        argv = shlex.split(line.split("#")[0])[3:]
        assert main(argv) == 0, line
        capsys.readouterr()
    assert (tmp_path / "run.html").stat().st_size > 1_000_000
