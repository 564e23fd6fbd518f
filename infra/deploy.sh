#!/usr/bin/env bash
# Deploys apkgen to AWS as one CloudFormation stack: `make deploy STAGE=dev` (docs/deploy.md).
#
#   1. `python -m infra.assemble STAGE infra/out/STAGE`: chalice package merged with
#      infra/template.yaml (names from chalice_app/.chalice/config.json);
#   2. the runner image (infra/runner.Dockerfile) built and pushed to ECR, unless
#      APKGEN_RUNNER_IMAGE names one already pushed;
#   3. `aws cloudformation package` (Lambda code to S3) and `aws cloudformation deploy`;
#   4. on the first deploy, a second `deploy` that tells the functions their own public URL
#      (the REST API's URL only exists once the stack does).
#
# Environment (all optional): APKGEN_VPC_ID and APKGEN_SUBNETS (comma-separated; default: the
# account's default VPC and its subnets), APKGEN_ASSIGN_PUBLIC_IP (ENABLED), APKGEN_SES_SENDER,
# APKGEN_PUBLIC_URL (a custom domain in front of the API), APKGEN_RUNNER_IMAGE,
# APKGEN_RUNNER_MAX (4), APKGEN_DEPLOY_BUCKET (default apkgen-deploy-ACCOUNT-REGION).
set -euo pipefail
cd "$(dirname "$0")/.."
SCRIPT_NAME=deploy
# shellcheck source=infra/lib.sh
. infra/lib.sh

STAGE="${1:-}"
check_stage "$STAGE"
PY="${PY:-.venv/bin/python}"
[ -x "$PY" ] || die "no $PY: run 'bash scripts/setup.sh' (or 'make setup') first"
need_aws_cli
aws_identity
STACK="apkgen-$STAGE"
OUT="${APKGEN_OUT_DIR:-infra/out/$STAGE}"

echo "deploy: stage $STAGE, stack $STACK, account $ACCOUNT, region $REGION"

# 1. The merged template.
rm -rf "$OUT"
"$PY" -m infra.assemble "$STAGE" "$OUT" >/dev/null

# 2. The runner image.
IMAGE="${APKGEN_RUNNER_IMAGE:-}"
if [ -z "$IMAGE" ]; then
  command -v docker >/dev/null 2>&1 \
    || die "docker is needed to build the runner image (https://docs.docker.com/engine/install/);" \
      "or set APKGEN_RUNNER_IMAGE to an image already in ECR"
  REPO="apkgen-runner"
  REGISTRY="$ACCOUNT.dkr.ecr.$REGION.amazonaws.com"
  aws ecr describe-repositories --repository-names "$REPO" >/dev/null 2>&1 \
    || aws ecr create-repository --repository-name "$REPO" \
      --image-scanning-configuration scanOnPush=true >/dev/null
  TAG="$(git describe --always --dirty --abbrev=12 2>/dev/null || date +%Y%m%d%H%M%S)"
  IMAGE="$REGISTRY/$REPO:$TAG"
  aws ecr get-login-password | docker login --username AWS --password-stdin "$REGISTRY" >/dev/null
  docker build --platform linux/amd64 -f infra/runner.Dockerfile -t "$IMAGE" .
  docker push "$IMAGE"
fi

# The network of the runner tasks.
VPC="${APKGEN_VPC_ID:-}"
SUBNETS="${APKGEN_SUBNETS:-}"
if [ -z "$VPC" ]; then
  VPC="$(aws ec2 describe-vpcs --filters Name=isDefault,Values=true \
    --query 'Vpcs[0].VpcId' --output text | sed 's/^None$//')"
  [ -n "$VPC" ] || die "no default VPC in $REGION: set APKGEN_VPC_ID and APKGEN_SUBNETS"
fi
if [ -z "$SUBNETS" ]; then
  SUBNETS="$(aws ec2 describe-subnets --filters "Name=vpc-id,Values=$VPC" \
    --query 'Subnets[].SubnetId' --output text | tr '\t' ',')"
  [ -n "$SUBNETS" ] || die "VPC $VPC has no subnets: set APKGEN_SUBNETS=subnet-a,subnet-b"
fi

# 3. Lambda code to S3, then the stack.
DEPLOY_BUCKET="${APKGEN_DEPLOY_BUCKET:-apkgen-deploy-$ACCOUNT-$REGION}"
if ! aws s3api head-bucket --bucket "$DEPLOY_BUCKET" >/dev/null 2>&1; then
  if [ "$REGION" = "us-east-1" ]; then
    aws s3api create-bucket --bucket "$DEPLOY_BUCKET" >/dev/null
  else
    aws s3api create-bucket --bucket "$DEPLOY_BUCKET" \
      --create-bucket-configuration "LocationConstraint=$REGION" >/dev/null
  fi
  aws s3api put-public-access-block --bucket "$DEPLOY_BUCKET" --public-access-block-configuration \
    BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
fi
aws cloudformation package --template-file "$OUT/sam.json" --s3-bucket "$DEPLOY_BUCKET" \
  --s3-prefix "$STAGE" --output-template-file "$OUT/packaged.yaml" >/dev/null

PUBLIC_URL="${APKGEN_PUBLIC_URL:-$(stack_output "$STACK" EndpointURL)}"
deploy() {
  local public="${1%/}" origin="*"
  if [ -n "$public" ]; then
    origin="$(printf '%s' "$public" | sed -E 's#^(https?://[^/]+).*#\1#')"
  fi
  aws cloudformation deploy --template-file "$OUT/packaged.yaml" --stack-name "$STACK" \
    --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --no-fail-on-empty-changeset \
    --tags app=apkgen "stage=$STAGE" \
    --parameter-overrides "RunnerImage=$IMAGE" "VpcId=$VPC" "Subnets=$SUBNETS" \
    "AssignPublicIp=${APKGEN_ASSIGN_PUBLIC_IP:-ENABLED}" "SesSender=${APKGEN_SES_SENDER:-}" \
    "RunnerMaxCount=${APKGEN_RUNNER_MAX:-4}" "PublicUrl=$public" "AllowedOrigin=$origin"
}
deploy "$PUBLIC_URL"

# 4. First deploy: now the REST API has a URL; tell the functions and the bucket's CORS.
ENDPOINT="$(stack_output "$STACK" EndpointURL)"
if [ -z "${APKGEN_PUBLIC_URL:-}" ] && [ "${PUBLIC_URL%/}" != "${ENDPOINT%/}" ]; then
  echo "deploy: first deploy; setting the public URL to $ENDPOINT"
  deploy "$ENDPOINT"
fi

SECRET="$(stack_output "$STACK" KeystoreSecretArn)"
if ! aws secretsmanager describe-secret --secret-id "$SECRET" \
    --query 'VersionIdsToStages' --output text 2>/dev/null | grep -q AWSCURRENT; then
  echo "deploy: the signing keystore is not set yet; runner tasks cannot start until you run:"
  echo "          bash infra/keystore.sh $STAGE [path/to/release.jks]"
fi

echo "deploy: done."
echo "  web page and HTTP API: ${APKGEN_PUBLIC_URL:-$ENDPOINT}"
echo "  WebSocket:             $(stack_output "$STACK" WebsocketConnectEndpointURL)"
echo "  runner image:          $IMAGE"
echo "  runner logs:           aws logs tail $(stack_output "$STACK" RunnerLogGroup) --follow"
