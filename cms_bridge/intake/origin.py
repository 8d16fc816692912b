"""Where a request came from: a folder, and in it a request file or an export and its row.

Kept as fields from intake through the ledger, so nothing has to take a "path, row N" text
apart again; ``str()`` gives that text for messages and the audit trail.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Origin"]


class Origin(BaseModel):
    """Where a request was read from.

    Attributes:
        folder: the folder its attachment paths are relative to (the file's folder, or the
            ``base_dir`` of a request built in code).
        file: the request file or export in that folder; ``None`` for a request built in code.
        row: the row of a CSV/XLSX export (as the spreadsheet numbers it); ``None`` for a file.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    folder: str
    file: str | None = None
    row: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _row_needs_file(self) -> Self:
        if self.row is not None and self.file is None:
            raise ValueError("a row is a row of a file: give the file too")
        return self

    @classmethod
    def of_file(cls, path: Path | str, row: int | None = None) -> Origin:
        """The origin of a request file, or of one row of an export."""
        path = Path(path)
        return cls(folder=str(path.parent), file=path.name, row=row)

    @classmethod
    def of_folder(cls, path: Path | str) -> Origin:
        """The origin of a request built in code whose attachments are under *path*."""
        return cls(folder=str(Path(path)))

    @classmethod
    def of_path(cls, path: Path | str) -> Origin:
        """A folder's origin when *path* is an existing folder or ends in a separator, else a file's."""
        text = str(path)
        if text.endswith(("/", "\\")) or Path(text).is_dir():
            return cls.of_folder(text)
        return cls.of_file(text)

    @property
    def base_dir(self) -> Path:
        """The folder attachment paths are relative to."""
        return Path(self.folder)

    @property
    def path(self) -> Path | None:
        """The request file or export, when there is one."""
        return None if self.file is None else Path(self.folder) / self.file

    def __str__(self) -> str:
        if self.file is None:
            return self.folder + ("" if self.folder.endswith(("/", "\\")) else os.sep)
        return str(Path(self.folder) / self.file) + (f", row {self.row}" if self.row is not None else "")
