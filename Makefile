# SOS: the only entry points a user needs.
#
#   make deps     install the missing Debian packages (apt-get)
#   make          build the store library, sosctl and the nginx module
#   make run      start nginx in the foreground on 127.0.0.1:$SOS_PORT
#   make test     build and run every test (library TAP binaries, t/*.t)
#   make asan     the same with AddressSanitizer and UBSan
#   make bench    benchmarks (bench/)
#   make clean    remove build products

SHELL := /bin/bash
TOP   := $(CURDIR)

# Build directory: build/ normally, build-asan/ for the sanitizer build.
BUILD    ?= build
SANITIZE ?=

BUILDDIR := $(TOP)/$(BUILD)
LIBDIR   := $(BUILDDIR)/lib
LIBA     := $(LIBDIR)/libsosstore.a
NGXSRC   := $(BUILDDIR)/nginx-src
MODULE   := $(NGXSRC)/objs/ngx_http_sos_module.so
SOSCTL   := $(BUILDDIR)/sosctl

NGINX_SRC_DIST ?= /usr/share/nginx/src

CC      ?= cc
CFLAGS  ?= -g -O2
WFLAGS  := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror
LIBS    := -lleveldb -lcrypto -lexpat -lpthread

SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer

ifneq ($(SANITIZE),)
EXTRA_CFLAGS  += $(SAN_FLAGS)
EXTRA_LDFLAGS += $(SAN_FLAGS)
NGX_CC_OPT    := --with-cc-opt="$(SAN_FLAGS) -g -O1" \
                 --with-ld-opt="$(SAN_FLAGS)"
endif

BUILD_PKGS := nginx-core nginx-dev libssl-dev libleveldb-dev libpcre2-dev \
              libexpat1-dev build-essential perl wrk
CLIENT_PKGS := awscli python3-boto3 s3cmd rclone restic curl openssl chromium
PKGS := $(BUILD_PKGS) $(CLIENT_PKGS)

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

MODULE_SRCS := $(wildcard ngx_sos_module/*.c ngx_sos_module/*.h)
SOSCTL_SRCS := $(wildcard tools/sosctl/*.c) ngx_sos_module/ngx_sos_sigv4.c
SOSCTL_HDRS := $(wildcard tools/sosctl/*.h)

# The library's TAP tests: executables without extension.
LIB_TESTS = $(shell find $(BUILD)/lib/tests -maxdepth 1 -type f -perm -u+x \
                2>/dev/null | sort)
T_TESTS   = $(wildcard t/*.t)

.PHONY: all deps deps-check lib module sosctl run test test-only asan \
        bench clean FORCE

all: deps-check lib sosctl module

# Install only what is missing; apt-get update only when something is.
deps:
	@missing=; \
	for p in $(PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null \
	        | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
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
	if [ -n "$$missing" ]; then \
	    echo "missing packages:$$missing (run: make deps)" >&2; exit 1; \
	fi

lib: $(LIBA)

# The library's own Makefile knows its dependencies: always ask it.
$(LIBA): FORCE
	$(MAKE) -C libsosstore BUILDDIR=$(LIBDIR) \
	    EXTRA_CFLAGS="$(EXTRA_CFLAGS)" EXTRA_LDFLAGS="$(EXTRA_LDFLAGS)"

sosctl: $(SOSCTL)

$(SOSCTL): $(SOSCTL_SRCS) $(SOSCTL_HDRS) $(LIBA)
	@mkdir -p $(BUILDDIR)
	$(CC) $(CFLAGS) $(WFLAGS) $(EXTRA_CFLAGS) -Ilibsosstore/include \
	    -o $@ $(SOSCTL_SRCS) $(LIBA) $(EXTRA_LDFLAGS) $(LIBS)
ifeq ($(BUILD),build)
	ln -sfn $(BUILD)/sosctl ./sosctl
endif

module: $(MODULE)

# configure again when the list of module sources (or the flags) changes
SRCLIST := $(BUILDDIR)/module-srcs
SRCLIST_NOW := $(sort $(wildcard ngx_sos_module/*.c)) $(NGX_CC_OPT)
$(shell mkdir -p $(BUILDDIR); echo '$(SRCLIST_NOW)' | cmp -s - $(SRCLIST) \
    || echo '$(SRCLIST_NOW)' > $(SRCLIST))

# A private copy of Debian's configured nginx tree, configured once with
# the same flags as the system nginx (--with-compat) plus this addon.
$(NGXSRC)/objs/Makefile: config $(SRCLIST)
	@mkdir -p $(BUILDDIR)
	test -d $(NGXSRC) || cp -a $(NGINX_SRC_DIST) $(NGXSRC)
	cd $(NGXSRC) && . ./conf_flags && \
	    SOS_LIBSOSSTORE=$(LIBA) ./configure "$${NGX_CONF_FLAGS[@]}" \
	        $(NGX_CC_OPT) --add-dynamic-module=$(TOP)

# objs/Makefile does not relink when the library changes: remove the .so.
$(MODULE): $(NGXSRC)/objs/Makefile $(MODULE_SRCS) $(LIBA)
	rm -f $(MODULE)
	$(MAKE) -C $(NGXSRC) -f objs/Makefile modules

run: deps all
	SOS_BUILD=$(BUILD) scripts/run

test: deps all
	$(MAKE) test-only

test-only:
	SOS_BUILD=$(BUILD) prove $(PROVE_FLAGS) $(LIB_TESTS) $(T_TESTS)

asan: deps
	$(MAKE) BUILD=build-asan SANITIZE=1 lib sosctl module
	$(MAKE) BUILD=build-asan SANITIZE=1 test-only

bench: all
	@if [ -x bench/run ]; then SOS_BUILD=$(BUILD) bench/run; \
	else echo "no benchmarks yet (bench/run)"; fi
	SOS_BUILD=$(BUILD) bench/http.sh
	SOS_BUILD=$(BUILD) bench/multipart.sh

clean:
	rm -rf build build-asan
	rm -f ./sosctl

FORCE:
