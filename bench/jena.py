"""Apache Jena's SHACL validator (Debian's ``libapache-jena-java``) as a benchmark reference.

Debian's Jena 4.5 jars need two things to run from a plain class path:

* only the ``jena-*.jar`` files and the jars the package depends on, with ``slf4j-api`` and ``slf4j-nop`` as
  the only logging jars (several bindings on the path make slf4j complain on every run);
* Jena's repackaged Xerces looks up its message bundles as ``xerces.impl.msg.*`` and
  ``xerces.impl.xpath.regex.message`` while ``jena-core.jar`` ships them under ``org/apache/jena/ext/``;
  without them the first XSD datatype fails with "internal error" in ``XSSimpleTypeDecl``. They are copied
  once into ``bench/.cache/jena-resources/`` and that directory goes first on the class path.

The command is ``shacl.shacl_validate`` (the class behind ``shacl validate``, in ``jena-cmds.jar``); it
prints the report graph as Turtle.

>>> from bench.jena import available
>>> isinstance(available(), bool)
True
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

__all__ = ["JAVA_DIR", "MAIN_CLASS", "available", "class_path", "command", "validate"]

JAVA_DIR = Path("/usr/share/java")
MAIN_CLASS = "shacl.shacl_validate"
# The jars libapache-jena-java depends on (its Debian "Depends:"), by their unversioned names.
DEPENDENCIES = (
    "commons-cli",
    "commons-codec",
    "commons-compress",
    "commons-csv",
    "commons-io",
    "commons-lang3",
    "dexx.collection",
    "gson",
    "guava",
    "httpclient",
    "httpcore",
    # jsonld-java (Jena's JSON-LD 1.0 reader) caches contexts through it.
    "httpclient-cache",
    "jackson-annotations",
    "jackson-core",
    "jackson-databind",
    "jakarta.json-api",
    "jsonld-java",
    "protobuf",
    "thrift",
    "titanium-json-ld",
    "slf4j-api",
    "slf4j-nop",
)
# jena-core.jar folder -> where the repackaged Xerces looks for it.
RESOURCES = {
    "org/apache/jena/ext/xerces/impl/msg/": "xerces/impl/msg/",
    "org/apache/jena/ext/xerces/impl/xpath/regex/": "xerces/impl/xpath/regex/",
}
RESOURCE_DIR = Path(__file__).resolve().parent / ".cache" / "jena-resources"


def _jena_jars() -> list[Path]:
    """The unversioned ``jena-*.jar`` links (each names one module once)."""
    return sorted(p for p in JAVA_DIR.glob("jena-*.jar") if not any(c.isdigit() for c in p.stem))


def available() -> bool:
    """Whether Java and the Jena jars are installed."""
    return shutil.which("java") is not None and (JAVA_DIR / "jena-cmds.jar").exists()


def _resources() -> Path:
    """The directory holding Xerces' message bundles where Jena's Xerces looks for them (made once)."""
    marker = RESOURCE_DIR / "complete"
    if marker.exists():
        return RESOURCE_DIR
    with zipfile.ZipFile(JAVA_DIR / "jena-core.jar") as jar:
        for name in jar.namelist():
            for source, target in RESOURCES.items():
                if name.startswith(source) and not name.endswith("/"):
                    out = RESOURCE_DIR / target / name[len(source) :]
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(jar.read(name))
    marker.write_text("copied from jena-core.jar\n")
    return RESOURCE_DIR


def class_path() -> str:
    """The class path for Jena's command-line tools; ``RuntimeError`` names a missing jar."""
    if not available():
        raise RuntimeError(f"{JAVA_DIR}/jena-cmds.jar or java: not found; install libapache-jena-java")
    jars = _jena_jars()
    for name in DEPENDENCIES:
        jar = JAVA_DIR / f"{name}.jar"
        if not jar.exists():
            raise RuntimeError(f"{jar}: missing; Jena needs it (reinstall libapache-jena-java)")
        jars.append(jar)
    return ":".join([str(_resources()), *map(str, jars)])


def command(*, data: Path, shapes: Path, heap: str = "4g") -> list[str]:
    """The command validating ``data`` against ``shapes``; it prints the report as Turtle."""
    return [
        "java",
        f"-Xmx{heap}",
        "-cp",
        class_path(),
        MAIN_CLASS,
        "--shapes",
        str(shapes),
        "--data",
        str(data),
    ]


def validate(*, data: Path, shapes: Path, timeout: float | None = None) -> bytes:
    """Run Jena's validator; return the report (Turtle). ``RuntimeError`` carries Jena's last error line."""
    done = subprocess.run(command(data=data, shapes=shapes), capture_output=True, timeout=timeout)
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines() or ["(no message)"]
        cause = next((line for line in lines if "Exception" in line or "Error" in line), lines[-1])
        raise RuntimeError(f"jena shacl validate exited with {done.returncode}: {cause.strip()}")
    return done.stdout
