"""The attachment store: bytes addressed by their SHA-256, in a local directory."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from kefu.domain.errors import InvalidInput, NotFound

HEX = frozenset("0123456789abcdef")


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path:
        if len(sha256) != 64 or not set(sha256) <= HEX:
            raise InvalidInput(f"'{sha256}' is not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        path = self._path(sha)
        if path.exists():
            return sha
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary file and rename, so a reader never sees half a blob.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha

    def get(self, sha256: str) -> bytes:
        path = self._path(sha256)
        if not path.exists():
            raise NotFound(f"no attachment {sha256}")
        return path.read_bytes()

    def size(self, sha256: str) -> int | None:
        try:
            return self._path(sha256).stat().st_size
        except FileNotFoundError:
            return None
