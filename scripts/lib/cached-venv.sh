# shellcheck shell=bash
# Sourced by bootstrap.sh (.venv) and tarball-check.sh (.cache/venv-oldest): a Python virtual
# environment kept in the machine's cache, one per set of pinned requirements, and the checkout's
# link to it.
#
# Why: on a fresh clone, creating .venv took ~55 s of one core before anything else could run
# (the `ansible` package alone unpacks some 40,000 files), though this machine already held the
# very same install. A venv cannot be moved or copied elsewhere (its scripts name its path), so
# checkouts share one by a symbolic link, as they share the test bed's images and .deb cache.
# Nothing writes into a venv after it is made (no script or test runs pip in it).

# XMPP_STACK_CACHE: the machine's cache directory (default /var/cache/xmpp-stack, the test bed's).
venv_cache_root() { printf '%s/venvs' "${XMPP_STACK_CACHE:-/var/cache/xmpp-stack}"; }

# cached_venv LINK PYTHON REQUIREMENTS CHECK
#   LINK          the checkout's path that is to point at the venv, e.g. .venv
#   PYTHON        the interpreter the venv is made from, e.g. python3.11
#   REQUIREMENTS  the pinned requirements file pip installs
#   CHECK         Python code the new venv must run without error before it is kept
#                 (e.g. 'import ansible, molecule'); a venv that fails it is removed
# The venv's name is the SHA-256 of the requirements file and the interpreter's version, so a
# changed pin makes a new one and never alters one another checkout uses. Makers take a lock,
# so two checkouts bootstrapping at once make it once. Prints nothing when the venv exists;
# returns non-zero, naming the step, when it cannot be made.
cached_venv() {
  local link=$1 python=$2 requirements=$3 check=$4
  local root want dir
  root=$(venv_cache_root)
  want=$(cat "$requirements" <("$python" --version 2>&1) | sha256sum | cut -d' ' -f1)
  dir=$root/$want
  mkdir -p "$root" || return 1
  (
    flock 9
    [ -e "$dir/.complete" ] && exit 0
    echo "creating the venv for $requirements in $dir (a few minutes the first time)"
    rm -rf "$dir"
    "$python" -m venv "$dir" || { echo "$python -m venv $dir failed"; exit 1; }
    { "$dir/bin/python" -m pip install -q --upgrade pip 2>&1; } | { grep -v '^WARNING: Location' || true; }
    { "$dir/bin/python" -m pip install -q -r "$requirements" 2>&1; } | { grep -v '^WARNING: Location' || true; }
    "$dir/bin/python" -c "$check" || { echo "the requirements of $requirements did not install"; rm -rf "$dir"; exit 1; }
    touch "$dir/.complete"
  ) 9>"$root/.lock" || return 1
  # A directory left by an older bootstrap (the venv inside the checkout) gives way to the link.
  [ -L "$link" ] || rm -rf "$link"
  mkdir -p "$(dirname "$link")"
  ln -sfn "$dir" "$link"
}
