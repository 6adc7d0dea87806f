"""The folders' layers: imports run one way, as docs/architecture.md draws them."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
# model/'s subpackages, lowest first: each may import only those before it.
MODEL_LAYERS = ["config", "page", "net", "data", "style", "samples", "critics", "write", "evaluation", "training"]


def _imports(path: Path) -> set[str]:
    """The inkscribe modules a file imports, as dotted names inside inkscribe ("model.net", ...)."""
    package = path.relative_to(ROOT).parent.parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                found.add(".".join([*base, *(node.module.split(".") if node.module else [])]))
            elif node.module and node.module.startswith("inkscribe."):
                found.add(node.module.removeprefix("inkscribe."))
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("inkscribe.") for a in node.names if a.name.startswith("inkscribe.")}
    return found


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


def test_the_daemon_imports_the_extension_only_for_reading_drawn_strokes():
    crossings = [f"{path.relative_to(ROOT)} imports {n}" for path in sorted((ROOT / "daemon").rglob("*.py"))
                 for n in _imports(path) if n.startswith("extension") and n != "extension.inkscribe_drawn"]
    assert not crossings


def test_the_extension_runs_without_torch():
    # Inkscape's own Python has no torch; the extension's modules must load without it.
    script = ("import sys; sys.path.insert(0, 'extension'); import inkscribe_handwriting; "
              "print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch'))")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
