#!/usr/bin/env bash
# The pod sandbox image, built offline: pause.c compiled static, alone in an image made with
# buildah (vfs storage, no daemon, no registry). Cached under ~/.cache/netgrow/images by the
# hash of its inputs. Prints `<oci-archive path> <image name>`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${NETGROW_IMAGE_CACHE:-$HOME/.cache/netgrow/images}
key=$(cat "$here/pause.c" "$0" | sha256sum | cut -c1-16)
name="localhost/netgrow-pause:$key"
archive="$cache/netgrow-pause-$key.tar"
if [ ! -f "$archive" ]; then
  mkdir -p "$cache"
  work=$(mktemp -d "$cache/build-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  mkdir "$work/rootfs"
  cc -O2 -static -o "$work/rootfs/pause" "$here/pause.c"
  export BUILDAH_ISOLATION=chroot
  b() { buildah --storage-driver vfs --root "$work/storage" --runroot "$work/run" "$@"; }
  c=$(b from scratch)
  b copy "$c" "$work/rootfs" / >/dev/null
  b config --entrypoint '["/pause"]' --user 65535:65535 "$c"
  b commit -q "$c" "oci-archive:$archive.part:$name" >/dev/null
  b rm "$c" >/dev/null
  mv "$archive.part" "$archive"
fi
echo "$archive $name"
