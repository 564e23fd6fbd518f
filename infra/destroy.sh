#!/usr/bin/env bash
# Deletes the stage's stack: `make destroy STAGE=dev` (docs/deploy.md).
# Empties the files bucket first (CloudFormation cannot delete a bucket with objects in it).
# Kept on purpose: the signing keystore secret (apps signed with it can only be updated with the
# same key; its ARN is printed), the ECR images and the deploy bucket of Lambda bundles.
# Asks for the stage name again unless APKGEN_YES=1.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=destroy
# shellcheck source=infra/lib.sh
. infra/lib.sh

STAGE="${1:-}"
check_stage "$STAGE"
need_aws_cli
aws_identity
STACK="apkgen-$STAGE"

aws cloudformation describe-stacks --stack-name "$STACK" >/dev/null 2>&1 \
  || die "no stack $STACK in account $ACCOUNT, region $REGION: nothing to delete"

if [ "${APKGEN_YES:-0}" != "1" ]; then
  printf 'destroy: this deletes %s (every build, log and APK of it) in %s/%s.\n' \
    "$STACK" "$ACCOUNT" "$REGION"
  printf 'Type the stage name (%s) to go on: ' "$STAGE"
  read -r answer
  [ "$answer" = "$STAGE" ] || die "not confirmed; nothing deleted"
fi

BUCKET="$(stack_output "$STACK" BucketName)"
SECRET="$(stack_output "$STACK" KeystoreSecretArn)"
if [ -n "$BUCKET" ] && aws s3api head-bucket --bucket "$BUCKET" >/dev/null 2>&1; then
  echo "destroy: emptying s3://$BUCKET"
  aws s3 rm "s3://$BUCKET" --recursive --only-show-errors
fi

echo "destroy: deleting stack $STACK (the runner service drains first; a few minutes)"
aws cloudformation delete-stack --stack-name "$STACK"
aws cloudformation wait stack-delete-complete --stack-name "$STACK" \
  || die "the stack did not delete cleanly; see: aws cloudformation describe-stack-events --stack-name $STACK"

echo "destroy: done. Kept: the keystore secret ${SECRET:-(none)}"
echo "  delete it only if no published app needs updates:"
echo "  aws secretsmanager delete-secret --secret-id ${SECRET:-ARN} --recovery-window-in-days 7"
