"""Images: re-encoded on upload (metadata such as the GPS position dropped, dimensions capped,
decompression bombs refused before decoding) and thumbnails for pages.

Re-encoding keeps only pixels: whatever rode along in the file (EXIF, comments, a PHP or HTML
payload appended or hidden in a chunk) is not copied. An animated GIF keeps its first frame.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from .intake import FileRefused, Kind

FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP", "image/gif": "GIF"}
THUMB_WIDTH = 640


def _open(path: Path, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(path)  # reads the header only (Pillow checks the pixel count)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise FileRefused(
            "Image refusée : elle annonce bien trop de pixels (bombe de décompression)."
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise FileRefused("Image illisible ou corrompue.") from exc
    width, height = img.size
    if width * height > max_pixels:
        img.close()
        raise FileRefused(
            f"Image refusée : {width} × {height} pixels, c'est trop "
            f"({max_pixels // 1_000_000} millions de pixels au plus)."
        )
    return img


def reencode(path: Path, kind: Kind, *, max_pixels: int, max_side: int) -> tuple[int, int]:
    """Rewrite the image at ``path`` in place from its pixels only; return its size."""
    img = _open(path, max_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img.load()
            img = ImageOps.exif_transpose(img)
        if img.format != FORMATS[kind.media_type] and img.format is not None:
            raise FileRefused("Le contenu de l'image ne correspond pas à son format.")
        img.thumbnail((max_side, max_side))
        clean = _pixels_only(img, kind)
        out = io.BytesIO()
        _save(clean, out, kind.media_type)
    except FileRefused:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning) as exc:
        raise FileRefused("Image illisible ou corrompue.") from exc
    finally:
        img.close()
    path.write_bytes(out.getvalue())
    return clean.size


def _pixels_only(img: Image.Image, kind: Kind) -> Image.Image:
    """A new image holding the pixels (and a palette), nothing else."""
    mode = img.mode
    if kind.media_type == "image/jpeg" and mode not in ("RGB", "L"):
        mode = "RGB"
    elif mode not in ("RGB", "RGBA", "L", "LA", "P"):
        mode = "RGBA"
    src = img.convert(mode) if mode != img.mode else img
    clean = Image.new(src.mode, src.size)
    if src.mode == "P":
        clean.putpalette(src.getpalette() or [])
        if "transparency" in src.info and isinstance(src.info["transparency"], int):
            clean.info["transparency"] = src.info["transparency"]
    clean.paste(src)
    return clean


def _save(img: Image.Image, out: io.BytesIO, media_type: str) -> None:
    fmt = FORMATS[media_type]
    if fmt == "JPEG":
        img.save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "GIF" and "transparency" in img.info:
        img.save(out, "GIF", transparency=img.info["transparency"])
    else:
        img.save(out, fmt)


def thumbnail(data: bytes, media_type: str) -> tuple[bytes, int, int]:
    """A thumbnail at most :data:`THUMB_WIDTH` wide, same format (already a clean image)."""
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        img.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 4))
        out = io.BytesIO()
        _save(img, out, media_type)
        return out.getvalue(), img.width, img.height
