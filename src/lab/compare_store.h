/*
 * compare_store.h - what a compare keeps in its directory and reads back:
 * DIR/compare.json, its configuration, written before any training so that
 * a second command on the same DIR continues the same compare or is
 * refused; and a finished run's results, read from its summary.json and its
 * checkpoint's run.metrics (or, for a run kept without its checkpoint, its
 * metrics.json: compare.json, summary.json and metrics.json are all a
 * compare needs to be reported again or continued, so that is what a
 * repository keeps of one).
 *
 * DIR/runs/<act>-s<seed>/ is an ordinary training run directory
 * (train/trainer.h). Every value a report shows comes from these files,
 * never from a process's memory, so a compare that trained nothing reports
 * the same as the one that trained everything.
 *
 * This lives in the measurement library, not the trainer: a compare is an
 * experiment over many runs, built on the trainer's files; the trainer knows
 * one run only.
 */
#ifndef LAB_COMPARE_STORE_H
#define LAB_COMPARE_STORE_H

#include <limits.h>

#include "compare.h"
#include "error.h"
#include "golu.h"
#include "train/config.h"
#include "train/presets.h"
#include "train/task.h"

/* The configuration of a compare: what DIR/compare.json records (and what
 * does not change results: the base's threads and stop_after). */
typedef struct lab_compare_config {
    const nn_preset *preset;
    int nacts;
    golu_act act[LAB_COMPARE_MAX_ACTS];         /* default parameters */
    const char *act_name[LAB_COMPARE_MAX_ACTS]; /* canonical: "silu" for "swish" */
    int seeds;                                  /* 1..seeds */
    int depth;            /* one depth of an ablation (compare_depths.h): base's depth,
                             recorded in compare.json as "depth"; 0: no ablation */
    nn_train_config base; /* every run's configuration but act, seed and out */
    char out[PATH_MAX - 64];
} lab_compare_config;

/*
 * DIR/compare.json: written when DIR has none; otherwise it must hold this
 * very configuration, or err names the first thing that differs. 0, or -1
 * with err.
 */
int lab_compare_config_save_or_check(const lab_compare_config *c, nn_err *err);

/* The directory of run (act, seed): DIR/runs/<act>-s<seed>. */
void lab_compare_run_dir(const lab_compare_config *c, int act, int seed, char *buf,
                         size_t size);

/* Where run dir stands: DONE (summary.json and the curves: the checkpoint,
 * or metrics.json where the run was kept without its checkpoint, as a
 * compare committed to a repository is), PARTIAL (a checkpoint, no
 * summary.json: a stopped run, to resume), NEW (anything else: a summary
 * without curves counts for nothing). */
typedef enum lab_run_state { LAB_RUN_NEW, LAB_RUN_PARTIAL, LAB_RUN_DONE } lab_run_state;
lab_run_state lab_compare_run_state(const char *dir);

/*
 * The configuration of run (act, seed) in dir: c's recipe with that
 * activation and seed (resume 0), or (resume 1) the options saved in dir's
 * checkpoint, as golu train --resume takes them, which must be those of
 * this run (nn_train_config_match: the model, activation and parameters,
 * seed and every saved key; a checkpoint of another run is refused, err
 * naming the file and the key). o->out is dir either way. 0, or -1 with err.
 */
int lab_compare_run_config(const lab_compare_config *c, int act, int seed,
                           const char *dir, int resume, nn_train_config *o, nn_err *err);

/* Removes dir/summary.json before a run starts afresh: left without its
 * checkpoint, it would make the run look done if it stopped part-way. 0
 * (removed, or there was none), or -1 with err. */
int lab_compare_summary_remove(const char *dir, nn_err *err);

/* Reads a finished run of task back from dir: summary.json (time,
 * divergence) and the checkpoint's run.metrics (without a checkpoint:
 * metrics.json, whose reals have 10 significant digits), rows of task->ncols
 * columns, whose last row gives the metric and loss task->metric names.
 * 0, or -1 with err (a run.metrics of another width is refused by name). */
int lab_compare_run_load(const char *dir, const nn_task_desc *task, lab_compare_run *r,
                         nn_err *err);
void lab_compare_run_free(lab_compare_run *r);

#endif
