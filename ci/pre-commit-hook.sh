#!/usr/bin/env bash
# pre-commit hook (see .pre-commit-hooks.yaml): `pedigree check` on each changed manifest.
# Options come first (--policy FILE, --server URL, --format F), then the files pre-commit passes.
# Sets up Pedigree's virtualenv in the hook's checkout on first use; PEDIGREE_BIN overrides the command.
set -u
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pedigree="${PEDIGREE_BIN:-$root/.venv/bin/pedigree}"
if [ ! -x "$pedigree" ]; then
  make -C "$root" venv >&2 || exit 2
fi
options=()
while [ $# -gt 1 ] && [ "${1#--}" != "$1" ]; do
  options+=("$1" "$2")
  shift 2
done
status=0
for manifest in "$@"; do
  "$pedigree" check "$manifest" "${options[@]}"
  code=$?
  if [ "$code" -gt "$status" ]; then status=$code; fi
done
exit $status
