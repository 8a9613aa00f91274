# SOS: the only entry points a user needs.
#
#   make deps     install the missing Debian packages (apt-get)
#   make          build the libraries, sosctl and the nginx module
#   make run      start nginx in the foreground on 127.0.0.1:$SOS_PORT
#   make reload   reload the configuration of the nginx make run started
#   make upgrade  the binary upgrade of it: a rebuilt module, no downtime
#   make test     build and run every test (library TAP binaries, t/*.t)
#   make asan     the same with AddressSanitizer and UBSan
#   make fuzz     the libFuzzer targets (fuzz/README.md) into build-fuzz/
#   make bench    benchmarks: one table (docs/performance.md)
#   make torture  the long crash audit (t/crash_audit.t, many rounds)
#   make clean    remove build products

SHELL := /bin/bash
TOP   := $(CURDIR)

# Build directory: build/ normally, build-asan/ for the sanitizer build.
BUILD    ?= build
SANITIZE ?=

BUILDDIR := $(TOP)/$(BUILD)
LIBDIR   := $(BUILDDIR)/lib
LIBA     := $(LIBDIR)/libsosstore.a
PROTODIR := $(BUILDDIR)/proto
PROTOA   := $(PROTODIR)/libsosproto.a
NGXSRC   := $(BUILDDIR)/nginx-src
MODULE   := $(NGXSRC)/objs/ngx_http_sos_module.so
SOSCTL   := $(BUILDDIR)/sosctl

NGINX_SRC_DIST ?= /usr/share/nginx/src

CC      ?= cc
CFLAGS  ?= -g -O2
WFLAGS  := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror
LIBS    := -lleveldb -lisal -lz -lcrypto -lexpat -lpthread
# sosctl's admin client: HTTP(S) and JSON
SOSCTL_LIBS := -lcurl -ljansson

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer

ifneq ($(SANITIZE),)
EXTRA_CFLAGS  += $(SAN_FLAGS)
EXTRA_LDFLAGS += $(SAN_FLAGS)
NGX_CC_OPT    := --with-cc-opt="$(SAN_FLAGS) -g -O1" \
                 --with-ld-opt="$(SAN_FLAGS)"
endif

BUILD_PKGS := nginx-core nginx-dev libssl-dev libleveldb-dev libisal-dev \
              libpcre2-dev \
              libexpat1-dev zlib1g-dev libcurl4-openssl-dev libjansson-dev \
              build-essential perl wrk
CLIENT_PKGS := awscli python3-boto3 s3cmd rclone restic curl openssl chromium \
               pyflakes3 strace procps zbar-tools
# promtool, which t/metrics.t runs on the metrics
CLIENT_PKGS += prometheus
# clang and its runtimes (libFuzzer, ASan) for make fuzz
FUZZ_PKGS := clang libclang-rt-14-dev
# the chart of make bench
BENCH_PKGS := gnuplot-nox linux-perf
PKGS := $(BUILD_PKGS) $(CLIENT_PKGS) $(FUZZ_PKGS) $(BENCH_PKGS)

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

MODULE_SRCS := $(wildcard ngx_sos_module/*.c ngx_sos_module/*.h)
# the web console, embedded in the module (scripts/embed-console); its
# directories too, whose times change when a file is added or removed
CONSOLE_SRCS := $(shell find console -not -name '.*' 2>/dev/null)
# the npm libraries it bundles (tools/console-npm), copied in at build time
CONSOLE_VENDOR := console/vendor/qrcode.js
SOSCTL_SRCS := $(wildcard tools/sosctl/*.c)
SOSCTL_HDRS := $(wildcard tools/sosctl/*.h)

# The libraries' TAP tests: executables without extension.
LIB_TESTS = $(shell find $(BUILD)/lib/tests $(BUILD)/proto/tests -maxdepth 1 \
                -type f -perm -u+x 2>/dev/null | sort)
T_TESTS   = $(wildcard t/*.t)

.PHONY: all deps deps-check lib proto module sosctl faulttools run reload \
        upgrade test test-only asan torture fuzz bench clean FORCE

all: deps-check lib proto sosctl module faulttools

# Install only what is missing; apt-get update only when something is.
# npm (the console's QR code library) may come with a nodejs of its own.
deps:
	@missing=; \
	for p in $(PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null \
	        | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    $(SUDO) apt-get update -q && \
	    DEBIAN_FRONTEND=noninteractive \
	        $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	else \
	    echo "all packages present"; \
	fi

# A quick check before building: the packages the build itself needs.
deps-check:
	@missing=; \
	for p in $(BUILD_PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null \
	        | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	    echo "missing packages:$$missing (run: make deps)" >&2; exit 1; \
	fi

lib: $(LIBA)

# The library's own Makefile knows its dependencies: always ask it.
$(LIBA): FORCE
	$(MAKE) -C libsosstore BUILDDIR=$(LIBDIR) \
	    EXTRA_CFLAGS="$(EXTRA_CFLAGS)" EXTRA_LDFLAGS="$(EXTRA_LDFLAGS)"

proto: $(PROTOA)

$(PROTOA): FORCE
	$(MAKE) -C libsosproto BUILDDIR=$(PROTODIR) \
	    EXTRA_CFLAGS="$(EXTRA_CFLAGS)" EXTRA_LDFLAGS="$(EXTRA_LDFLAGS)"

sosctl: $(SOSCTL)

$(SOSCTL): $(SOSCTL_SRCS) $(SOSCTL_HDRS) $(LIBA) $(PROTOA)
	@mkdir -p $(BUILDDIR)
	$(CC) $(CFLAGS) $(WFLAGS) $(EXTRA_CFLAGS) -Ilibsosstore/include \
	    -Ilibsosproto/include -o $@ $(SOSCTL_SRCS) $(PROTOA) $(LIBA) \
	    $(EXTRA_LDFLAGS) $(SOSCTL_LIBS) $(LIBS)
ifeq ($(BUILD),build)
	ln -sfn $(BUILD)/sosctl ./sosctl
endif

# The fault tests' helpers (t/fault/): an LD_PRELOAD library that makes
# file calls fail, and a lister of the index's file records.  The shim is
# never sanitized: it is preloaded after libasan into the stock nginx.
FAULTDIR := $(BUILDDIR)/t
faulttools: $(FAULTDIR)/faultshim.so $(FAULTDIR)/idxdump

$(FAULTDIR)/faultshim.so: t/fault/faultshim.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -fPIC \
	    -shared -o $@ $< -ldl -lpthread

$(FAULTDIR)/idxdump: t/fault/idxdump.c $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	    $(EXTRA_CFLAGS) -Ilibsosstore/include -Ilibsosstore/src -o $@ $< \
	    $(LIBA) $(EXTRA_LDFLAGS) $(LIBS)

module: $(MODULE)

# configure again when the list of module sources (or the flags) changes
SRCLIST := $(BUILDDIR)/module-srcs
SRCLIST_NOW := $(sort $(wildcard ngx_sos_module/*.c)) $(NGX_CC_OPT)
$(shell mkdir -p $(BUILDDIR); echo '$(SRCLIST_NOW)' | cmp -s - $(SRCLIST) \
    || echo '$(SRCLIST_NOW)' > $(SRCLIST))

# A private copy of Debian's configured nginx tree, configured once with
# the same flags as the system nginx (--with-compat) plus this addon.
# Paths relative to the nginx tree: nothing in the configured tree names
# the directory this checkout happens to live in.
NGX_REL = $(shell realpath -m --relative-to=$(NGXSRC) $(1))

$(NGXSRC)/objs/Makefile: config Makefile $(SRCLIST) | $(CONSOLE_VENDOR)
	@mkdir -p $(BUILDDIR)
	test -d $(NGXSRC) || cp -a $(NGINX_SRC_DIST) $(NGXSRC)
	cd $(NGXSRC) && . ./conf_flags && \
	    SOS_LIBSOSSTORE=$(call NGX_REL,$(LIBA)) \
	    SOS_LIBSOSPROTO=$(call NGX_REL,$(PROTOA)) \
	    ./configure "$${NGX_CONF_FLAGS[@]}" $(NGX_CC_OPT) \
	        --add-dynamic-module=$(call NGX_REL,$(TOP))

# objs/Makefile does not relink when a library changes: remove the .so.
$(MODULE): $(NGXSRC)/objs/Makefile $(MODULE_SRCS) $(CONSOLE_SRCS) \
           $(CONSOLE_VENDOR) scripts/embed-console $(LIBA) $(PROTOA)
	rm -f $(MODULE)
	scripts/embed-console console $(NGXSRC)/objs/ngx_sos_console_files.c
	$(MAKE) -C $(NGXSRC) -f objs/Makefile modules

# npm ci from the committed lock file (exact versions, integrity checked,
# no install scripts) in the build dir; the console's files are console/
# plus this copy, which git ignores
$(CONSOLE_VENDOR): tools/console-npm/package.json \
                   tools/console-npm/package-lock.json
	rm -rf $(BUILDDIR)/console-npm
	mkdir -p $(BUILDDIR)/console-npm $(@D)
	cp $^ $(BUILDDIR)/console-npm/
	cd $(BUILDDIR)/console-npm && npm ci --ignore-scripts --no-audit \
	    --no-fund --loglevel=error
	cp $(BUILDDIR)/console-npm/node_modules/qrcode-generator/dist/qrcode.js \
	    $@

run: deps all
	SOS_BUILD=$(BUILD) scripts/run

# the server make run started: new configuration (a reload keeps the
# module the master has loaded), or new binaries (docs/reliability.md,
# "Reloads and upgrades")
SOS_DATA ?= var

reload:
	kill -HUP $$(cat $(SOS_DATA)/nginx.pid)

upgrade: all
	SOS_DATA=$(SOS_DATA) scripts/upgrade

test: deps all fuzz
	$(MAKE) test-only

test-only:
	SOS_BUILD=$(BUILD) prove $(PROVE_FLAGS) $(LIB_TESTS) $(T_TESTS)

# t/crash_audit.t with 100 rounds of kills instead of 10
torture: all
	SOS_BUILD=$(BUILD) SOS_TORTURE=100 prove -v t/crash_audit.t

asan: deps fuzz
	$(MAKE) BUILD=build-asan SANITIZE=1 lib proto sosctl module faulttools
	$(MAKE) BUILD=build-asan SANITIZE=1 test-only

# ---- fuzzing: libFuzzer targets, built with clang (fuzz/README.md) ----
#
# fuzz/fuzz_<name>.c is one target.  Those in FUZZ_SO_TARGETS run module
# code: each is an nginx dynamic module (the harness fuzz/fuzz_nginx.c,
# the module's objects from an archive, libFuzzer) that fuzz/run loads
# into the installed nginx.  FUZZ_BIN_TARGETS are plain programs.

FUZZ_BUILD := $(TOP)/build-fuzz
FUZZ_CC    := clang
# pointer-overflow is off: clang reports "zero offset to null pointer" for
# nginx's empty strings (p = s.data; end = p + s.len with data NULL), which
# GCC's UBSan of make asan does not check either.  UBSan recovers so that
# fuzz/ubsan.supp can list known findings; fuzz/run sets halt_on_error.
FUZZ_SAN   := -fsanitize=address,undefined -fno-sanitize=pointer-overflow \
              -fsanitize-recover=undefined
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer -fPIC \
               -fsanitize=fuzzer-no-link $(FUZZ_SAN)
FUZZ_WARN  := -W -Wall -Wpointer-arith -Wno-unused-parameter -Werror
FUZZ_RT     = $(shell $(FUZZ_CC) -print-runtime-dir)
FUZZ_NGXSRC := $(FUZZ_BUILD)/nginx-src
FUZZ_LIBA   := $(FUZZ_BUILD)/lib/libsosstore.a
FUZZ_PROTOA := $(FUZZ_BUILD)/proto/libsosproto.a
FUZZ_MODA   := $(FUZZ_BUILD)/libsosmod.a
FUZZ_INCS   := $(addprefix -I$(FUZZ_NGXSRC)/,src/core src/event \
                   src/event/modules src/os/unix objs src/http \
                   src/http/modules src/http/v2) \
               -Ingx_sos_module -Ilibsosstore/include \
               -Ilibsosproto/include -Ifuzz

FUZZ_SO_TARGETS  := auth chunked xml post range list copysource webconf
# what the module's objects link with (as config's ngx_module_libs)
FUZZ_LIBS        := $(LIBS) -ljansson -lcurl
FUZZ_BIN_TARGETS := sigv4 codec
FUZZ_MOD_OBJS := $(patsubst ngx_sos_module/%.c,$(FUZZ_BUILD)/mod/%.o,\
                     $(wildcard ngx_sos_module/*.c)) \
                 $(FUZZ_BUILD)/mod/ngx_sos_console_files.o
FUZZ_HDRS := $(wildcard ngx_sos_module/*.h libsosstore/include/sos/*.h \
                 libsosproto/include/sosproto/*.h fuzz/*.h)

# the objects and the configured tree are kept between runs
.SECONDARY:

fuzz: $(FUZZ_SO_TARGETS:%=$(FUZZ_BUILD)/fuzz_%.so) \
      $(FUZZ_BIN_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

$(FUZZ_LIBA): FORCE
	$(MAKE) -C libsosstore CC=$(FUZZ_CC) BUILDDIR=$(FUZZ_BUILD)/lib \
	    EXTRA_CFLAGS="$(FUZZ_CFLAGS)" $(FUZZ_LIBA)

$(FUZZ_PROTOA): FORCE
	$(MAKE) -C libsosproto CC=$(FUZZ_CC) BUILDDIR=$(FUZZ_BUILD)/proto \
	    EXTRA_CFLAGS="$(FUZZ_CFLAGS)" $(FUZZ_PROTOA)

# nginx's headers configured as Debian's nginx (configure only)
$(FUZZ_NGXSRC)/objs/Makefile:
	@mkdir -p $(FUZZ_BUILD)
	rm -rf $(FUZZ_NGXSRC)
	cp -a $(NGINX_SRC_DIST) $(FUZZ_NGXSRC)
	cd $(FUZZ_NGXSRC) && . ./conf_flags && \
	    ./configure "$${NGX_CONF_FLAGS[@]}" > configure.log

$(FUZZ_BUILD)/mod/%.o: ngx_sos_module/%.c $(FUZZ_HDRS) \
                       $(FUZZ_NGXSRC)/objs/Makefile
	@mkdir -p $(@D)
	$(FUZZ_CC) -c $(FUZZ_CFLAGS) $(FUZZ_WARN) $(FUZZ_INCS) -o $@ $<

$(FUZZ_BUILD)/ngx_sos_console_files.c: $(CONSOLE_SRCS) $(CONSOLE_VENDOR) \
                                        scripts/embed-console
	@mkdir -p $(@D)
	scripts/embed-console console $@

$(FUZZ_BUILD)/mod/ngx_sos_console_files.o: \
        $(FUZZ_BUILD)/ngx_sos_console_files.c $(FUZZ_HDRS) \
        $(FUZZ_NGXSRC)/objs/Makefile
	@mkdir -p $(@D)
	$(FUZZ_CC) -c $(FUZZ_CFLAGS) $(FUZZ_WARN) $(FUZZ_INCS) -o $@ $<

$(FUZZ_MODA): $(FUZZ_MOD_OBJS)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/obj/%.o: fuzz/%.c $(FUZZ_HDRS) ngx_sos_module/*.c \
                       $(FUZZ_NGXSRC)/objs/Makefile
	@mkdir -p $(@D)
	$(FUZZ_CC) -c $(FUZZ_CFLAGS) $(FUZZ_WARN) $(FUZZ_INCS) -o $@ $<

# -Bsymbolic: the harness's replacements of nginx functions bind here
$(FUZZ_BUILD)/fuzz_%.so: $(FUZZ_BUILD)/obj/fuzz_%.o \
                         $(FUZZ_BUILD)/obj/fuzz_nginx.o \
                         $(FUZZ_MODA) $(FUZZ_PROTOA) $(FUZZ_LIBA)
	$(FUZZ_CC) -shared -shared-libasan -Wl,-Bsymbolic $(FUZZ_SAN) -o $@ \
	    $^ $(FUZZ_RT)/libclang_rt.fuzzer_no_main-x86_64.a -lstdc++ \
	    $(FUZZ_LIBS)

$(FUZZ_BUILD)/fuzz_sigv4: fuzz/fuzz_sigv4.c $(FUZZ_PROTOA) $(FUZZ_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(WFLAGS) \
	    -Ilibsosproto/include -o $@ fuzz/fuzz_sigv4.c $(FUZZ_PROTOA) \
	    -lisal -lz -lcrypto -lpthread

$(FUZZ_BUILD)/fuzz_codec: fuzz/fuzz_codec.c $(FUZZ_LIBA) $(FUZZ_HDRS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -std=c11 -D_GNU_SOURCE \
	    -pthread -Wall -Wextra -Werror -Wno-unused-function \
	    -Ilibsosstore/include -Ilibsosstore/src -o $@ fuzz/fuzz_codec.c \
	    $(FUZZ_LIBA) -lleveldb -lisal -lz -lcrypto -lpthread

# one table, each figure beside its ceiling (docs/performance.md)
bench: all
	SOS_BUILD=$(BUILD) bench/run

clean:
	rm -rf build build-asan build-fuzz console/vendor
	rm -f ./sosctl

FORCE:
