# The build runner: `python -m build_runner run` on ECS Fargate (infra/template.yaml).
# Build from the repository root:  docker build -f infra/runner.Dockerfile -t apkgen-runner .
# No secret is baked in: the keystore arrives from Secrets Manager at start (ECS injects the
# secret's fields as environment variables; infra/runner-entrypoint.sh writes the keystore to
# tmpfs with mode 0600 and drops the base64 copy from the environment).
FROM debian:bookworm-slim

# The Android toolchain and a JDK from Debian, the same packages as scripts/setup.sh
# (a unit test compares the lists), Python 3.11, and tini to forward SIGTERM on scale-in.
# Not pinned (DL3008): bookworm's versions only move for security fixes, which we want.
# hadolint ignore=DL3008
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        default-jdk-headless \
        apktool \
        aapt \
        zipalign \
        apksigner \
        android-framework-res \
        fonts-dejavu-core \
        python3 \
        python3-venv \
        ca-certificates \
        tini \
    && rm -rf /var/lib/apt/lists/*

ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

COPY infra/runner-requirements.txt /tmp/runner-requirements.txt
RUN python3 -m venv /opt/venv \
    && pip install --no-cache-dir -r /tmp/runner-requirements.txt \
    && rm /tmp/runner-requirements.txt

WORKDIR /opt/apkgen
COPY pyproject.toml ./
COPY build_runner ./build_runner
COPY chalice_app/chalicelib ./chalice_app/chalicelib
COPY chalice_app/vendor/apkgen_core ./chalice_app/vendor/apkgen_core
RUN pip install --no-cache-dir --no-deps . \
    && rm -rf build ./*.egg-info

COPY infra/runner-entrypoint.sh /usr/local/bin/apkgen-runner-entrypoint
RUN chmod 0755 /usr/local/bin/apkgen-runner-entrypoint \
    && useradd --system --uid 10001 --user-group --create-home --home-dir /home/apkgen apkgen \
    && install -d -o apkgen -g apkgen -m 0700 /tmp/apkgen-work

# Numeric, so ECS and any runAsNonRoot check can see it is not root.
USER 10001:10001
ENV HOME=/home/apkgen \
    APKGEN_WORK_DIR=/tmp/apkgen-work
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/apkgen-runner-entrypoint"]
CMD ["python", "-m", "build_runner", "run"]
