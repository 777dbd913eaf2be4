# ScratchNet Playground: the Streamlit app in one small image.
#
#   docker build -t scratchnet-playground .
#   docker run -p 8501:8501 scratchnet-playground        # then open http://localhost:8501
#
# torch comes from the CPU-only index by default (the PyPI torch pulls gigabytes of CUDA packages).
# `--build-arg TORCH_INDEX_URL=` (empty) skips that index and lets pip take torch from its normal
# configuration (index, PIP_FIND_LINKS, ...), e.g. a local CPU wheel on a machine without that index.
# Several replicas behind a sticky proxy: see deploy/README.md.
FROM python:3.11-slim

ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /app

# Dependencies first (own layer, cached while only the code changes): torch alone from the CPU-only
# index, as the README's first command does, then the exact pins of requirements.txt (torch's pin is
# then already met by the +cpu build, and torch's own dependencies come from PyPI).
# Then, in the same layer, what never runs here goes: torch's C++ headers, CMake files, C++ test
# programs and protoc (torch_shm_manager stays), and the packages' own test suites (about 250 MB).
COPY requirements.txt requirements-torch.txt ./
RUN set -eux; \
    if [ -n "${TORCH_INDEX_URL}" ]; then \
        pip install --no-cache-dir --no-deps --index-url "${TORCH_INDEX_URL}" -r requirements-torch.txt; \
    fi; \
    pip install --no-cache-dir -r requirements.txt; \
    torch_dir="$(python -c 'import os, torch; print(os.path.dirname(torch.__file__))')"; \
    rm -rf "${torch_dir}/include" "${torch_dir}/share/cmake" "${torch_dir}/test"; \
    find "${torch_dir}/bin" -maxdepth 1 -type f ! -name torch_shm_manager -delete; \
    find "$(dirname "${torch_dir}")" -type d -name tests -prune -exec rm -rf {} +; \
    python -c 'import torch, streamlit, pandas, pyarrow, plotly; assert torch.version.cuda is None, "CUDA torch"'; \
    rm -rf /root/.cache /tmp/*

# No network at run time: usage stats off, and browser.serverAddress set so that Streamlit's start-up
# banner does not look up the machine's external IP on the internet (it would, bound to 0.0.0.0).
# No file watcher: the code in the image does not change.
ENV STREAMLIT_BROWSER_GATHER_USAGE_STATS=false \
    STREAMLIT_BROWSER_SERVER_ADDRESS=localhost \
    STREAMLIT_SERVER_HEADLESS=true \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none

# Only what runs: the server (app.py: the pages and the live socket), the navigation frame, its pages,
# the UI (with the live element's .js and .css files), the live runtime, the classroom's backend, the
# engine, Streamlit's settings, and static/ (plotly.js, served by the app itself: never a CDN). The
# code stays root's: read-only to the app.
COPY .streamlit/ ./.streamlit/
COPY static/ ./static/
COPY scratchnet/ ./scratchnet/
COPY ui/ ./ui/
COPY live/ ./live/
COPY classroom/ ./classroom/
COPY app_pages/ ./app_pages/
COPY app.py navigation.py ./

RUN set -eux; \
    useradd --create-home --uid 10001 --user-group --shell /usr/sbin/nologin app; \
    python -m compileall -q app.py navigation.py app_pages ui live classroom scratchnet; \
    python -m scratchnet train --epochs 5 --json > /dev/null

USER app

EXPOSE 8501

# python's urllib: the slim image has no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request as u; sys.exit(u.urlopen('http://localhost:8501/_stcore/health', timeout=4).read() != b'ok')"]

CMD ["streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true"]
