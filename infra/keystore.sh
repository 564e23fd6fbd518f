#!/usr/bin/env bash
# Stores the APK signing keystore in the stage's secret (read by the runner at start).
#
#   bash infra/keystore.sh STAGE                  generate a new keystore (keytool) and store it
#   bash infra/keystore.sh STAGE release.jks      store an existing one; its passwords come from
#                                                 APKGEN_KEYSTORE_PASSWORD / APKGEN_KEY_PASSWORD
#                                                 (environment, never arguments) and the alias
#                                                 from APKGEN_KEY_ALIAS (default apkgen)
#
# Nothing is written outside a private temporary directory, which is removed at exit. Running
# runner tasks are restarted so they pick the keystore up.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=keystore
# shellcheck source=infra/lib.sh
. infra/lib.sh

STAGE="${1:-}"
check_stage "$STAGE"
FILE="${2:-}"
need_aws_cli
command -v keytool >/dev/null 2>&1 || die "keytool is needed (Debian: apt-get install default-jdk-headless)"
command -v python3 >/dev/null 2>&1 || die "python3 is needed"
aws_identity
STACK="apkgen-$STAGE"
SECRET="$(stack_output "$STACK" KeystoreSecretArn)"
[ -n "$SECRET" ] || die "no stack $STACK (or no KeystoreSecretArn output): run 'make deploy STAGE=$STAGE' first"

umask 077
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export APKGEN_KEY_ALIAS="${APKGEN_KEY_ALIAS:-apkgen}"

if [ -z "$FILE" ]; then
  APKGEN_KEYSTORE_PASSWORD="$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"
  APKGEN_KEY_PASSWORD="$APKGEN_KEYSTORE_PASSWORD"  # PKCS12 has one password for both
  export APKGEN_KEYSTORE_PASSWORD APKGEN_KEY_PASSWORD
  FILE="$WORK/release.p12"
  keytool -genkeypair -keystore "$FILE" -storetype PKCS12 -alias "$APKGEN_KEY_ALIAS" \
    -keyalg RSA -keysize 3072 -validity 10000 -dname "CN=apkgen $STAGE" \
    -storepass:env APKGEN_KEYSTORE_PASSWORD -keypass:env APKGEN_KEY_PASSWORD >/dev/null
  echo "keystore: generated a new RSA 3072 key (alias $APKGEN_KEY_ALIAS)"
else
  [ -f "$FILE" ] || die "no keystore file $FILE"
  [ -n "${APKGEN_KEYSTORE_PASSWORD:-}" ] || die "export APKGEN_KEYSTORE_PASSWORD (the store password of $FILE)"
  export APKGEN_KEY_PASSWORD="${APKGEN_KEY_PASSWORD:-$APKGEN_KEYSTORE_PASSWORD}"
  keytool -list -keystore "$FILE" -storepass:env APKGEN_KEYSTORE_PASSWORD -alias "$APKGEN_KEY_ALIAS" >/dev/null 2>&1 \
    || die "$FILE does not open with APKGEN_KEYSTORE_PASSWORD or has no alias '$APKGEN_KEY_ALIAS' (set APKGEN_KEY_ALIAS)"
fi

APKGEN_KEYSTORE_FILE="$FILE" python3 - "$WORK/secret.json" <<'PY'
import base64, json, os, sys
with open(os.environ["APKGEN_KEYSTORE_FILE"], "rb") as f:
    data = f.read()
secret = {
    "keystore_b64": base64.b64encode(data).decode(),
    "keystore_password": os.environ["APKGEN_KEYSTORE_PASSWORD"],
    "key_password": os.environ["APKGEN_KEY_PASSWORD"],
    "key_alias": os.environ["APKGEN_KEY_ALIAS"],
}
with open(sys.argv[1], "w") as f:
    json.dump(secret, f)
PY
aws secretsmanager put-secret-value --secret-id "$SECRET" \
  --secret-string "file://$WORK/secret.json" >/dev/null
echo "keystore: stored in $SECRET"

CLUSTER="$(stack_output "$STACK" RunnerCluster)"
SERVICE="$(stack_output "$STACK" RunnerServiceName)"
if [ -n "$CLUSTER" ] && [ -n "$SERVICE" ]; then
  aws ecs update-service --cluster "$CLUSTER" --service "$SERVICE" --force-new-deployment >/dev/null
  echo "keystore: runner tasks restart with it (idle stages have none running)"
fi
