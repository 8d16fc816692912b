"""The file store: the bytes of every attachment taken in, kept by their sha256 beside the ledger.

Intake copies each attachment here before it inspects or scans it, and the reconciler uploads
from here, never from the inbox. So the bytes the committee approved (the sha256 the decision
binds to) are the bytes that were checked for ID numbers and the bytes that reach the site: a
file replaced or removed in the inbox later cannot change or break what is live. Files are
written once, through a temporary name and an atomic rename, readable by the owner only, and
never changed; a file whose content no longer matches its name is refused, not uploaded::

    store = FileStore(Path("ledger.sqlite3.files"))
    kept = store.put(Path("inbox/pr-0042/ประกาศ.pdf"))
    store.path_of(kept.sha256)   # .../ab/ab12…
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cms_bridge.errors import AttachmentError, LedgerError

__all__ = ["FileStore", "KeptFile"]

_CHUNK = 1024 * 1024
#: A sha256 as the store names files: never a path of its own ("../x"), whatever the ledger says.
_DIGEST = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class KeptFile:
    """A file as the store holds it.

    Attributes:
        sha256: hex digest of its bytes (its name in the store).
        size: bytes.
        path: where the store keeps it.
    """

    sha256: str
    size: int
    path: Path


class FileStore:
    """Content-addressed files under *root* (created on first use, mode 0700).

    Args:
        root: the folder; by default the ledger's file name plus ``.files``.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path_of(self, sha256: str) -> Path:
        """Where the file with this digest is (or would be) kept."""
        if not _DIGEST.fullmatch(sha256):
            raise LedgerError(f"not a sha256 digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        """True when the store holds a file with this digest."""
        if not _DIGEST.fullmatch(sha256):
            raise LedgerError(f"not a sha256 digest: {sha256!r}")
        # Plain strings: a pass asks this of every published file.
        return os.path.isfile(os.path.join(self.root, sha256[:2], sha256))

    def put(self, source: Path) -> KeptFile:
        """Copy *source* into the store, hashing the bytes as they are copied.

        The digest is of the bytes written, so what is inspected and scanned afterwards (the
        stored copy) is exactly what the digest names, even if *source* changes meanwhile.

        Raises:
            AttachmentError: *source* cannot be read (missing, not a regular file, unreadable).
            LedgerError: the store cannot be written (e.g. the disk is full); nothing is left half
                written.
        """
        try:
            # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
            fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError as exc:
            raise AttachmentError(f"{source.name}: cannot be read: {exc.strerror or exc}") from None
        with os.fdopen(fd, "rb") as reader:
            if not stat.S_ISREG(os.fstat(reader.fileno()).st_mode):
                raise AttachmentError(f"{source.name}: not a regular file")
            self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
            digest, size = hashlib.sha256(), 0
            try:
                handle, temporary = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
            except OSError as exc:
                raise LedgerError(f"cannot write to the file store {self.root}: {exc.strerror or exc}") from None
            try:
                with os.fdopen(handle, "wb") as writer:
                    while chunk := reader.read(_CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        writer.write(chunk)
                    writer.flush()
                    os.fsync(writer.fileno())
                sha256 = digest.hexdigest()
                target = self.path_of(sha256)
                target.parent.mkdir(mode=0o700, exist_ok=True)
                if target.is_file():
                    os.unlink(temporary)  # already kept: content-addressed, so the same bytes
                else:
                    os.chmod(temporary, 0o600)
                    os.replace(temporary, target)
            except OSError as exc:
                _remove(temporary)
                raise LedgerError(f"cannot write to the file store {self.root}: {exc.strerror or exc}") from None
            except BaseException:
                _remove(temporary)
                raise
        return KeptFile(sha256=sha256, size=size, path=target)

    def verified(self, sha256: str) -> Path:
        """The kept file's path, after checking its bytes still hash to *sha256*.

        Raises:
            LedgerError: the store has no such file, or its content changed (the store was
                tampered with or damaged): it must not be published.
        """
        path = self.path_of(sha256)
        digest = hashlib.sha256()
        try:
            with path.open("rb") as reader:
                while chunk := reader.read(_CHUNK):
                    digest.update(chunk)
        except OSError as exc:
            raise LedgerError(f"the file store has no file {sha256[:12]}… ({exc.strerror or exc}); "
                              "take the request in again from its folder") from None
        if digest.hexdigest() != sha256:
            raise LedgerError(f"the file store's copy of {sha256[:12]}… was changed after intake; it is not "
                              "published: restore the store from backup or take the request in again")
        return path


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
