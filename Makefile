# golu - build, test, install.
#
#   make                      library (static + shared), the golu tool
#   make test                 unit and accuracy tests (the CI runs these)
#   make check-exhaustive     every float32 input of GoLU forward and backward
#   make install PREFIX=/usr/local
#   make CC=clang             any C11 compiler with GCC-style flags
#   make SAN=address,undefined BUILD=build-san test    under sanitizers
#   make WERROR=1             warnings are errors (the CI does this)
#
# Floating point: no -ffast-math anywhere; -ffp-contract=off so that every
# fused multiply-add is one we wrote (fma()/intrinsics), which is what makes the
# scalar and SIMD paths agree bit for bit.

CC      ?= gcc
PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/lib
INCDIR  ?= $(PREFIX)/include
BINDIR  ?= $(PREFIX)/bin
BUILD   ?= build
SAN     ?=
WERROR  ?=
OPT     ?= -O2

ARCH := $(shell uname -m)

WARNINGS := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wpointer-arith -Wvla -Wformat=2
ifneq ($(WERROR),)
WARNINGS += -Werror
endif

CFLAGS_ALL := -std=c11 $(OPT) -g -fPIC -fvisibility=hidden -ffp-contract=off \
              -fno-math-errno -D_GNU_SOURCE $(WARNINGS) -Iinclude -Isrc/kernels
LDLIBS_ALL := -lm -lpthread
ifneq ($(SAN),)
CFLAGS_ALL += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS_SAN := -fsanitize=$(SAN)
endif
CFLAGS_ALL += $(CFLAGS)

# ---------------------------------------------------------------- library ---
LIB_SRC := src/kernels/status.c src/kernels/dtype.c src/kernels/act.c \
           src/kernels/cpu.c src/kernels/ctx.c src/kernels/parallel.c \
           src/kernels/api.c src/kernels/f64_golu.c src/kernels/f64_peers.c \
           src/kernels/isa_scalar.c

ifeq ($(ARCH),x86_64)
LIB_SRC += src/kernels/isa_avx2.c src/kernels/isa_avx512.c
CFLAGS_ALL += -DGOLU_HAVE_AVX2 -DGOLU_HAVE_AVX512
endif
ifeq ($(ARCH),aarch64)
LIB_SRC += src/kernels/isa_neon.c
CFLAGS_ALL += -DGOLU_HAVE_NEON
endif

# Each ISA's translation unit is the only one compiled with that ISA's flags.
ISA_FLAGS_isa_avx2   := -mavx2 -mfma -mf16c
ISA_FLAGS_isa_avx512 := -mavx512f -mavx512dq -mavx512bw -mavx512vl -mavx2 -mfma -mf16c

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB_A   := $(BUILD)/libgolu.a
LIB_SO  := $(BUILD)/libgolu.so
SONAME  := libgolu.so.0

# ------------------------------------------------ reference (tests, tools) ---
# Higher-precision oracles: long double for float32, MPFR for float64.
REF_SRC := src/ref/reference.c src/ref/reference_mpfr.c src/ref/ulp.c
REF_OBJ := $(REF_SRC:%.c=$(BUILD)/%.o)
REF_LIBS := -lmpfr -lgmp

# ---------------------------------------------------------------- the tool ---
TOOL_SRC := $(wildcard tools/golu/*.c)
TOOL_OBJ := $(TOOL_SRC:%.c=$(BUILD)/%.o)
TOOL     := $(BUILD)/golu

# ------------------------------------------------------------------- tests ---
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_COMMON := $(BUILD)/tests/harness.o

.PHONY: all lib tool tests test check-exhaustive install uninstall clean format

all: lib tool

lib: $(LIB_A) $(LIB_SO)
tool: $(TOOL)
tests: $(TEST_BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(ISA_FLAGS_$(basename $(notdir $<))) -MMD -MP -c $< -o $@

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(LIB_SO): $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,$(SONAME) $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(TOOL): $(TOOL_OBJ) $(REF_OBJ) $(LIB_A)
	$(CC) $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $(TOOL_OBJ) $(REF_OBJ) $(LIB_A) $(REF_LIBS) $(LDLIBS_ALL)

$(BUILD)/tests/%: tests/%.c $(TEST_COMMON) $(REF_OBJ) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests -MMD -MP $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $< $(TEST_COMMON) $(REF_OBJ) $(LIB_A) $(REF_LIBS) $(LDLIBS_ALL)

$(BUILD)/tests/harness.o: tests/harness.c tests/harness.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests -c $< -o $@

# Runs every test program; prints "N passed, M failed, K skipped" last and
# fails if any failed.
test: $(TEST_BIN) $(TOOL)
	@sh tests/run_all.sh $(BUILD)

check-exhaustive: $(TOOL)
	@sh tests/exhaustive.sh $(BUILD)

# ----------------------------------------------------------------- install ---
install: lib
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 644 include/golu.h $(DESTDIR)$(INCDIR)/golu.h
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/libgolu.a
	install -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/libgolu.so.$(shell sed -n 's/^#define GOLU_VERSION_STRING "\(.*\)"/\1/p' include/golu.h)
	ln -sf libgolu.so.$(shell sed -n 's/^#define GOLU_VERSION_STRING "\(.*\)"/\1/p' include/golu.h) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libgolu.so
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCDIR@|$(INCDIR)|g' \
	    -e 's|@VERSION@|$(shell sed -n 's/^#define GOLU_VERSION_STRING "\(.*\)"/\1/p' include/golu.h)|g' \
	    golu.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/golu.pc
	if [ -f $(TOOL) ]; then install -d $(DESTDIR)$(BINDIR) && install -m 755 $(TOOL) $(DESTDIR)$(BINDIR)/golu; fi

uninstall:
	rm -f $(DESTDIR)$(INCDIR)/golu.h $(DESTDIR)$(LIBDIR)/libgolu.a $(DESTDIR)$(LIBDIR)/libgolu.so* \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/golu.pc $(DESTDIR)$(BINDIR)/golu

format:
	clang-format -i include/*.h src/*/*.[ch] tools/golu/*.[ch] tests/*.[ch] bench/*.c

clean:
	rm -rf $(BUILD)

-include $(LIB_OBJ:.o=.d) $(REF_OBJ:.o=.d) $(TOOL_OBJ:.o=.d) $(TEST_BIN:=.d)
