"""The deployable artifact (issue 23, item 1), built and run for real: `deploy/Containerfile` built
with podman on a Python base made from Debian's packages (this machine reaches Debian's mirror, not
a container registry: `deploy/local-base-image.sh`), then started as a container that must become
ready, answer a question from the index built at image time, run as its non-root user, and report
its build in `gnist_build_info`.

Slow (the dependencies are installed into the image: minutes); the vectors `make install` computed
are handed to the build, so the index is not embedded again.
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import time
import urllib.request
import uuid

import gnist_testapp as g
import pytest
from gradio_client import Client

from assistant.settings import REPO_ROOT

pytestmark = g.QUIET_GRADIO_WARNINGS

BASE_IMAGE = "localhost/debian-python:bookworm"
REVISION = "imagetest01"
METRICS_TOKEN = "image-test-token"
READY_WITHIN_S = 600  # a busy machine starts the app slowly; the loop ends as soon as it is ready


def podman_options() -> list[str]:
    """This sandbox: crun refuses its hybrid cgroups (runc does not), and a container may not raise
    its file and process limits above the host's, which podman's defaults do."""
    files = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    processes = min(resource.getrlimit(resource.RLIMIT_NPROC)[0], 4096)
    return ["--runtime", shutil.which("runc") or "runc", "--ulimit", f"nofile={files}:{files}",
            "--ulimit", f"nproc={processes}:{processes}"]


def podman(*args: str, timeout: float = 300) -> str:
    done = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, f"podman {args[0]}: {done.stderr[-3000:]}"
    return done.stdout.strip()


@pytest.fixture(scope="module")
def image():
    if not (shutil.which("podman") and shutil.which("runc") and shutil.which("debootstrap")):
        pytest.fail("podman, runc and debootstrap are needed (make system-deps installs them)")
    base = subprocess.run([str(REPO_ROOT / "deploy" / "local-base-image.sh"), BASE_IMAGE], capture_output=True,
                          text=True, timeout=1800, check=False)
    assert base.returncode == 0, base.stderr[-3000:]
    tag = f"localhost/gnist-test:{uuid.uuid4().hex[:8]}"
    vectors = REPO_ROOT / ".cache" / "vectors"
    podman("build", *podman_options(), "--network", "host", "--build-arg", f"PYTHON_IMAGE={BASE_IMAGE}",
           "--build-arg", f"BUILD_REVISION={REVISION}",
           *(["--build-context", f"vectors={vectors}"] if vectors.is_dir() else []),
           "-f", str(REPO_ROOT / "deploy" / "Containerfile"), "-t", tag, str(REPO_ROOT), timeout=3600)
    yield tag
    podman("rmi", "-f", tag)


@pytest.fixture
def container(image):
    port = g.free_port()
    name = f"gnist-test-{uuid.uuid4().hex[:8]}"
    podman("run", "-d", "--rm", "--name", name, *podman_options(), "--network", "host",
           "-e", "GNIST_HOST=127.0.0.1", "-e", f"GNIST_PORT={port}", "-e", f"GNIST_METRICS_TOKEN={METRICS_TOKEN}",
           image)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_WITHIN_S
        while time.monotonic() < deadline:
            assert podman("ps", "-q", "--filter", f"name={name}"), podman("logs", name)
            try:
                with urllib.request.urlopen(f"{url}/readyz", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(1)
        else:
            pytest.fail(f"not ready in {READY_WITHIN_S} s: {podman('logs', name)[-3000:]}")
        yield name, url
    finally:
        subprocess.run(["podman", "rm", "-f", name], capture_output=True, timeout=120, check=False)


def test_the_image_runs_as_its_own_user_and_answers_from_the_index_built_in_it(container):
    name, url = container
    assert podman("exec", name, "id", "-u") == "10001"
    client = Client(url + "/", verbose=False)
    chat, *_ = client.predict("Hva koster det å delta i Gnist?", None, None, api_name="/respond")
    answer = g.text_of(chat[-1]["content"])
    assert "200 000" in answer, answer
    request = urllib.request.Request(f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        metrics = response.read().decode()
    assert f'revision="{REVISION}"' in metrics, [line for line in metrics.splitlines() if "build_info" in line]
