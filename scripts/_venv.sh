# Sourced by scripts/start and scripts/test: create once, then use, the project's virtual environment,
# so that both README commands work on Debian's and Ubuntu's own Python (PEP 668 forbids installing
# into it) exactly as on any other. An environment that is already active ($VIRTUAL_ENV) is used as
# it is; EVALKIT_VENV names another place (default: .venv in the repository).
# Sets PY to the environment's python.

_evalkit_python() {
  local c
  for c in python3 python3.13 python3.12 python3.11 python3.10; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
      echo "$c"
      return 0
    fi
  done
  return 1
}

if [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ]; then
  VENV="$VIRTUAL_ENV"
else
  VENV="${EVALKIT_VENV:-.venv}"
  if [ ! -x "$VENV/bin/python" ]; then
    BASE_PY="$(_evalkit_python)" || { echo "$0: Python 3.10 or newer is needed (python3 --version)" >&2; exit 1; }
    if ! "$BASE_PY" -m venv "$VENV" >/dev/null 2>&1; then
      rm -rf "$VENV"
      # Debian and Ubuntu ship venv (ensurepip) separately
      pkg="python3-venv $("$BASE_PY" -c 'import sys; print("python3.%d-venv" % sys.version_info[1])')"
      if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "$0: installing $pkg to create the virtual environment $VENV" >&2
        apt-get update -qq
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $pkg >/dev/null
        "$BASE_PY" -m venv "$VENV"
      else
        echo "$0: cannot create the virtual environment $VENV: run 'sudo apt-get install $pkg' (Debian/Ubuntu) and try again" >&2
        exit 1
      fi
    fi
    echo "$0: created the virtual environment $VENV (evalkit and its dependencies go there)" >&2
  fi
fi
PY="$VENV/bin/python"
