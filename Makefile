# golu - build, test, install.
#
#   make                      library (static + shared), the golu tool
#   make test                 unit and accuracy tests (the CI runs these)
#   make check-exhaustive     every float32 input of GoLU forward and backward
#   make check-golden         real-data runs give the recorded results, bit for bit
#   make install PREFIX=/usr/local
#   make python-install       the Python package golu (python/golu) with its
#                             libgolu, into the active venv or the user site
#                             (VENV=dir: that venv; PYTHON=python3.x)
#   make CC=clang             any C11 compiler with GCC-style flags
#   make SAN=address,undefined BUILD=build-san test    under sanitizers
#   make WERROR=1             warnings are errors (the CI does this)
#   make CUDA=0               leave out the GPU part (built when nvcc is found;
#                             see the CUDA section at the end)
#   make MPI=0                leave out Open MPI (built when found; see its section)
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
           src/kernels/cpu.c src/kernels/ctx.c src/kernels/parallel.c src/kernels/pool.c \
           src/kernels/api.c src/kernels/f64_golu.c src/kernels/f64_peers.c \
           src/kernels/isa_scalar.c

ifeq ($(ARCH),x86_64)
LIB_SRC += src/kernels/isa_avx2.c src/kernels/isa_avx2_gather.c src/kernels/isa_avx512.c
CFLAGS_ALL += -DGOLU_HAVE_AVX2 -DGOLU_HAVE_AVX512
endif
ifeq ($(ARCH),aarch64)
LIB_SRC += src/kernels/isa_neon.c
CFLAGS_ALL += -DGOLU_HAVE_NEON
endif

# Each ISA's translation unit is the only one compiled with that ISA's flags.
ISA_FLAGS_isa_avx2   := -mavx2 -mfma -mf16c
ISA_FLAGS_isa_avx2_gather := $(ISA_FLAGS_isa_avx2)
ISA_FLAGS_isa_avx512 := -mavx512f -mavx512dq -mavx512bw -mavx512vl -mavx2 -mfma -mf16c
# GCC schedules instructions before register allocation only when asked: the
# kernel loops need it to interleave their independent chains (f32_body.h;
# GoLU forward 0.50 -> 0.34 ns per float on Zen 5). Other compilers schedule
# by default and may not know the flags.
ISA_SCHED := $(shell $(CC) -fschedule-insns -fsched-pressure -Werror -x c -c /dev/null \
                 -o /dev/null 2>/dev/null && echo -fschedule-insns -fsched-pressure)
ISA_FLAGS_isa_avx2   += $(ISA_SCHED)
ISA_FLAGS_isa_avx2_gather += $(ISA_SCHED)
ISA_FLAGS_isa_avx512 += $(ISA_SCHED)
ISA_FLAGS_isa_scalar := $(ISA_SCHED)
# The direct convolution's kernels (src/nn/conv/conv3x3_body.h) need -O3 to
# unroll their blocks into registers.
ISA_FLAGS_conv3x3_avx512  := -O3 -mavx512f -mfma
ISA_FLAGS_conv3x3_avx2    := -O3 -mavx2 -mfma
ISA_FLAGS_conv3x3_generic := -O3
ISA_FLAGS_isa_neon   := $(ISA_SCHED)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB_A   := $(BUILD)/libgolu.a
LIB_SO  := $(BUILD)/libgolu.so
SONAME  := libgolu.so.0

# libgolu_omp: golu_omp_runner (include/golu_omp.h), a context's splits run on
# the OpenMP runtime's threads, for programs that are OpenMP already (the
# Python package sets it under PyTorch). Its own small library, so that
# libgolu itself never links an OpenMP runtime; built with `lib` when the
# compiler has OpenMP (OMP=0: never).
OMP_SO     := $(BUILD)/libgolu_omp.so
OMP_SONAME := libgolu_omp.so.0
ifneq ($(OMP),0)
OMP_OK := $(shell printf 'int main(void){return 0;}\n' | $(CC) -fopenmp -x c - -o /dev/null 2>/dev/null && echo 1)
endif

# ------------------------------------------------ reference (tests, tools) ---
# Higher-precision oracles: long double for float32, MPFR for float64; the
# ulp sweep beside them (ulp_sweep.h: its inputs, measurement, statistics and
# worker threads, which draw on src/nn's rng.c and fork.c: link $(NN_A) too).
REF_SRC := src/ref/reference.c src/ref/reference_mpfr.c src/ref/ulp.c \
           src/ref/ulp_stats.c src/ref/ulp_inputs.c src/ref/ulp_measure.c \
           src/ref/ulp_sweep.c
REF_OBJ := $(REF_SRC:%.c=$(BUILD)/%.o)
REF_LIBS := -lmpfr -lgmp

# ------------------------------------------------ the training framework ---
# src/nn: layers, models and their registry, optimizers, data, checkpoints,
# the trainer (train/), the output layer (io/) (libgolu_nn.a, used by the
# tool and the tests; not installed). Matrix products go through Debian's
# OpenBLAS, linked by its own path (openblas-pthread) so the system BLAS
# alternative does not matter; zlib reads gzip'ed IDX files; JSON is written
# through Debian's jansson. Each layer source (src/nn/layers/*.c) is
# compiled twice: float (nn_xxx) and double (-DNN_F64: nn_xxx_f64, for the
# finite-difference checks).
MULTIARCH  := $(shell $(CC) -print-multiarch 2>/dev/null)
BLAS_INC   ?= /usr/include/$(MULTIARCH)/openblas-pthread
BLAS_LIBDIR ?= /usr/lib/$(MULTIARCH)/openblas-pthread
BLAS_LIBS  ?= -L$(BLAS_LIBDIR) -Wl,-rpath,$(BLAS_LIBDIR) -lopenblas
CFLAGS_ALL += -Isrc/nn -isystem $(BLAS_INC)
NN_LAYER_SRC := $(wildcard src/nn/layers/*.c)
NN_SRC   := $(filter-out $(NN_LAYER_SRC),$(wildcard src/nn/*.c src/nn/*/*.c))
ifneq ($(ARCH),x86_64)
NN_SRC   := $(filter-out src/nn/conv/conv3x3_avx2.c src/nn/conv/conv3x3_avx512.c,$(NN_SRC))
endif
NN_OBJ   := $(NN_SRC:%.c=$(BUILD)/%.o) $(NN_LAYER_SRC:%.c=$(BUILD)/%.o) \
            $(NN_LAYER_SRC:%.c=$(BUILD)/%.f64.o)
NN_A     := $(BUILD)/libgolu_nn.a
NN_LIBS  := $(BLAS_LIBS) -lz -ljansson

# ---------------------------------------------- the measurement library ---
# src/lab: statistics, the benchmark harness, the latent-variance analysis,
# compare's aggregation (libgolu_lab.a, used by the tool and the tests; not
# installed). Above the framework: it may use src/nn and src/ref.
LAB_SRC := $(wildcard src/lab/*.c)
LAB_OBJ := $(LAB_SRC:%.c=$(BUILD)/%.o)
LAB_A   := $(BUILD)/libgolu_lab.a
CFLAGS_ALL += -Isrc/lab

# ---------------------------------------------------------------- the tool ---
# tools/golu/*gpu*.c use the CUDA runtime: the CUDA section builds them.
TOOL_GPU_SRC := $(wildcard tools/golu/*gpu*.c)
TOOL_SRC := $(filter-out $(TOOL_GPU_SRC),$(wildcard tools/golu/*.c))
TOOL_OBJ := $(TOOL_SRC:%.c=$(BUILD)/%.o)
TOOL     := $(BUILD)/golu

# --------------------------------------------------------------- Open MPI ---
# The communicator's MPI back end (src/mpi, src/nn/comm.h): built when Open
# MPI's development files are found (pkg-config ompi-c, else mpicc -showme),
# into libgolu_mpi.a, which only the tool links; the tool then gets
# -DGOLU_HAVE_MPI (golu info says so) and runs data-parallel under mpirun.
# MPI=0 leaves it out; MPI=1 makes a missing Open MPI an error. libgolu_nn
# never needs MPI: its one-process back end is always there.
MPI ?=
HAVE_MPI :=
ifneq ($(MPI),0)
MPI_CFLAGS := $(shell pkg-config --cflags ompi-c 2>/dev/null)
MPI_LIBS   := $(shell pkg-config --libs ompi-c 2>/dev/null)
ifeq ($(MPI_LIBS),)
MPI_CFLAGS := $(shell mpicc -showme:compile 2>/dev/null)
MPI_LIBS   := $(shell mpicc -showme:link 2>/dev/null)
endif
ifneq ($(MPI_LIBS),)
HAVE_MPI := 1
endif
endif
ifeq ($(MPI),1)
ifneq ($(HAVE_MPI),1)
$(error MPI=1 but Open MPI was not found (pkg-config ompi-c, mpicc -showme))
endif
endif
MPI_SRC := $(wildcard src/mpi/*.c)
MPI_OBJ := $(MPI_SRC:%.c=$(BUILD)/%.o)
MPI_A   := $(BUILD)/libgolu_mpi.a
ifeq ($(HAVE_MPI),1)
# MPI's headers as system headers: their warnings are not ours.
$(MPI_OBJ): CFLAGS_ALL += $(patsubst -I%,-isystem %,$(MPI_CFLAGS))
$(TOOL_OBJ): CFLAGS_ALL += -DGOLU_HAVE_MPI -Isrc/mpi
TOOL_MPI_LIBS := $(MPI_A) $(MPI_LIBS)
$(TOOL): $(MPI_A)
endif

$(MPI_A): $(MPI_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The all-reduce benchmark of docs/DISTRIBUTED.md: mpirun -np 2 BUILD/bench/allreduce_bench
allreduce-bench: $(BUILD)/bench/allreduce_bench
$(BUILD)/bench/allreduce_bench: bench/allreduce_bench.c $(MPI_A) $(NN_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Isrc/mpi $(LDFLAGS_SAN) -o $@ $< $(MPI_A) $(NN_A) $(LIB_A) $(MPI_LIBS) $(NN_LIBS) $(LDLIBS_ALL)

# ------------------------------------------------------------------- tests ---
# tests/<part>/test_*.c mirror the sources (kernels, ref, nn, lab, tool);
# tests/support holds the harness and helpers every test links.
# tests/kernels/test_cuda.c needs the GPU part: the CUDA section builds it.
TEST_SRC := $(filter-out tests/kernels/test_cuda.c,$(wildcard tests/*/test_*.c))
TEST_BIN := $(TEST_SRC:%.c=$(BUILD)/%)
TEST_CFLAGS := -Itests/support
# tinydata.o (the tool tests' generated data) and checkpoints.o (two
# checkpoints compared) use libgolu_nn.a: test_cuda, which does not link
# that, takes TEST_COMMON_BASE. files.o: temporary directories and whole
# files.
TEST_COMMON_BASE := $(BUILD)/tests/support/harness.o $(BUILD)/tests/support/toolrun.o
TEST_COMMON := $(TEST_COMMON_BASE) $(BUILD)/tests/support/tinydata.o \
               $(BUILD)/tests/support/checkpoints.o $(BUILD)/tests/support/files.o

.PHONY: slope-bench onednn-bench onednn-conv-bench tsan python-install check-golden format-check allreduce-bench all lib tool tests test check-exhaustive naive-chain train-bench install uninstall clean format

all: lib tool

lib: $(LIB_A) $(LIB_SO)
ifeq ($(OMP_OK),1)
lib: $(OMP_SO)
endif
tool: $(TOOL)
tests: $(TEST_BIN) $(BUILD)/tests/nn/parity_dump

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(ISA_FLAGS_$(basename $(notdir $<))) -MMD -MP -c $< -o $@

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(LIB_SO): $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,$(SONAME) $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/src/omp/omp_runner.o: CFLAGS_ALL += -fopenmp
$(OMP_SO): $(BUILD)/src/omp/omp_runner.o
	$(CC) -shared -fopenmp -Wl,-soname,$(OMP_SONAME) $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $^

# TOOL_CUDA_OBJ / TOOL_CUDA_LIBS / TOOL_CUDA_SYSLIBS: the GPU part, when built
# (CUDA section).
$(TOOL): $(TOOL_OBJ) $(LAB_A) $(REF_OBJ) $(NN_A) $(LIB_A)
	$(CC) $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $(TOOL_OBJ) $(TOOL_CUDA_OBJ) $(LAB_A) $(REF_OBJ) $(TOOL_MPI_LIBS) $(NN_A) $(TOOL_CUDA_LIBS) $(LIB_A) $(REF_LIBS) $(NN_LIBS) $(TOOL_CUDA_SYSLIBS) $(LDLIBS_ALL)

$(NN_A): $(NN_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(LAB_A): $(LAB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/src/nn/layers/%.f64.o: src/nn/layers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -DNN_F64 -MMD -MP -c $< -o $@

$(BUILD)/tests/%: tests/%.c $(TEST_COMMON) $(LAB_A) $(REF_OBJ) $(NN_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) -MMD -MP $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $< $(TEST_EXTRA) $(TEST_COMMON) $(LAB_A) $(REF_OBJ) $(NN_A) $(LIB_A) $(REF_LIBS) $(NN_LIBS) $(LDLIBS_ALL)

# The tool's flag parser and bench's report are tested on their own: their
# objects join those tests.
$(BUILD)/tests/tool/test_opts: $(BUILD)/tools/golu/opts.o $(BUILD)/tools/golu/cli.o
$(BUILD)/tests/tool/test_opts: TEST_EXTRA = $(BUILD)/tools/golu/opts.o $(BUILD)/tools/golu/cli.o
$(BUILD)/tests/tool/test_bench_report: $(BUILD)/tools/golu/bench_report.o $(BUILD)/tools/golu/cli.o
$(BUILD)/tests/tool/test_bench_report: TEST_EXTRA = $(BUILD)/tools/golu/bench_report.o $(BUILD)/tools/golu/cli.o

# The concurrent API-abuse test and the thread pool's need libgolu alone, so
# that their ThreadSanitizer build (make tsan) compiles little.
$(BUILD)/tests/kernels/test_pool: tests/kernels/test_pool.c $(BUILD)/tests/support/harness.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) -MMD -MP $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $< $(BUILD)/tests/support/harness.o $(LIB_A) $(LDLIBS_ALL)
$(BUILD)/tests/kernels/test_abuse_threads: tests/kernels/test_abuse_threads.c $(BUILD)/tests/support/harness.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) -MMD -MP $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $< $(BUILD)/tests/support/harness.o $(LIB_A) $(LDLIBS_ALL)

# The host-runner test needs libgolu alone, and runs golu_omp_runner too (its
# object linked in) when the compiler has OpenMP.
ifeq ($(OMP_OK),1)
RUNNER_TEST_OMP := -fopenmp -DGOLU_TEST_OMP $(BUILD)/src/omp/omp_runner.o
$(BUILD)/tests/kernels/test_runner: $(BUILD)/src/omp/omp_runner.o
endif
$(BUILD)/tests/kernels/test_runner: tests/kernels/test_runner.c $(BUILD)/tests/support/harness.o $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) -MMD -MP $(LDFLAGS_SAN) $(LDFLAGS) -o $@ $< $(RUNNER_TEST_OMP) $(BUILD)/tests/support/harness.o $(LIB_A) $(LDLIBS_ALL)

# The fault-injection shim (LD_PRELOAD) of tests/tool/test_fault.c: test
# code, built without sanitizers (it is loaded before their runtimes).
FAULT_SO := $(BUILD)/tests/fault/libfault.so
$(FAULT_SO): tests/fault/fault.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -g -fPIC -shared -D_GNU_SOURCE $(filter-out -Wpedantic,$(WARNINGS)) -o $@ $< -ldl -lpthread
tests: $(FAULT_SO)
$(BUILD)/tests/tool/test_fault: $(FAULT_SO)

# libFuzzer harnesses (tests/fuzz/fuzz_<reader>.c), clang only: make fuzz
# SECONDS=N builds each with -fsanitize=fuzzer,address,undefined and runs it
# N seconds on its saved corpus (tests/fuzz/corpus/, new inputs kept in
# build-fuzz/corpus/); a crash is saved to tests/fuzz/crashes/<reader>/
# (commit it: the suite replays it for ever, tests/fuzz/test_fuzz_replay.c).
# Only what the harnesses reach is compiled for them (FUZZ_NN_SRC: the
# readers, checkpoints, the configuration and the model registry behind
# its checks), in build-fuzz with coverage + ASan + UBSan; the rest they
# link (the layers and libgolu, which no reader runs) are the plain clang
# build's objects (build-clang, which the test command has built already).
# A harness that comes to need another file links it from the plain clang
# build's libgolu_nn.a (uninstrumented: add the file here to fuzz into it).
FUZZERS := json safetensors checkpoint idx cifar text
SECONDS ?= 20
FUZZ_CC ?= clang
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_NN_SRC := src/nn/json.c src/nn/safetensors.c src/nn/checkpoint.c src/nn/error.c \
               src/nn/str.c src/nn/rng.c src/nn/fork.c src/nn/params.c src/nn/io/outfile.c \
               $(wildcard src/nn/data/*.c src/nn/models/*.c) src/nn/train/config.c \
               src/nn/train/config_meta.c src/nn/train/task.c src/nn/train/task_images.c \
               src/nn/train/task_text.c src/nn/io/file_check.c
FUZZ_NN_OBJ := $(FUZZ_NN_SRC:%.c=build-fuzz/%.o)
FUZZ_PLAIN_OBJ := $(NN_LAYER_SRC:%.c=build-clang/%.o)
.PHONY: fuzz fuzz-build
fuzz-build:
	@$(MAKE) -s CC=$(FUZZ_CC) BUILD=build-clang CUDA=0 build-clang/libgolu.a \
	    build-clang/libgolu_nn.a $(FUZZ_PLAIN_OBJ)
	@$(MAKE) -s CC=$(FUZZ_CC) BUILD=build-fuzz CUDA=0 SAN=address,undefined \
	    CFLAGS=-fsanitize=fuzzer-no-link $(FUZZERS:%=build-fuzz/fuzz_%)
build-fuzz/libgolu_fuzz.a: $(FUZZ_NN_OBJ) $(FUZZ_PLAIN_OBJ)
	@rm -f $@
	ar rcs $@ $^
build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c build-fuzz/libgolu_fuzz.a build-clang/libgolu.a
	$(FUZZ_CC) $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(CFLAGS_ALL)) $(FUZZ_FLAGS) \
	    -Itests/fuzz -MMD -MP -o $@ $< build-fuzz/libgolu_fuzz.a build-clang/libgolu_nn.a \
	    build-clang/libgolu.a \
	    $(NN_LIBS) $(LDLIBS_ALL)
-include $(FUZZERS:%=build-fuzz/fuzz_%.d)
fuzz: fuzz-build
	@for f in $(FUZZERS); do \
	    mkdir -p build-fuzz/corpus/$$f tests/fuzz/crashes/$$f; \
	    echo "fuzz $$f: $(SECONDS) s"; \
	    build-fuzz/fuzz_$$f -max_total_time=$(SECONDS) -rss_limit_mb=2048 -max_len=65536 \
	        -artifact_prefix=tests/fuzz/crashes/$$f/ -print_final_stats=1 \
	        build-fuzz/corpus/$$f tests/fuzz/corpus/$$f 2>build-fuzz/fuzz_$$f.log || \
	        { tail -n 30 build-fuzz/fuzz_$$f.log; exit 1; }; \
	    grep -E '^stat::number_of_executed_units|^Done' build-fuzz/fuzz_$$f.log | tr '\n' ' '; echo; \
	done

# The thread pool, host runners and concurrent API abuse under
# ThreadSanitizer (the test command runs it; OMP=0: libgomp is not
# instrumented).
tsan:
	@$(MAKE) -s SAN=thread BUILD=build-tsan CUDA=0 OMP=0 build-tsan/tests/kernels/test_abuse_threads \
	    build-tsan/tests/kernels/test_pool build-tsan/tests/kernels/test_runner
	@TSAN_OPTIONS="halt_on_error=1 $(TSAN_OPTIONS)" build-tsan/tests/kernels/test_pool
	@TSAN_OPTIONS="halt_on_error=1 $(TSAN_OPTIONS)" build-tsan/tests/kernels/test_runner
	@TSAN_OPTIONS="halt_on_error=1 $(TSAN_OPTIONS)" build-tsan/tests/kernels/test_abuse_threads

$(BUILD)/tests/support/%.o: tests/support/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) -MMD -MP -c $< -o $@

# The PyTorch parity test's C half (not a test_* program: run_all.sh runs it
# through tests/nn/test_torch_parity.py); the pattern rule above builds it.
-include $(BUILD)/tests/nn/parity_dump.d

# Runs every test program; prints "N passed, M failed, K skipped" last and
# fails if any failed.
test: $(TEST_BIN) $(BUILD)/tests/nn/parity_dump $(TOOL)
	@sh tests/run_all.sh $(BUILD)

# The golden check on real data (Debian's Fashion-MNIST and the King James
# Bible): short runs of every model, compare, variance and ulp, whose hashes
# must equal those recorded in tests/golden/real.json (a few minutes).
check-golden: $(TOOL)
	@/usr/bin/python3 tests/golden/test_golden.py $(BUILD) --real

check-exhaustive: $(TOOL) $(BUILD)/tests/kernels/slope_sweep
	@sh tests/exhaustive.sh $(BUILD)

# Every float32 input through the slope calls and the ordinary ones (step 5
# of tests/exhaustive.sh).
$(BUILD)/tests/kernels/slope_sweep: tests/kernels/slope_sweep.c $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_SAN) -o $@ $< $(LIB_A) $(LDLIBS_ALL)

# Training throughput and memory of the framework (bench/train_compare.py
# runs it next to PyTorch).
train-bench: $(BUILD)/bench/train_bench
# --profile times the direct convolutions and the activation calls through
# ld's --wrap.
$(BUILD)/bench/train_bench: bench/train_bench.c $(LAB_A) $(NN_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_SAN) \
	    -Wl,--wrap=nn_conv3x3_forward,--wrap=nn_conv3x3_backward \
	    -Wl,--wrap=golu_forward,--wrap=golu_backward -o $@ $< $(LAB_A) \
	    $(NN_A) $(LIB_A) $(NN_LIBS) $(LDLIBS_ALL)

# oneDNN's eltwise primitives beside libgolu, speed and accuracy (a benchmark
# only: nothing else links oneDNN). Needs Debian's libdnnl-dev
# (scripts/setup-debian.sh --bench); without dnnl.h it says so and skips.
DNNL_H := $(wildcard /usr/include/dnnl.h /usr/include/oneapi/dnnl/dnnl.h)
onednn-bench:
ifneq ($(DNNL_H),)
	@$(MAKE) -s $(BUILD)/bench/onednn_eltwise
	$(BUILD)/bench/onednn_eltwise $(ONEDNN_ARGS)
else
	@echo "onednn-bench: skipped: dnnl.h not found (apt-get install libdnnl-dev)"
endif
# The framework's convolution against oneDNN's (a benchmark only).
onednn-conv-bench:
ifneq ($(DNNL_H),)
	@$(MAKE) -s $(BUILD)/bench/onednn_conv
	$(BUILD)/bench/onednn_conv $(ONEDNN_ARGS)
else
	@echo "onednn-conv-bench: skipped: dnnl.h not found (apt-get install libdnnl-dev)"
endif
$(BUILD)/bench/onednn_conv: bench/onednn_conv.c $(LAB_A) $(NN_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_SAN) -o $@ $< $(LAB_A) $(NN_A) $(LIB_A) -ldnnl -lgomp $(NN_LIBS) $(LDLIBS_ALL)
$(BUILD)/bench/onednn_eltwise: bench/onednn_eltwise.c $(LAB_A) $(REF_OBJ) $(NN_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Isrc/ref $(LDFLAGS_SAN) -o $@ $< $(LAB_A) $(REF_OBJ) $(NN_A) $(LIB_A) -ldnnl $(REF_LIBS) $(NN_LIBS) $(LDLIBS_ALL)

# The usual float32 GoLU's accuracy, for comparison (docs/ACCURACY.md).
# golu_forward_slope + golu_backward_slope against the ordinary pair
# (docs/BENCHMARKS.md); its flags are in its header comment.
slope-bench: $(BUILD)/bench/slope_bench
$(BUILD)/bench/slope_bench: bench/slope_bench.c $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS_SAN) -o $@ $< $(LIB_A) $(LDLIBS_ALL)

naive-chain: $(REF_OBJ) $(NN_A) $(LIB_A)
	@mkdir -p $(BUILD)/bench
	$(CC) $(CFLAGS_ALL) -Isrc/ref $(LDFLAGS_SAN) -o $(BUILD)/bench/naive_chain bench/naive_chain.c $(REF_OBJ) $(NN_A) $(LIB_A) $(REF_LIBS) $(LDLIBS_ALL)
	$(BUILD)/bench/naive_chain

# ----------------------------------------------------------------- install ---
install: lib
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 644 include/golu.h $(DESTDIR)$(INCDIR)/golu.h
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/libgolu.a
	install -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/libgolu.so.$(shell sed -n 's/^#define GOLU_VERSION_STRING "\(.*\)"/\1/p' include/golu.h)
	ln -sf libgolu.so.$(shell sed -n 's/^#define GOLU_VERSION_STRING "\(.*\)"/\1/p' include/golu.h) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libgolu.so
	if [ -f $(OMP_SO) ]; then install -m 644 include/golu_omp.h $(DESTDIR)$(INCDIR)/golu_omp.h && \
	    install -m 755 $(OMP_SO) $(DESTDIR)$(LIBDIR)/$(OMP_SONAME) && \
	    ln -sf $(OMP_SONAME) $(DESTDIR)$(LIBDIR)/libgolu_omp.so; fi
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCDIR@|$(INCDIR)|g' \
	    -e 's|@VERSION@|$(shell sed -n 's/^#define GOLU_VERSION_STRING "\(.*\)"/\1/p' include/golu.h)|g' \
	    golu.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/golu.pc
	if [ -f $(TOOL) ]; then install -d $(DESTDIR)$(BINDIR) && install -m 755 $(TOOL) $(DESTDIR)$(BINDIR)/golu; fi

# scripts/python-install.sh says where and why (no pip: Debian's is
# externally managed).
python-install: lib
	sh scripts/python-install.sh --no-build --build $(BUILD) $(if $(VENV),--venv $(VENV)) $(if $(PYTHON),--python $(PYTHON))

uninstall:
	rm -f $(DESTDIR)$(INCDIR)/golu.h $(DESTDIR)$(LIBDIR)/libgolu.a $(DESTDIR)$(LIBDIR)/libgolu.so* \
	      $(DESTDIR)$(INCDIR)/golu_omp.h $(DESTDIR)$(LIBDIR)/libgolu_omp.so* \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/golu.pc $(DESTDIR)$(BINDIR)/golu
	rm -f $(DESTDIR)$(INCDIR)/golu_cuda.h $(DESTDIR)$(LIBDIR)/libgolu_cuda.a \
	      $(DESTDIR)$(LIBDIR)/libgolu_cuda.so* $(DESTDIR)$(LIBDIR)/pkgconfig/golu_cuda.pc

# Every C and CUDA source the project writes, formatted by .clang-format.
FORMAT_SRC = $(wildcard include/*.h src/*/*.[ch] src/*/*/*.[ch] src/cuda/*.cu \
                        tools/golu/*.[ch] tests/*/*.[ch] bench/*.c examples/*.c)
format:
	clang-format -i $(FORMAT_SRC)

# Fails, naming the files, when one is not formatted (the test command runs it).
format-check:
	@clang-format --dry-run -Werror $(FORMAT_SRC)

clean:
	rm -rf $(BUILD)

-include $(LIB_OBJ:.o=.d) $(MPI_OBJ:.o=.d) $(NN_OBJ:.o=.d) $(LAB_OBJ:.o=.d) $(REF_OBJ:.o=.d) $(TOOL_OBJ:.o=.d) $(TEST_BIN:=.d)

# ==================================================================== CUDA ===
# The GPU part: include/golu_cuda.h, src/cuda/*.cu -> libgolu_cuda.{a,so},
# tests/test_cuda.c, golu_cuda.pc, and the golu tool's GPU modes
# (tools/golu/*gpu*.c: golu bench --gpu, golu ulp --gpu). Built when nvcc is
# found: NVCC names it (default: nvcc on PATH, else /usr/local/cuda/bin/nvcc);
# CUDA=0 leaves it out; CUDA=1 makes a missing nvcc an error. Without nvcc
# nothing above changes (the tool then says that --gpu needs a CUDA build).
# The tool gets -DGOLU_HAVE_CUDA, its GPU files and the GPU library.
#
# Floating point on the device: -fmad=false (every fused multiply-add is an
# fma() we wrote, as -ffp-contract=off does on the CPU), -ftz=false,
# -prec-div=true, -prec-sqrt=true, no --use_fast_math: with these the float32
# (bfloat16, float16) kernels give the CPU's bits.
#
# In-tree programs link libcudart_static (they run without LD_LIBRARY_PATH,
# and need only the driver at run time); libgolu_cuda.so carries its own
# static copy too, its symbols hidden (--exclude-libs), so it depends on the
# driver and libgolu.so.0 only.

CUDA ?=
ifeq ($(origin NVCC),undefined)
NVCC := $(firstword $(shell command -v nvcc 2>/dev/null) $(wildcard /usr/local/cuda/bin/nvcc))
endif
HAVE_CUDA :=
ifneq ($(CUDA),0)
NVCC_BIN := $(if $(NVCC),$(shell command -v '$(NVCC)' 2>/dev/null))
ifneq ($(NVCC_BIN),)
HAVE_CUDA := 1
endif
endif
ifeq ($(CUDA),1)
ifneq ($(HAVE_CUDA),1)
$(error CUDA=1 but nvcc was not found (NVCC=$(NVCC)))
endif
endif

ifeq ($(HAVE_CUDA),1)
CUDA_HOME    ?= $(patsubst %/bin/nvcc,%,$(NVCC_BIN))
CUDA_LIBDIR  ?= $(firstword $(wildcard $(CUDA_HOME)/lib64 $(CUDA_HOME)/targets/$(ARCH)-linux/lib))
CUDA_INCDIR  ?= $(CUDA_HOME)/include
# sm_80 (A100), sm_90 (H100, H200), and compute_90 PTX for newer GPUs.
CUDA_ARCHS   ?= -gencode arch=compute_80,code=sm_80 \
                -gencode arch=compute_90,code=[sm_90,compute_90]
NVCCFLAGS_ALL := -std=c++17 $(OPT) -g -lineinfo $(CUDA_ARCHS) \
                 -fmad=false -ftz=false -prec-div=true -prec-sqrt=true \
                 -Xcompiler -fPIC,-fvisibility=hidden,-ffp-contract=off,-fno-exceptions,-Wall,-Wextra \
                 -Iinclude -Isrc/kernels -Isrc/cuda $(NVCCFLAGS)
ifneq ($(WERROR),)
NVCCFLAGS_ALL += -Werror all-warnings -Xcompiler -Werror
endif
CUDA_SYSLIBS := $(if $(CUDA_LIBDIR),-L$(CUDA_LIBDIR)) -lcudart_static -ldl -lrt -lpthread -lstdc++

CUDA_SRC    := $(wildcard src/cuda/*.cu)
CUDA_OBJ    := $(CUDA_SRC:%.cu=$(BUILD)/%.o)
LIB_CUDA_A  := $(BUILD)/libgolu_cuda.a
LIB_CUDA_SO := $(BUILD)/libgolu_cuda.so
CUDA_SONAME := libgolu_cuda.so.0
TEST_CUDA   := $(BUILD)/tests/kernels/test_cuda

TOOL_CUDA_OBJ     := $(TOOL_GPU_SRC:%.c=$(BUILD)/%.o)
TOOL_CUDA_LIBS    := $(LIB_CUDA_A)
TOOL_CUDA_SYSLIBS := $(CUDA_SYSLIBS)
$(TOOL_OBJ): CFLAGS_ALL += -DGOLU_HAVE_CUDA
$(TOOL_CUDA_OBJ): CFLAGS_ALL += -DGOLU_HAVE_CUDA -isystem $(CUDA_INCDIR)
$(TOOL): $(TOOL_CUDA_OBJ) $(LIB_CUDA_A)

.PHONY: install-cuda
lib: $(LIB_CUDA_A) $(LIB_CUDA_SO)
tests test: $(TEST_CUDA)
install: install-cuda

$(BUILD)/src/cuda/%.o: src/cuda/%.cu
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCCFLAGS_ALL) -MMD -MP -MF $(@:.o=.d) -c $< -o $@

$(LIB_CUDA_A): $(CUDA_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(LIB_CUDA_SO): $(CUDA_OBJ) $(LIB_SO)
	$(NVCC) -shared --cudart=static -Xlinker -soname=$(CUDA_SONAME) \
	    -Xlinker --exclude-libs,ALL -o $@ $(CUDA_OBJ) -L$(BUILD) -lgolu

# C programs: the C compiler, CUDA's headers as system headers (no warnings
# of theirs), the static libraries.
$(TEST_CUDA): tests/kernels/test_cuda.c $(TEST_COMMON_BASE) $(LIB_CUDA_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(TEST_CFLAGS) -isystem $(CUDA_INCDIR) -MMD -MP $(LDFLAGS_SAN) $(LDFLAGS) \
	    -o $@ $< $(TEST_COMMON_BASE) $(LIB_CUDA_A) $(LIB_A) $(CUDA_SYSLIBS) $(LDLIBS_ALL)

CUDA_VERSION_STR := $(shell sed -n 's/^#define GOLU_VERSION_STRING "\(.*\)"/\1/p' include/golu.h)
install-cuda: lib
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 644 include/golu_cuda.h $(DESTDIR)$(INCDIR)/golu_cuda.h
	install -m 644 $(LIB_CUDA_A) $(DESTDIR)$(LIBDIR)/libgolu_cuda.a
	install -m 755 $(LIB_CUDA_SO) $(DESTDIR)$(LIBDIR)/libgolu_cuda.so.$(CUDA_VERSION_STR)
	ln -sf libgolu_cuda.so.$(CUDA_VERSION_STR) $(DESTDIR)$(LIBDIR)/$(CUDA_SONAME)
	ln -sf $(CUDA_SONAME) $(DESTDIR)$(LIBDIR)/libgolu_cuda.so
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCDIR@|$(INCDIR)|g' \
	    -e 's|@CUDA_LIBDIR@|$(CUDA_LIBDIR)|g' -e 's|@VERSION@|$(CUDA_VERSION_STR)|g' \
	    golu_cuda.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/golu_cuda.pc

-include $(CUDA_OBJ:.o=.d) $(TEST_CUDA).d $(TOOL_CUDA_OBJ:.o=.d)
endif
