#!/usr/bin/env bash
# Vendor MathJax 3.2.2 (CHTML, woff-v2 fonts) into _vendor/mathjax so that the site never
# loads it from a CDN. npm verifies the tarball's integrity against the registry; we check
# the one file we load against a pinned SHA-256 as well.
set -euo pipefail
version=3.2.2
expected_sha256=300480069078b5892d2363a2b65e2dfbbf30fe5c80f83edbfecf4610fd093862  # es5/tex-mml-chtml.js of 3.2.2
dest=_vendor/mathjax
if [ -f "$dest/tex-mml-chtml.js" ] && [ -f "$dest/.version" ] && [ "$(cat "$dest/.version")" = "$version" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "error: npm is needed to vendor MathJax (apt-get install npm, or install Node.js)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "mathjax@$version" >/dev/null && tar -xzf "mathjax-$version.tgz")
rm -rf "$dest.new" && mkdir -p "$dest.new/output/chtml/fonts"
cp "$tmp/package/es5/tex-mml-chtml.js" "$dest.new/"
actual=$(sha256sum "$dest.new/tex-mml-chtml.js" | cut -d' ' -f1)
if [ "$actual" != "$expected_sha256" ]; then
  echo "error: MathJax tex-mml-chtml.js has sha256 $actual, expected $expected_sha256; not vendored" >&2
  rm -rf "$dest.new"; exit 1
fi
cp -r "$tmp/package/es5/output/chtml/fonts/woff-v2" "$dest.new/output/chtml/fonts/"
echo "$version" > "$dest.new/.version"
rm -rf "$dest" && mv "$dest.new" "$dest"
echo "vendored MathJax $version into $dest"
