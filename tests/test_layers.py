"""The folders' layers: imports run one way, as the README's map draws them."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
# model/'s subpackages, lowest first: each may import only those before it.
MODEL_LAYERS = ["seeds", "config", "handfile", "page", "net", "data", "style", "samples", "critics", "write", "evaluation",
                "training"]
# The rooms above model/, and what each may import besides itself: the service (daemon/'s top)
# the model through one door, the writer (and the model's torch-free declarations and pages);
# the commands (daemon/cli/) the service, the model and the installer; the extension, which
# runs without torch, the service's client side and the model's torch-free pages.
ROOMS = {
    "model": set(),
    "daemon": {"model.write.writer", "model.config", "model.handfile", "model.page"},
    "daemon.cli": {"model", "daemon", "install"},
    "extension": {"daemon.protocol", "daemon.client", "daemon.pictures", "daemon.keys", "model.config",
                  "model.handfile", "model.page"},
    "install": set(),
}


def _imports(path: Path) -> set[str]:
    """The inkscribe names a file imports, dotted inside inkscribe ("model.net.network.HandwritingModel", ...)."""
    package = path.relative_to(ROOT).parent.parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join([*package[:len(package) - node.level + 1], *(node.module or "").split(".")])
            elif node.module and node.module.startswith("inkscribe."):
                base = node.module.removeprefix("inkscribe.")
            else:
                continue
            found |= {f"{base.strip('.')}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("inkscribe.") for a in node.names if a.name.startswith("inkscribe.")}
    return found


def _room(name: str) -> str:
    return "daemon.cli" if name.startswith("daemon.cli") or name == "daemon.cli" else name.split(".")[0]


def test_model_subpackages_import_only_the_layers_below_them():
    crossings = []
    for path in sorted((ROOT / "model").rglob("*.py")):
        parts = path.relative_to(ROOT / "model").parts
        if parts == ("__init__.py",):
            continue
        own = MODEL_LAYERS.index(parts[0] if len(parts) > 1 else path.stem)
        for name in _imports(path):
            top, _, rest = name.partition(".")
            layer = rest.split(".")[0] if top == "model" else top
            if top != "model" or MODEL_LAYERS.index(layer) > own:
                crossings.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not crossings


def test_the_top_level_folders_import_one_way_model_then_service_then_commands():
    crossings = []
    for top in ("model", "daemon", "extension", "install"):
        for path in sorted((ROOT / top).rglob("*.py")):
            room = _room(".".join(path.relative_to(ROOT).with_suffix("").parts))
            for name in _imports(path):
                if _room(name) != room and not any(name == a or name.startswith(a + ".") for a in ROOMS[room]):
                    crossings.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not crossings


def test_the_extension_runs_without_torch():
    # Inkscape's own Python has no torch; the extension's modules must load without it.
    script = ("import sys; sys.path.insert(0, 'extension'); import inkscribe_handwriting; "
              "print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch'))")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
