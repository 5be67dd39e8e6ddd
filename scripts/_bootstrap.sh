# Sourced by scripts/run and scripts/test: make sure uv is available, then sync the workspace.
# uv comes from PATH, or is installed once into .tools/ with the machine's Python 3.11.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
UV_VERSION="0.13.9"
if command -v uv >/dev/null 2>&1; then
  UV="$(command -v uv)"
elif [ -x "$ROOT/.tools/bin/uv" ]; then
  UV="$ROOT/.tools/bin/uv"
else
  echo "hanke: installing uv $UV_VERSION into .tools/ (first run only)" >&2
  PY="$(command -v python3.11 || command -v python3)"
  "$PY" -m venv "$ROOT/.tools"
  "$ROOT/.tools/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  UV="$ROOT/.tools/bin/uv"
fi
export UV_PYTHON_DOWNLOADS=never
"$UV" sync --frozen --all-packages --quiet
