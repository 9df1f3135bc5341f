# Shared by scripts/demo and scripts/test: install what is missing, or say exactly how.
# Sourced, not run. Debian/Ubuntu with Rust (rustup) installed is assumed.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUST_TARGETS=(thumbv8m.main-none-eabihf thumbv7em-none-eabihf)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root: directly when root, through sudo when that works without a
# password prompt we cannot answer (no terminal), else prints the command and stops.
as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null && { [ -t 0 ] || sudo -n true 2>/dev/null; }; then
        sudo "$@"
    else
        die "needs root; run this yourself, then rerun: sudo $*"
    fi
}

apt_install() {
    command -v apt-get >/dev/null || die "no apt-get: install these packages yourself: $*"
    say "installing $* (apt-get, --no-install-recommends)"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

ensure_rust() {
    command -v cargo >/dev/null || die "cargo not found: install Rust with: curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh"
    if ! command -v rustup >/dev/null; then
        say "rustup not found: make sure the targets ${RUST_TARGETS[*]} are installed for your Rust"
        return
    fi
    local installed missing=()
    installed="$(rustup target list --installed)"
    for t in "${RUST_TARGETS[@]}"; do
        grep -qx "$t" <<<"$installed" || missing+=("$t")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        say "rustup target add ${missing[*]}"
        rustup target add "${missing[@]}"
    fi
}

ensure_qemu() {
    command -v qemu-system-arm >/dev/null || apt_install qemu-system-arm
}

# arm-none-eabi-gcc and newlib: the C export is built for QEMU mps3-an547 with it in tests.
ensure_arm_gcc() {
    if ! command -v arm-none-eabi-gcc >/dev/null || ! arm_newlib_present; then
        apt_install gcc-arm-none-eabi libnewlib-arm-none-eabi
    fi
}

arm_newlib_present() {
    local nano
    nano="$(arm-none-eabi-gcc -print-file-name=nano.specs 2>/dev/null)"
    [ -f "$nano" ]
}

ensure_rust_components() {
    command -v rustup >/dev/null || return 0
    local have
    have="$(rustup component list --installed 2>/dev/null || true)"
    for c in rustfmt clippy; do
        grep -q "^$c" <<<"$have" || { say "rustup component add $c"; rustup component add "$c"; }
    done
}

# The Python venv with the TFLM reference interpreter (tools/oracle/requirements.txt) and
# Arm's Vela for the Ethos-U analysis (tools/npu/requirements.txt).
ensure_venv() {
    local py="$root/.venv/bin/python"
    if [ -x "$py" ] && "$py" -c 'import tflite_micro, numpy, tflite, ethosu.vela' 2>/dev/null; then
        export TINYML_PYTHON="$py"
        return
    fi
    command -v python3 >/dev/null || apt_install python3 python3-venv
    python3 -c 'import ensurepip, venv' 2>/dev/null || apt_install python3-venv
    say "installing tools/oracle/requirements.txt and tools/npu/requirements.txt into $root/.venv"
    [ -x "$py" ] || python3 -m venv "$root/.venv"
    "$py" -m pip install -q --disable-pip-version-check \
        -r "$root/tools/oracle/requirements.txt" -r "$root/tools/npu/requirements.txt"
    export TINYML_PYTHON="$py"
}
