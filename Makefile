# elfuse — build, test, demo, bench.
#
#   make demo    build elfuse and run real AArch64 programs (static, and in an Alpine-like root)
#   make sysroot assemble the test roots: busybox, alpine (musl), debian (bookworm)
#   make test    install what the tests need, build guests, run every test
#   make bench   ratios against qemu-aarch64-static
#   make deps    install the cross compiler, qemu-user-static, arm64 packages

ifeq ($(shell uname -s),Darwin)
# Homebrew: brew tap messense/macos-cross-toolchains && brew install aarch64-unknown-linux-gnu
GUEST_CC   ?= aarch64-unknown-linux-gnu-gcc
else
GUEST_CC   ?= aarch64-linux-gnu-gcc
endif
GUEST_CFLAGS ?= -O2 -Wall
CARGO      ?= cargo
GUEST_DIR  := tests/guest
GUEST_OUT  := $(GUEST_DIR)/build
GUESTS     := hello args exitcode fault abort printf_float malloc_stress fileio sysinfo getppid_loop int_loop sieve simd_kernel signals sigwait fork_exec fs_escape fs_files fs_io fs_poll fs_misc fs_ident fork_bench timers threads fp_fenv simd_neon thread_bench wx_jit net procfs shm_fork signalfd
PIE_GUESTS := hello args malloc_stress
# Dynamically linked copies (glibc's ld.so from the cross toolchain), run
# under the small root `make dynroot` assembles (tests/dynamic.rs).
DYN_GUESTS := hello signals printf_float fp_fenv simd_neon threads timers malloc_stress sigwait
CROSS_LIB  ?= /usr/aarch64-linux-gnu/lib
DYNROOT    := $(GUEST_OUT)/dynroot
BUSYBOX    := tests/sysroot/busybox/bin/busybox
ALPINE     := tests/sysroot/alpine/.elfuse-root
DEBIAN     := tests/sysroot/debian/.elfuse-root
UNAME_S    := $(shell uname -s)

.PHONY: all build release deps guests dynroot sysroot test demo bench docs check-hvf lint clean sign

all: build

# On macOS the binary must carry com.apple.security.hypervisor (elfuse.entitlements)
# or hv_vm_create fails; an ad-hoc signature is enough for local use.
ENTITLEMENTS := elfuse.entitlements
ifeq ($(UNAME_S),Darwin)
SIGN = codesign --sign - --entitlements $(ENTITLEMENTS) --force $(1)
else
SIGN = @true
endif

build:
	$(CARGO) build
	$(call SIGN,target/debug/elfuse)

release:
	$(CARGO) build --release
	$(call SIGN,target/release/elfuse)

sign:
	$(call SIGN,target/release/elfuse)

deps:
ifeq ($(UNAME_S),Darwin)
	@command -v $(GUEST_CC) >/dev/null || { echo "missing $(GUEST_CC): xcode-select --install; brew tap messense/macos-cross-toolchains && brew install aarch64-unknown-linux-gnu"; exit 1; }
	@command -v codesign >/dev/null || { echo "missing codesign: xcode-select --install"; exit 1; }
else
	@bash tests/sysroot/deps.sh
endif

guests: $(addprefix $(GUEST_OUT)/,$(GUESTS)) $(addprefix $(GUEST_OUT)/,$(addsuffix -pie,$(PIE_GUESTS))) dynroot

dynroot: $(addprefix $(DYNROOT)/bin/,$(DYN_GUESTS) dynlib) $(DYNROOT)/lib3/libpreload.so $(BUSYBOX)
	@mkdir -p $(DYNROOT)/lib $(DYNROOT)/tmp
	@cmp -s $(BUSYBOX) $(DYNROOT)/bin/busybox || cp $(BUSYBOX) $(DYNROOT)/bin/busybox
	@for f in ld-linux-aarch64.so.1 libc.so.6 libm.so.6 libgcc_s.so.1; do \
	  cmp -s $(CROSS_LIB)/$$f $(DYNROOT)/lib/$$f || cp $(CROSS_LIB)/$$f $(DYNROOT)/lib/$$f; done

$(DYNROOT)/bin/%: $(GUEST_DIR)/%.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -o $@ $< -lm

$(DYNROOT)/lib2/libgreet.so: $(GUEST_DIR)/dynlib/greet.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -shared -fPIC -o $@ $<

$(DYNROOT)/lib3/libpreload.so: $(GUEST_DIR)/dynlib/preload.c
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -shared -fPIC -o $@ $<

$(DYNROOT)/bin/dynlib: $(GUEST_DIR)/dynlib.c $(DYNROOT)/lib2/libgreet.so
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -rdynamic -o $@ $< -L$(DYNROOT)/lib2 -lgreet

$(GUEST_OUT)/%: $(GUEST_DIR)/%.c
	@mkdir -p $(GUEST_OUT)
	$(GUEST_CC) $(GUEST_CFLAGS) -static -o $@ $< -lm

$(GUEST_OUT)/%-pie: $(GUEST_DIR)/%.c
	@mkdir -p $(GUEST_OUT)
	$(GUEST_CC) $(GUEST_CFLAGS) -static-pie -fPIE -o $@ $< -lm

# debian.sh needs apt-get and dpkg-deb (a Debian/Ubuntu host); on macOS the
# Debian root is not built, so tests/roots_debian.rs fails there until one is
# copied in from a Linux machine (docs/hvf.md).
ifeq ($(UNAME_S),Darwin)
sysroot: $(BUSYBOX) $(ALPINE)
else
sysroot: $(BUSYBOX) $(ALPINE) $(DEBIAN)
endif

# macOS has no apt-get/dpkg-deb: fetch the same Debian package with curl and
# unpack it with bsdtar (a .deb is an ar archive bsdtar reads).
BUSYBOX_DEB_URL ?= https://deb.debian.org/debian/pool/main/b/busybox/busybox-static_1.35.0-4+deb12u1+b1_arm64.deb

$(BUSYBOX):
ifeq ($(UNAME_S),Darwin)
	@mkdir -p tests/sysroot/cache tests/sysroot/busybox.tmp
	curl -fL -o tests/sysroot/cache/busybox-static_arm64.deb '$(BUSYBOX_DEB_URL)'
	cd tests/sysroot/busybox.tmp && tar -xf ../cache/busybox-static_arm64.deb && tar -xf data.tar.*
	mkdir -p tests/sysroot/busybox && mv tests/sysroot/busybox.tmp/bin tests/sysroot/busybox.tmp/usr tests/sysroot/busybox/ 2>/dev/null; rm -rf tests/sysroot/busybox.tmp
	@test -x $(BUSYBOX)
else
	bash tests/sysroot/busybox.sh
endif

# The scripts keep a hash of their inputs in the stamp and do nothing when it
# matches; the touch keeps make from asking again.
$(ALPINE): tests/sysroot/alpine.sh $(wildcard tests/guest/musl/*.c)
	bash tests/sysroot/alpine.sh
	@touch $@

$(DEBIAN): tests/sysroot/debian.sh
	bash tests/sysroot/debian.sh
	@touch $@

ifeq ($(UNAME_S),Darwin)
# The integration tests run target/release/elfuse: build and sign it first
# (cargo test does not relink an up-to-date binary, so the signature stays).
# The tests' elfuse runs `--backend auto` = hvf there; ELFUSE_BACKEND=interp
# make test runs the same suites on interp.
test: deps guests sysroot release
	$(CARGO) test --release
	@echo "make test: all suites passed"
else
test: deps guests sysroot
	$(CARGO) test --release
	$(CARGO) check --features hvf --lib
	@echo "make test: all suites passed"
endif

# Type-check the hvf backend and the macOS host module from any host.
check-hvf:
	$(CARGO) clippy --features hvf --lib -- -D warnings
	rustup target add aarch64-apple-darwin && $(CARGO) clippy --target aarch64-apple-darwin --all-targets --features hvf -- -D warnings

# The Alpine-like root: static busybox as /bin/sh, musl-linked programs in
# /usr/local/bin (tests/guest/musl) started through /lib/ld-musl-aarch64.so.1.
export DEMO_SH := uname -m; hello elfuse | head -n 2; threads | tail -n 1; \
  echo "sum of 1..100: $$(( $$(seq -s + 1 100) ))"; \
  echo "$$(ls /bin | wc -l) busybox applets in /bin"

demo: release guests $(ALPINE)
	@echo '$$ elfuse tests/guest/build/hello'
	@./target/release/elfuse $(GUEST_OUT)/hello
	@printf "%s\n" "\$$ elfuse --sysroot tests/sysroot/alpine /bin/sh -c '$$DEMO_SH'"
	@./target/release/elfuse --sysroot tests/sysroot/alpine --env PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
	  --env HOME=/root /bin/sh -c "$$DEMO_SH"

bench: release guests
	bash tests/bench.sh

docs:
	UPDATE_DOCS=1 $(CARGO) test --release --test syscall_docs

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --all-targets -- -D warnings

clean:
	$(CARGO) clean
	rm -rf $(GUEST_OUT)

# ---- ISA differential check and coverage (docs/isa.md) --------------------
ISA_HARNESS := $(GUEST_OUT)/isa-harness

$(ISA_HARNESS): tests/isa/harness.c tests/isa/template.S
	@mkdir -p $(GUEST_OUT)
	$(GUEST_CC) -O2 -Wall -static -Wl,-Ttext-segment=0x5000000000 -o $@ tests/isa/harness.c tests/isa/template.S

# ISA_N cases per class (1,000,000 by default), ISA_JOBS qemu workers,
# ISA_CLASSES=substr,... to select classes, ISA_SEED for another sample.
.PHONY: isa-check isa-record coverage
isa-check: deps $(ISA_HARNESS)
	ISA_N=$${ISA_N:-1000000} $(CARGO) test --release --test isa isa_check -- --ignored --nocapture

# Re-record tests/isa/vectors.txt (run after a deliberate change of behaviour).
isa-record: deps $(ISA_HARNESS)
	ISA_N=$${ISA_N:-2000} ISA_RECORD=tests/isa/vectors.txt $(CARGO) test --release --test isa isa_check -- --ignored --nocapture

coverage: deps
	bash tests/sysroot/isa_debs.sh
	$(CARGO) test --release --test isa coverage -- --ignored --nocapture
