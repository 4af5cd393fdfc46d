"""Fixtures: a moto S3 server for the session, and a snapshot target per storage kind.

Tests that take ``target`` run twice: against a local directory and against the moto
server (skipped when ``moto_server`` is not installed).
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

MOTO_START_TIMEOUT_S = 30.0
BUCKET = "shardy-python-tests"
_counter = itertools.count()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(endpoint + "/moto-api/", timeout=2) as resp:
            return resp.status < 500
    except OSError:
        return False


@dataclass
class MotoServer:
    endpoint: str
    process: subprocess.Popen[bytes]
    log_path: str


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """``moto_server -H 127.0.0.1 -p <free port>``; bounded start, killed at session end."""
    exe = shutil.which("moto_server")
    if exe is None:
        pytest.skip("moto_server is not installed (pip install 'moto[server]')")
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log_fd, log_path = tempfile.mkstemp(prefix="shardy-py-moto-", suffix=".log")
    proc = subprocess.Popen(
        [exe, "-H", "127.0.0.1", "-p", str(port)],
        stdout=log_fd,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    os.close(log_fd)
    deadline = time.monotonic() + MOTO_START_TIMEOUT_S
    try:
        while not _answers(endpoint):
            if proc.poll() is not None:
                raise RuntimeError(f"moto_server exited early; log: {open(log_path).read()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"moto_server did not answer on {endpoint} in {MOTO_START_TIMEOUT_S}s")
            time.sleep(0.1)
        yield MotoServer(endpoint, proc, log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        os.unlink(log_path)


@pytest.fixture(scope="session")
def s3_env(moto_server: MotoServer) -> Iterator[dict[str, Any]]:
    """Test credentials in the environment and one bucket; yields the connection options."""
    saved = {
        k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")
    }
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1"
    )
    import boto3

    boto3.client("s3", endpoint_url=moto_server.endpoint, region_name="us-east-1").create_bucket(
        Bucket=BUCKET
    )
    try:
        yield {"endpoint_url": moto_server.endpoint, "addressing_style": "path", "region_name": "us-east-1"}
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@dataclass
class Target:
    """Where a test's snapshot lives and how to reach it."""

    kind: str
    s3_prefix: str
    local_root: str
    s3_connection_options: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def writer_kwargs(self) -> dict[str, Any]:
        """Flat keywords for HashShardedWriteConfig."""
        kw: dict[str, Any] = {"s3_prefix": self.s3_prefix}
        if self.s3_connection_options is not None:
            kw["s3_connection_options"] = self.s3_connection_options
        return kw

    def output(self, **kw: Any) -> Any:
        from shardyfusion import WriterOutputConfig

        return WriterOutputConfig(local_root=os.path.join(self.local_root, "build"), **kw)

    def reader_kwargs(self) -> dict[str, Any]:
        """Keywords for the readers."""
        kw: dict[str, Any] = {
            "s3_prefix": self.s3_prefix,
            "local_root": os.path.join(self.local_root, "cache"),
        }
        if self.s3_connection_options is not None:
            kw["s3_connection_options"] = self.s3_connection_options
        return kw


@pytest.fixture(params=["local", "s3"])
def target(request: pytest.FixtureRequest, tmp_path: Any) -> Target:
    """A fresh snapshot root in a local directory, then on the moto S3 server."""
    if request.param == "local":
        return Target("local", str(tmp_path / "snapshot"), str(tmp_path))
    options = request.getfixturevalue("s3_env")
    prefix = f"s3://{BUCKET}/{request.node.name.replace('[', '-').replace(']', '')}-{next(_counter)}"
    return Target("s3", prefix, str(tmp_path), dict(options))


@pytest.fixture
def local_target(tmp_path: Any) -> Target:
    """A local-directory snapshot root only."""
    return Target("local", str(tmp_path / "snapshot"), str(tmp_path))
