#!/usr/bin/env bash
# The test bed: Debian's Docker engine, a shared apt cache and systemd base images built with
# debootstrap. Every step checks first and reuses what exists, so a second call takes seconds.
# Usage: scripts/testbed.sh ensure | images | clean [--all]
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SUITES=(trixie bookworm)
IMAGE_REPO=xmpp-stack/debian
CACHE_PORT=3142
LOG_DIR=/var/log/xmpp-stack
# Everything the image build depends on: a change here changes the tag and rebuilds.
INCLUDE_PKGS=systemd,systemd-sysv,python3,python3-apt,sudo,dbus,iproute2,ca-certificates,procps,gnupg,openssh-server
# The controller's key for the test hosts (.config/molecule/config.yml names the same file): one per
# machine, like the images it is built into; its public half is part of the image tag.
SSH_KEY=/var/cache/xmpp-stack/testbed-ssh/id_ed25519

say() { printf '\033[1m[testbed]\033[0m %s\n' "$*"; }

ensure_packages() {
  local missing=()
  command -v dockerd >/dev/null || missing+=(docker.io)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v iptables >/dev/null || missing+=(iptables)
  command -v ssh-keygen >/dev/null || missing+=(openssh-client)
  command -v shellcheck >/dev/null || missing+=(shellcheck)
  # The web client's test drives Debian's Chromium through its ChromeDriver (Selenium).
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
  # certutil: the browser test trusts the scenario's lab CA in its own NSS database.
  command -v certutil >/dev/null || missing+=(libnss3-tools)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

wait_for() { # wait_for SECONDS CMD...
  local n=$1; shift
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  return 1
}

ensure_dockerd() {
  if docker info >/dev/null 2>&1; then return 0; fi
  say "starting dockerd"
  mkdir -p "$LOG_DIR"
  # setsid: a daemon left in this command's process group dies with it (testbed.md).
  setsid /usr/sbin/dockerd --storage-driver=overlay2 >"$LOG_DIR/dockerd.log" 2>&1 </dev/null &
  wait_for 60 docker info || { tail -20 "$LOG_DIR/dockerd.log"; exit 1; }
}

cache_up() { exec 3<>"/dev/tcp/127.0.0.1/$CACHE_PORT" && exec 3>&-; }

ensure_apt_cache() {
  # tests/support/debcache.py is the .deb cache every test host shares (through the Docker
  # gateway address), so a second run of the suite downloads no package again.
  if cache_up 2>/dev/null; then return 0; fi
  say "starting the shared .deb cache on port $CACHE_PORT"
  mkdir -p "$LOG_DIR"
  setsid /usr/bin/python3 "$HERE/../tests/support/debcache.py" --port "$CACHE_PORT" \
    --cache-dir /var/cache/xmpp-stack/debs >"$LOG_DIR/debcache.log" 2>&1 </dev/null &
  wait_for 30 cache_up || { cat "$LOG_DIR/debcache.log"; exit 1; }
}

ensure_ssh_key() {
  [ -s "$SSH_KEY" ] && [ -s "$SSH_KEY.pub" ] && return 0
  say "making the controller's key for the test hosts ($SSH_KEY)"
  mkdir -p "$(dirname "$SSH_KEY")" && chmod 700 "$(dirname "$SSH_KEY")"
  rm -f "$SSH_KEY" "$SSH_KEY.pub"
  ssh-keygen -q -t ed25519 -N '' -C xmpp-stack-testbed -f "$SSH_KEY"
}

recipe_hash() {
  { declare -f build_image; echo "$INCLUDE_PKGS"; cat "$SSH_KEY.pub"; } | sha256sum | cut -c1-12
}

build_image() { # build_image SUITE TAG
  local suite=$1 tag=$2 root
  root=$(mktemp -d /var/tmp/xmpp-stack-rootfs.XXXXXX)
  say "debootstrap $suite (about a minute)"
  http_proxy="http://127.0.0.1:$CACHE_PORT" debootstrap --variant=minbase --include="$INCLUDE_PKGS" "$suite" "$root" \
    http://deb.debian.org/debian >"$LOG_DIR/debootstrap-$suite.log" 2>&1 \
    || { tail -20 "$LOG_DIR/debootstrap-$suite.log"; exit 1; }
  cat >"$root/etc/apt/sources.list" <<SRC
deb http://deb.debian.org/debian $suite main
deb http://deb.debian.org/debian $suite-updates main
deb http://deb.debian.org/debian $suite-backports main
deb http://deb.debian.org/debian-security $suite-security main
SRC
  # Test hosts reach the mirror through the machine's shared cache ("aptcache" is mapped to
  # the Docker host by the Molecule platform settings).
  echo 'Acquire::http::Proxy "http://aptcache:3142";' >"$root/etc/apt/apt.conf.d/01xmpp-stack-proxy"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb
  # An emptied lists dir with a fresh mtime makes cache_valid_time skip the first update.
  touch -d @0 "$root/var/lib/apt/lists"
  # Trust the machine's CA bundle, as a site with its own TLS proxy would (testbed.md).
  cp /etc/ssl/certs/ca-certificates.crt "$root/usr/local/share/ca-certificates-host.crt"
  mkdir -p "$root/usr/local/share/ca-certificates"
  csplit -s -z -f "$root/usr/local/share/ca-certificates/host-" -b '%03d.crt' \
    /etc/ssl/certs/ca-certificates.crt '/-----BEGIN CERTIFICATE-----/' '{*}'
  rm -f "$root/usr/local/share/ca-certificates-host.crt"
  chroot "$root" update-ca-certificates >/dev/null 2>&1 || true
  # Molecule reaches each host by ssh (.config/molecule/config.yml): its ProxyCommand runs
  # testbed-sshd through `docker exec -i`, one sshd on that pipe per connection, kept open by
  # ssh's ControlMaster, so a task costs a channel instead of a `docker exec` (a runc exec, about
  # 0.1 s of CPU each). No sshd listens on a port: a scenario that wants one (stack) starts it.
  systemctl --root="$root" disable ssh.service >/dev/null 2>&1
  install -d -m 700 "$root/root/.ssh"
  install -m 600 "$SSH_KEY.pub" "$root/root/.ssh/authorized_keys"
  cat >"$root/usr/local/sbin/testbed-sshd" <<'SSHD'
#!/bin/sh
# The test bed's way in (scripts/testbed.sh): sshd speaking on this stdin/stdout (inetd mode).
mkdir -p -m 755 /run/sshd
exec /usr/sbin/sshd -i
SSHD
  chmod 755 "$root/usr/local/sbin/testbed-sshd"
  # No getty/udev noise and a clean machine-id for every container.
  : >"$root/etc/machine-id"
  tar --numeric-owner -C "$root" -c . | docker import -c 'CMD ["/sbin/init"]' -c 'ENV container=docker' - "$tag" >/dev/null
  rm -rf "$root"
}

stop_builds() { # the process groups in the caller's `pids` (ensure_images), then exit
  local pid
  for pid in "${pids[@]}"; do [ -z "$pid" ] || kill -- "-$pid" 2>/dev/null || true; done
  exit 130
}

ensure_images() {
  local h suite tag failed=() pids=()
  h=$(recipe_hash)
  mkdir -p "$LOG_DIR"
  # The suites build side by side: each debootstrap is mostly one process waiting on the mirror or
  # unpacking on one core (on a fresh machine, one after the other took two minutes of the suite).
  # Each build is a process group of its own (set -m), stopped with this script: bash makes
  # background jobs ignore Ctrl-C, which would leave a debootstrap running beside the next try.
  set -m
  trap stop_builds INT TERM
  for suite in "${SUITES[@]}"; do
    tag="$IMAGE_REPO:$suite-$h"
    if docker image inspect "$tag" >/dev/null 2>&1; then
      pids+=("")
    else
      build_image "$suite" "$tag" &
      pids+=("$!")
    fi
  done
  set +m
  for i in "${!SUITES[@]}"; do
    [ -z "${pids[$i]}" ] || wait "${pids[$i]}" || failed+=("${SUITES[$i]}")
  done
  trap - INT TERM
  [ ${#failed[@]} -eq 0 ] || { say "building the image of ${failed[*]} failed"; exit 1; }
  for suite in "${SUITES[@]}"; do
    tag="$IMAGE_REPO:$suite-$h"
    docker tag "$tag" "$IMAGE_REPO:$suite"
    say "image $IMAGE_REPO:$suite -> $tag"
  done
}

clean() {
  say "removing test hosts and networks"
  docker ps -aq --filter label=xmpp-stack.testhost | xargs -r docker rm -f >/dev/null
  docker network ls -q --filter label=xmpp-stack.testnet | xargs -r docker network rm >/dev/null
  if [ "${1:-}" = "--all" ]; then
    say "removing images and the package cache"
    docker images -q "$IMAGE_REPO" | sort -u | xargs -r docker rmi -f >/dev/null
    rm -rf /var/cache/xmpp-stack/debs "$(dirname "$SSH_KEY")"
  fi
}

case "${1:-ensure}" in
  ensure) ensure_packages; ensure_ssh_key; ensure_dockerd; ensure_apt_cache; ensure_images ;;
  clean) shift; if docker info >/dev/null 2>&1; then clean "$@"; fi ;;
  *) echo "usage: $0 ensure|clean [--all]" >&2; exit 2 ;;
esac
