# shellcheck shell=bash
# Shared by deploy.sh, destroy.sh and keystore.sh (sourced, not run).
# Each function prints what went wrong and how to fix it, then exits non-zero.

die() {
  echo "${SCRIPT_NAME:-infra}: $*" >&2
  exit 1
}

need_aws_cli() {
  if ! command -v aws >/dev/null 2>&1; then
    die "the AWS CLI is not installed. Install v2 (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html)" \
      "or 'pipx install awscli', then run 'aws configure' (or export AWS_PROFILE) and try again."
  fi
}

check_stage() {
  case "${1:-}" in
    "") die "usage: $0 STAGE   (a stage of chalice_app/.chalice/config.json: dev or prod)" ;;
    local) die "the 'local' stage is for 'make dev' on this machine; deploy dev or prod" ;;
    *[!a-z0-9-]*) die "stage '$1' may only contain a-z, 0-9 and '-'" ;;
  esac
}

# Sets REGION and ACCOUNT from the CLI's configuration and credentials.
aws_identity() {
  REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region 2>/dev/null || true)}}"
  [ -n "$REGION" ] || die "no AWS region: export AWS_REGION=eu-west-1 (or 'aws configure set region eu-west-1')"
  export AWS_DEFAULT_REGION="$REGION" AWS_REGION="$REGION"
  # shellcheck disable=SC2034  # used by the scripts that source this file
  ACCOUNT="$(aws sts get-caller-identity --query Account --output text 2>/dev/null)" \
    || die "the AWS CLI has no working credentials: run 'aws configure' or export AWS_PROFILE"
}

# stack_output STACK KEY: one output of a stack, empty when the stack or output is missing.
stack_output() {
  { aws cloudformation describe-stacks --stack-name "$1" \
      --query "Stacks[0].Outputs[?OutputKey=='$2'].OutputValue | [0]" --output text \
      2>/dev/null || true; } | sed 's/^None$//'
}
