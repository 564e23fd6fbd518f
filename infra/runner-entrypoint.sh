#!/bin/sh
# Entrypoint of the runner image: puts the signing keystore on tmpfs, then runs the command.
#
# ECS injects the fields of the secret apkgen/STAGE/keystore (infra/keystore.sh) as
# APKGEN_KEYSTORE_B64, APKGEN_KEYSTORE_PASSWORD, APKGEN_KEY_PASSWORD and APKGEN_KEY_ALIAS.
# The keystore is decoded into APKGEN_SECRETS_DIR (default /dev/shm/apkgen, memory only) with
# mode 0600, APKGEN_KEYSTORE_PATH points at it, and the base64 copy leaves the environment.
# The passwords stay in the environment, where Settings reads them (and never logs them).
set -eu

die() {
  echo "apkgen-runner-entrypoint: $*" >&2
  exit 64
}

dir="${APKGEN_SECRETS_DIR:-/dev/shm/apkgen}"

if [ -n "${APKGEN_KEYSTORE_B64:-}" ]; then
  umask 077
  mkdir -p "$dir" || die "cannot create $dir; set APKGEN_SECRETS_DIR to a writable tmpfs directory"
  fs=$(stat -f -c %T "$dir")
  if [ "$fs" != "tmpfs" ] && [ "${APKGEN_ALLOW_DISK_SECRETS:-0}" != "1" ]; then
    die "$dir is on $fs, not tmpfs, and the keystore must not be written to disk;" \
      "set APKGEN_SECRETS_DIR to a tmpfs directory"
  fi
  path="$dir/keystore.jks"
  if ! printf '%s' "$APKGEN_KEYSTORE_B64" | base64 -d > "$path" 2>/dev/null || [ ! -s "$path" ]; then
    rm -f "$path"
    die "the secret's keystore_b64 is not a base64 keystore; store it again with" \
      "infra/keystore.sh STAGE path/to/release.jks"
  fi
  chmod 600 "$path"
  unset APKGEN_KEYSTORE_B64
  APKGEN_KEYSTORE_PATH="$path"
  export APKGEN_KEYSTORE_PATH
elif [ -z "${APKGEN_KEYSTORE_PATH:-}" ]; then
  die "no keystore: APKGEN_KEYSTORE_B64 is empty and APKGEN_KEYSTORE_PATH unset;" \
    "store one with infra/keystore.sh STAGE (ECS reads the secret apkgen/STAGE/keystore)"
fi

[ "$#" -gt 0 ] || die "no command given (the image runs: python -m build_runner run)"
exec "$@"
