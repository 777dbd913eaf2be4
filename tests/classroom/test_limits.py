"""The server's limits agree with what the app accepts: one number in the code, the settings follow it."""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path

from scratchnet.data.points_csv import MAX_BYTES
from scratchnet.export.run_file import MAX_RUN_BYTES

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024


def settings() -> dict:
    return tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))


def test_streamlit_takes_uploads_up_to_the_largest_file_the_app_reads_and_no_larger():
    largest = max(MAX_RUN_BYTES, MAX_BYTES)
    assert settings()["server"]["maxUploadSize"] == math.ceil(largest / MIB)


def test_no_traceback_or_exception_message_reaches_a_page():
    assert settings()["client"]["showErrorDetails"] == "none"


def test_nginx_takes_an_upload_of_that_size_and_nothing_else_that_large():
    template = (ROOT / "deploy" / "nginx.conf.template").read_text(encoding="utf-8")
    sizes = re.findall(r"client_max_body_size\s+(\d+)([km]);", template)
    in_bytes = [int(n) * (1024 if unit == "k" else MIB) for n, unit in sizes]
    upload = re.search(r"location /_stcore/upload_file/ \{[^}]*client_max_body_size\s+(\d+)m;", template)
    assert upload is not None and len(in_bytes) == 2
    framing = 64 * 1024                                   # multipart boundaries and part headers
    assert MAX_RUN_BYTES + framing <= int(upload.group(1)) * MIB <= MAX_RUN_BYTES + 2 * MIB
    assert min(in_bytes) <= 64 * 1024, "every other request is a few kB"
