#!/usr/bin/env bash
# Installs the Debian packages the PKCS#11 tests need: SoftHSM2 (a software token), OpenSC's
# pkcs11-tool (to put keys and certificates on it), and p11-kit's pkcs11.h with a C compiler
# (the binding's structure layout is checked against what the compiler makes of the header).
# Idempotent: does nothing when all are there. Runs as root as it is, or through sudo when available.
set -euo pipefail

pkcs11_header=/usr/include/p11-kit-1/p11-kit/pkcs11.h
if command -v softhsm2-util >/dev/null 2>&1 && command -v pkcs11-tool >/dev/null 2>&1 && command -v gcc >/dev/null 2>&1 && [ -f "$pkcs11_header" ]; then
  echo "install-peers: softhsm2, opensc, gcc and $pkcs11_header are already installed."
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-peers: need root (or sudo) to install softhsm2 and opensc with apt-get." >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-peers: apt-get not found; install SoftHSM2 and OpenSC (pkcs11-tool) with this system's package manager." >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y --no-install-recommends softhsm2 opensc libp11-kit-dev gcc libc6-dev
echo "install-peers: installed $(softhsm2-util --version 2>/dev/null | head -n 1 || echo softhsm2) and $(command -v pkcs11-tool)."
