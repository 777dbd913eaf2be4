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


CPU_INDEX = "https://download.pytorch.org/whl/cpu"
TORCH_PIN = re.compile(r"^torch==\d+\.\d+\.\d+$")


def pip_steps(line: str) -> list[list[str]]:
    return [words for words in (shlex.split(p) for p in line.split("&&")) if words[:2] == ["pip", "install"]]


def test_both_commands_take_torch_alone_from_the_cpu_only_index_first():
    """On Linux the PyPI torch is the CUDA build (GBs of NVIDIA packages): each command installs the pinned
    torch from PyTorch's CPU index before anything could pull it from PyPI (the rest then finds it met)."""
    for line in commands(fenced_blocks(README)[0][1]):
        first, *rest = pip_steps(line)
        assert first[first.index("--index-url") + 1] == CPU_INDEX, line
        assert "--no-deps" in first, "torch alone: its dependencies come from PyPI with the next step"
        assert first[first.index("-r") + 1] == "requirements-torch.txt"
        assert rest and all("--index-url" not in words for words in rest)


def test_torch_is_pinned_exactly_once_and_the_other_requirements_include_that_pin():
    pins = [(path.name, line.strip()) for path in sorted(ROOT.glob("requirements*.txt"))
            for line in path.read_text().splitlines() if re.match(r"\s*torch\b", line)]
    assert len(pins) == 1 and pins[0][0] == "requirements-torch.txt" and TORCH_PIN.match(pins[0][1]), pins
    assert "-r requirements-torch.txt" in (ROOT / "requirements.txt").read_text().splitlines()
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text().splitlines()
    # the package's metadata states the same pin (an installed scratchnet must not pull another torch)
    assert f'"{pins[0][1]}"' in (ROOT / "pyproject.toml").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--index-url \"${TORCH_INDEX_URL}\" -r requirements-torch.txt" in dockerfile
    assert f"ARG TORCH_INDEX_URL={CPU_INDEX}" in dockerfile


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
