#!/usr/bin/env bash
# Issue #14's GPU measurement in one call on a lent GPU machine (the device tool), which
# has no Node or npm: `bench gpu` (the WebGPU adapter Dawn finds, bench train on webgpu
# and on wasm, their ratio) and PyTorch CUDA on the same nets.
#
#   here, once:  scripts/gpu-bench.sh pack
#                  builds .gpu-bench/bundle.tar.xz (Node, the bench, what it loads; ~50 MiB)
#                  and .gl/ (the Vulkan loader's .deb, per the device tool's README); both are
#                  git-ignored through .git/info/exclude
#   there:       run with carry [".gpu-bench", ".gl"], command `bash scripts/gpu-bench.sh run`,
#                  timeout_s 540; the log comes back as $OUT/gpu-bench.txt
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
pack)
  grep -qx '/.gpu-bench/' .git/info/exclude 2>/dev/null || echo /.gpu-bench/ >> .git/info/exclude
  grep -qx '/.gl/' .git/info/exclude 2>/dev/null || echo /.gl/ >> .git/info/exclude
  mkdir -p .gl /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update -qq && (cd .gl && apt-get $o download libvulkan1 >/dev/null)
  # The pack runs the bench once to see what it loads: let Dawn find SwiftShader here.
  export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
  [ -f /usr/lib/chromium/vk_swiftshader_icd.json ] && export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
  node scripts/gpu-bench/pack.mjs
  ;;
run)
  OUT="${OUT:-$(mktemp -d)}"
  work=$(mktemp -d)
  tar -xJf .gpu-bench/bundle.tar.xz -C "$work"
  if ! ldconfig -p | grep -q 'libvulkan.so.1'; then for f in .gl/*.deb; do dpkg -x "$f" /; done; ldconfig; fi
  nv=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  [ -f "$nv" ] && export VK_DRIVER_FILES="$nv"
  export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
  {
    date -u; nvidia-smi -L || true
    "$work/node" "$work/app/main.js" gpu --batch 64 --iterations 30 captcha-dcgan captcha-wdcgan-gp celeba-dcgan
    python3 "$work/pytorch_cuda_dcgan.py" 50 || echo "pytorch: failed"
  } 2>&1 | tee "$OUT/gpu-bench.txt"
  ;;
*)
  echo "usage: scripts/gpu-bench.sh pack|run" >&2; exit 2 ;;
esac
