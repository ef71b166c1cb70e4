# ladder: build, test, install.  Works without ./configure on Debian defaults;
# ./configure writes config.mk to override them.

PREFIX ?= /usr/local
CC ?= cc
OPTFLAGS ?= -O2 -g
DEP_CFLAGS ?=
DEP_LIBS ?= -lprotobuf-c -larchive -lcurl -lsodium -lmicrohttpd -ljansson -lyaml -lz -lglpk -lopenblas -lpthread -lm
HAVE_OPENBLAS ?= 1
PROTOC_C ?= protoc-c
ONNX_PROTO ?= /usr/include/onnx/onnx.proto
SANITIZE ?= 0
-include config.mk

VERSION := 0.1.0
B ?= build
ifeq ($(SANITIZE),1)
B := build-asan
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
endif

DESTDIR ?=
bindir ?= $(PREFIX)/bin
libdir ?= $(PREFIX)/lib
includedir ?= $(PREFIX)/include
mandir ?= $(PREFIX)/share/man
datadir ?= $(PREFIX)/share
bashcompdir ?= $(datadir)/bash-completion/completions
zshcompdir ?= $(datadir)/zsh/site-functions
fishcompdir ?= $(datadir)/fish/vendor_completions.d

WARN := -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wmissing-prototypes -Wstrict-prototypes -Wno-format-truncation
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(OPTFLAGS) $(WARN) $(SANFLAGS) -fPIC -pthread \
	-DLADDER_VERSION='"$(VERSION)"' -DLADDER_HAVE_OPENBLAS=$(HAVE_OPENBLAS) \
	-Ilib -I$(B)/gen $(DEP_CFLAGS) $(CFLAGS)
ALL_LDFLAGS := $(SANFLAGS) -pthread $(LDFLAGS)

GEN_SRC := $(B)/gen/onnx.pb-c.c
LIB_SRC := $(sort $(wildcard lib/*.c lib/*/*.c))
CLI_SRC := $(sort $(wildcard cli/*.c))
CMD_SRC := $(sort $(wildcard cli/cmd-*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test-*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz-*.c))
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))

LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o) $(B)/gen/onnx.pb-c.o
CLI_OBJ := $(CLI_SRC:%.c=$(B)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(B)/tests/tools/%)

.PHONY: all check check-asan test-bins deps install uninstall clean demo conformance conformance-baseline bench fuzz FORCE
.DEFAULT_GOAL := all

all: $(B)/ladder $(B)/libladder.a $(B)/libladder.so

# Generated ONNX reader: from the system's onnx.proto, never committed.
$(B)/gen/onnx.pb-c.c $(B)/gen/onnx.pb-c.h: $(ONNX_PROTO)
	@mkdir -p $(B)/gen
	cp $(ONNX_PROTO) $(B)/gen/onnx.proto
	cd $(B)/gen && $(PROTOC_C) --c_out=. onnx.proto

$(B)/gen/onnx.pb-c.o: $(B)/gen/onnx.pb-c.c
	$(CC) $(ALL_CFLAGS) -w -c -o $@ $<

# The command table is made from the cli/cmd-*.c files present.
$(B)/gen/cmds.h: FORCE
	@mkdir -p $(B)/gen
	@for f in $(CMD_SRC:cli/cmd-%.c=%); do echo "CMD($$f)"; done >$@.tmp
	@cmp -s $@.tmp $@ 2>/dev/null && rm -f $@.tmp || mv $@.tmp $@

# Every object waits for generated headers (simple and -j safe).
$(B)/%.o: %.c | $(B)/gen/onnx.pb-c.h $(B)/gen/cmds.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/cli/ladder.o: $(B)/gen/cmds.h

$(B)/libladder.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/libladder.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libladder.so.0 $(ALL_LDFLAGS) -o $@ $^ $(DEP_LIBS)

$(B)/ladder: $(CLI_OBJ) $(B)/libladder.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(B)/libladder.a $(DEP_LIBS)

$(B)/tests/%: tests/unit/%.c tests/harness.h $(B)/libladder.a | $(B)/gen/onnx.pb-c.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(B)/libladder.a $(ALL_LDFLAGS) $(DEP_LIBS)

$(B)/tests/tools/%: tests/tools/%.c $(B)/libladder.a | $(B)/gen/onnx.pb-c.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(B)/libladder.a $(ALL_LDFLAGS) $(DEP_LIBS)

test-bins: all $(UNIT_BIN) $(TOOL_BIN)

# Installs the Debian packages the build and the tests need (as root),
# or says which are missing.
deps:
	@scripts/install-deps --ensure

check:
	@scripts/install-deps --ensure
	@$(MAKE) --no-print-directory test-bins
	@LADDER_BUILD=$(B) tests/run.sh

check-asan:
	@$(MAKE) --no-print-directory SANITIZE=1 check

demo:
	@scripts/install-deps --ensure
	@$(MAKE) --no-print-directory all
	@LADDER_BUILD=$(B) scripts/demo

# The ONNX backend test data through the executor: the full table goes to
# tests/conformance.txt; conformance-baseline also rewrites the list of
# passing cases that `make check` guards against regressions.
conformance: test-bins
	@$(B)/tests/tools/conformance --table tests/conformance.txt

conformance-baseline: test-bins
	@$(B)/tests/tools/conformance --table tests/conformance.txt --write-pass tests/conformance-pass.txt

install: all
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(libdir) $(DESTDIR)$(includedir)/ladder \
		$(DESTDIR)$(mandir)/man1 $(DESTDIR)$(mandir)/man5 \
		$(DESTDIR)$(bashcompdir) $(DESTDIR)$(zshcompdir) $(DESTDIR)$(fishcompdir)
	install -m 755 $(B)/ladder $(DESTDIR)$(bindir)/ladder
	install -m 644 $(B)/libladder.a $(DESTDIR)$(libdir)/libladder.a
	install -m 755 $(B)/libladder.so $(DESTDIR)$(libdir)/libladder.so.0
	ln -sf libladder.so.0 $(DESTDIR)$(libdir)/libladder.so
	install -m 644 lib/ladder.h lib/ladder-*.h $(DESTDIR)$(includedir)/ladder/
	install -m 644 $(wildcard man/*.1) $(DESTDIR)$(mandir)/man1/
	install -m 644 $(wildcard man/*.5) $(DESTDIR)$(mandir)/man5/
	install -m 644 completions/ladder.bash $(DESTDIR)$(bashcompdir)/ladder
	install -m 644 completions/_ladder $(DESTDIR)$(zshcompdir)/_ladder
	install -m 644 completions/ladder.fish $(DESTDIR)$(fishcompdir)/ladder.fish

uninstall:
	rm -f $(DESTDIR)$(bindir)/ladder $(DESTDIR)$(libdir)/libladder.a \
		$(DESTDIR)$(libdir)/libladder.so $(DESTDIR)$(libdir)/libladder.so.0
	rm -rf $(DESTDIR)$(includedir)/ladder
	rm -f $(patsubst man/%,$(DESTDIR)$(mandir)/man1/%,$(wildcard man/*.1))
	rm -f $(patsubst man/%,$(DESTDIR)$(mandir)/man5/%,$(wildcard man/*.5))
	rm -f $(DESTDIR)$(bashcompdir)/ladder $(DESTDIR)$(zshcompdir)/_ladder \
		$(DESTDIR)$(fishcompdir)/ladder.fish

# libFuzzer targets (clang only; not part of check): build-fuzz/fuzz-NAME.
# Each is one clang command over the library sources, instrumented throughout.
FUZZ_CC ?= clang
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
	-DLADDER_VERSION='"$(VERSION)"' -DLADDER_HAVE_OPENBLAS=$(HAVE_OPENBLAS) -Ilib -I$(B)/gen $(DEP_CFLAGS)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
# The parsers of outside input need only these parts of the library (the data
# readers; profile.json and hardware profiles pull in the executor).
FUZZ_LIB_SRC := $(sort $(wildcard lib/util/*.c lib/ir/*.c lib/onnx/*.c lib/data/*.c))
FUZZ_EXTRA_fuzz-profile := $(sort $(wildcard lib/profile/*.c lib/exec/*.c lib/ops/*.c))
FUZZ_EXTRA_fuzz-plan := $(sort $(wildcard lib/plan/*.c))

fuzz: $(FUZZ_BIN)

.SECONDEXPANSION:
build-fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_SRC) $$(FUZZ_EXTRA_$$*) $(GEN_SRC) | $(B)/gen/onnx.pb-c.h
	@mkdir -p build-fuzz
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_LIB_SRC) $(FUZZ_EXTRA_$*) $(GEN_SRC) $(DEP_LIBS)

clean:
	rm -rf build build-asan build-fuzz

FORCE:

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
