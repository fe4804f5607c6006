# elfuse — build, test, demo, bench.
#
#   make demo    build elfuse and run real AArch64 programs (static, and in an Alpine-like root)
#   make sysroot assemble the test roots: busybox, alpine (musl), debian (bookworm)
#   make test    install what the tests need, build guests, run every test
#   make bench   ratios against qemu-aarch64-static
#   make deps    install the cross compiler, qemu-user-static, arm64 packages

GUEST_CC   ?= aarch64-linux-gnu-gcc
GUEST_CFLAGS ?= -O2 -Wall
CARGO      ?= cargo
GUEST_DIR  := tests/guest
GUEST_OUT  := $(GUEST_DIR)/build
GUESTS     := hello args exitcode fault abort printf_float malloc_stress fileio sysinfo getppid_loop int_loop sieve simd_kernel signals sigwait fork_exec fs_escape fs_files fs_io fs_poll fs_misc fs_ident fork_bench timers threads fp_fenv simd_neon thread_bench
PIE_GUESTS := hello args malloc_stress
BUSYBOX    := tests/sysroot/busybox/bin/busybox
ALPINE     := tests/sysroot/alpine/.elfuse-root
DEBIAN     := tests/sysroot/debian/.elfuse-root
UNAME_S    := $(shell uname -s)

.PHONY: all build release deps guests sysroot test demo bench docs check-hvf lint clean

all: build

build:
	$(CARGO) build

release:
	$(CARGO) build --release

deps:
ifeq ($(UNAME_S),Darwin)
	@echo "On macOS install the cross tools with Homebrew:"
	@echo "  brew install aarch64-unknown-linux-gnu qemu"
else
	@bash tests/sysroot/deps.sh
endif

guests: $(addprefix $(GUEST_OUT)/,$(GUESTS)) $(addprefix $(GUEST_OUT)/,$(addsuffix -pie,$(PIE_GUESTS)))

$(GUEST_OUT)/%: $(GUEST_DIR)/%.c
	@mkdir -p $(GUEST_OUT)
	$(GUEST_CC) $(GUEST_CFLAGS) -static -o $@ $< -lm

$(GUEST_OUT)/%-pie: $(GUEST_DIR)/%.c
	@mkdir -p $(GUEST_OUT)
	$(GUEST_CC) $(GUEST_CFLAGS) -static-pie -fPIE -o $@ $< -lm

sysroot: $(BUSYBOX) $(ALPINE) $(DEBIAN)

$(BUSYBOX):
	bash tests/sysroot/busybox.sh

# The scripts keep a hash of their inputs in the stamp and do nothing when it
# matches; the touch keeps make from asking again.
$(ALPINE): tests/sysroot/alpine.sh $(wildcard tests/guest/musl/*.c)
	bash tests/sysroot/alpine.sh
	@touch $@

$(DEBIAN): tests/sysroot/debian.sh
	bash tests/sysroot/debian.sh
	@touch $@

test: deps guests sysroot
	$(CARGO) test --release
	$(CARGO) check --features hvf --lib
	@echo "make test: all suites passed"

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
