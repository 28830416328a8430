# Sourced by scripts/setup.sh, scripts/build-native.sh and scripts/k8s-testenv/build.sh.
# The tools that take minutes to make -- the Python venv (the tools and TensorFlow), tfjs-node's
# compiled binding, the graph engine's addon, the Kubernetes test binaries -- are kept outside the
# checkout, one folder per tool and stamp, as a CI system caches them:
#   $NETGROW_TOOLS_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/netgrow/tools)/<tool>-<key>/
# where <key> is the first 16 hex digits of the sha256 of the stamp: the text naming what
# produced the tool (its pins, the hash of its sources and of the script that builds it). The
# folder holds that text in `stamp` and is finished when `.complete` exists; a finished folder
# is never changed. A clean clone on a machine that built the same pins links or copies them in
# seconds; a changed pin gets a new folder and rebuilds that tool only. Old folders stay until
# removed by hand (rm -rf the cache folder is always safe: everything is built again).
tools_cache=${NETGROW_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/netgrow/tools}

# tool_dir TOOL STAMP: the folder of TOOL made from STAMP.
tool_dir() { printf '%s/%s-%s' "$tools_cache" "$1" "$(printf '%s' "$2" | sha256sum | cut -c1-16)"; }

# tool_complete DIR: DIR was finished.
tool_complete() { [ -f "$1/.complete" ]; }

# tool_build DIR STAMP COMMAND...: unless DIR is finished, runs COMMAND (which fills DIR, given
# empty) and marks DIR finished. One build at a time per folder (flock): a second clone setting
# up at the same moment waits and then finds it finished. Returns COMMAND's failure, leaving
# DIR unfinished (the next run starts it again from empty). COMMAND runs where `set -e` does not
# apply: it must check its own steps.
tool_build() {
  local dir=$1 stamp=$2
  shift 2
  mkdir -p "$tools_cache" || return 1
  (
    flock 9
    tool_complete "$dir" && exit 0
    rm -rf "$dir" && mkdir -p "$dir" || exit 1
    "$@" || exit 1
    printf '%s\n' "$stamp" >"$dir/stamp"
    touch "$dir/.complete"
  ) 9>"$dir.lock"
}

# tool_link DIR LINK: LINK (a path in .tools) points at DIR, replacing whatever LINK was
# (a folder of the layout before this cache included).
tool_link() {
  [ "$(readlink "$2" 2>/dev/null)" = "$1" ] && return 0
  rm -rf "$2" && ln -sfn "$1" "$2"
}
