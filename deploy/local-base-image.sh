#!/usr/bin/env bash
# A Python base image made from Debian's own packages, for a host that reaches Debian's mirror but
# no container registry (this project's build and test machines): debootstrap a minimal bookworm
# with Python 3.11 and venv, and import it as an image. Build the app on it with
#   podman build --build-arg PYTHON_IMAGE=localhost/debian-python:bookworm -f deploy/Containerfile .
# The host's CA bundle goes in, so pip in the build trusts what the host trusts (a TLS proxy).
set -euo pipefail

IMAGE="${1:-localhost/debian-python:bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
BUNDLE=/etc/ssl/certs/ca-certificates.crt

if podman image exists "$IMAGE"; then
    exit 0
fi
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase --include=python3,python3-venv,python-is-python3,ca-certificates \
    bookworm "$root" "$MIRROR" >/dev/null
[ -f "$BUNDLE" ] && cp "$BUNDLE" "$root$BUNDLE"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | podman import \
    --change "ENV PIP_CERT=$BUNDLE" --change "ENV SSL_CERT_FILE=$BUNDLE" - "$IMAGE" >/dev/null
echo "$IMAGE"
