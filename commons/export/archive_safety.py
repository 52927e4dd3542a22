"""Safe reading of an archive to import: a zip file or an unpacked folder.

Every entry is checked before anything is decompressed or read: names that climb out (``..``,
absolute, backslashes, drive letters, control characters) or are not one of the archive's own
files, symlinks (zip external attributes or on disk), special files, encrypted or exotic
compression, too many entries, too large files or total, suspicious compression ratios (zip
bombs). Reads are bounded again, whatever the headers claim. Messages are French and name the
file.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..wiki.importer import RexImportError

MiB = 1024 * 1024
MAX_ERRORS = 50
ALLOWED = re.compile(
    r"(README\.md|CREDITS\.md|datapackage\.json|rex\.csv"
    r"|rex/[a-z0-9]+(-[a-z0-9]+)*\.md|LICENSES/[A-Za-z0-9][A-Za-z0-9.+-]{0,60}\.txt"
    r"|files/[a-z0-9]+(-[a-z0-9]+)*/[0-9a-f]{16}\.[a-z]{3,4})"
)


@dataclass(frozen=True)
class Limits:
    """Bounds on what an archive may hold (settings ``IMPORT_MAX_*``)."""

    entries: int = 100_000
    total_bytes: int = 1024 * MiB
    file_bytes: int = 1 * MiB  # one REX file (the importer's own limit)
    index_bytes: int = 64 * MiB  # datapackage.json, rex.csv, README.md, CREDITS.md
    ratio: int = 100  # uncompressed / compressed, for entries above 64 Kio

    @classmethod
    def from_config(cls, config: Any) -> Limits:
        return cls(
            entries=int(config.get("IMPORT_MAX_ENTRIES", cls.entries)),
            total_bytes=int(config.get("IMPORT_MAX_TOTAL_BYTES", cls.total_bytes)),
            ratio=int(config.get("IMPORT_MAX_RATIO", cls.ratio)),
        )

    def size_of(self, name: str) -> int:
        if name.startswith("files/"):  # attachments: the upload limit applies again on import
            return self.index_bytes
        return self.file_bytes if name.startswith(("rex/", "LICENSES/")) else self.index_bytes


def check_name(name: str) -> str | None:
    """Why an entry name is refused (``None``: it is one of the archive's own files)."""
    if not name or len(name) > 255 or any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "nom de fichier vide, trop long ou avec des caractères de contrôle"
    if name.startswith("/") or "\\" in name or re.match(r"^[A-Za-z]:", name):
        return "chemin absolu ou séparateur « \\ » refusé"
    if any(part in ("", ".", "..") for part in name.split("/")):
        return "chemin qui sort de l'archive (« .. ») ou mal formé"
    if not ALLOWED.fullmatch(name):
        return "fichier inattendu dans une archive de communs"
    return None


class ZipSource:
    """Entries of a zip file, checked from its central directory before any read."""

    def __init__(self, path: Path, limits: Limits) -> None:
        try:
            self.zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise RexImportError(f"{path.name} : ce n'est pas une archive zip lisible.") from exc
        infos, errors, total = self.zf.infolist(), [], 0
        if len(infos) > limits.entries:
            raise RexImportError(f"L'archive contient plus de {limits.entries} fichiers.")
        self.infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name, mode = info.filename, info.external_attr >> 16
            if stat.S_ISLNK(mode):
                errors.append(f"{name} : lien symbolique refusé.")
                continue
            if info.is_dir():
                if name.rstrip("/") not in ("rex", "LICENSES"):
                    errors.append(f"{name} : dossier inattendu dans une archive de communs.")
                continue
            if (why := check_name(name)) is not None:
                errors.append(f"{name} : {why}.")
            elif name in self.infos:
                errors.append(f"{name} : présent deux fois dans l'archive.")
            elif info.flag_bits & 0x1:
                errors.append(f"{name} : fichier chiffré refusé.")
            elif info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                errors.append(f"{name} : méthode de compression non prise en charge.")
            elif info.file_size > limits.size_of(name):
                errors.append(f"{name} : fichier trop gros ({_size(limits.size_of(name))} max).")
            elif info.file_size > 64 * 1024 and info.file_size > limits.ratio * max(
                info.compress_size, 1
            ):
                errors.append(f"{name} : taux de compression suspect (bombe zip ?).")
            else:
                self.infos[name] = info
            total += info.file_size
        if total > limits.total_bytes:
            errors.append(f"L'archive décompressée dépasserait {_size(limits.total_bytes)}.")
        if errors:
            raise RexImportError(errors[:MAX_ERRORS])
        self.limits = limits

    def names(self) -> list[str]:
        return sorted(self.infos)

    def read(self, name: str) -> bytes:
        limit = self.limits.size_of(name)
        try:
            with self.zf.open(self.infos[name]) as handle:
                data = handle.read(limit + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise RexImportError(f"{name} : contenu compressé corrompu.") from exc
        if len(data) > limit:
            raise RexImportError(f"{name} : fichier trop gros ({_size(limit)} max).")
        return data


class FolderSource:
    """Files of an unpacked archive; symlinks and special files are refused."""

    def __init__(self, path: Path, limits: Limits) -> None:
        self.root, self.limits, errors, total = path, limits, [], 0
        self.files: dict[str, int] = {}
        for top, dirs, files in os.walk(path, followlinks=False):
            for name in sorted(dirs + files):
                full = Path(top, name)
                rel = full.relative_to(path).as_posix()
                info = full.lstat()
                if stat.S_ISLNK(info.st_mode):
                    errors.append(f"{rel} : lien symbolique refusé.")
                elif stat.S_ISDIR(info.st_mode):
                    if rel not in ("rex", "LICENSES"):
                        errors.append(f"{rel} : dossier inattendu dans une archive de communs.")
                        dirs.remove(name)
                elif not stat.S_ISREG(info.st_mode):
                    errors.append(f"{rel} : fichier spécial refusé.")
                elif (why := check_name(rel)) is not None:
                    errors.append(f"{rel} : {why}.")
                elif info.st_size > limits.size_of(rel):
                    errors.append(f"{rel} : fichier trop gros ({_size(limits.size_of(rel))} max).")
                else:
                    self.files[rel] = info.st_size
                    total += info.st_size
            if len(self.files) > limits.entries:
                raise RexImportError(f"L'archive contient plus de {limits.entries} fichiers.")
        if total > limits.total_bytes:
            errors.append(f"L'archive dépasse {_size(limits.total_bytes)}.")
        if errors:
            raise RexImportError(errors[:MAX_ERRORS])

    def names(self) -> list[str]:
        return sorted(self.files)

    def read(self, name: str) -> bytes:
        limit = self.limits.size_of(name)
        with (self.root / name).open("rb") as handle:
            data = handle.read(limit + 1)
        if len(data) > limit:
            raise RexImportError(f"{name} : fichier trop gros ({_size(limit)} max).")
        return data


def _size(n: int) -> str:
    return f"{n // MiB} Mo" if n >= MiB else f"{n // 1024} Ko"
