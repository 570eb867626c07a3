/*
 * lock.h - one writer per output directory: an advisory lock (flock) on
 * "<dir>/.golu.lock", held for the life of a command that writes there
 * (golu train, compare, variance, plot), and the sweep of the temporary
 * files that a killed writer left (outfile.h's "<name>.tmp.<pid>").
 *
 * The lock file holds the holder's pid, so that a refused command can say
 * who is using the directory. It stays in the directory after release
 * (removing it would let two processes lock two different files); the lock
 * itself goes with the holder's last descriptor, so a killed holder never
 * leaves a directory locked. flock locks are per open file: a second
 * nn_lock_take on the same directory in the same process is refused too.
 */
#ifndef NN_IO_LOCK_H
#define NN_IO_LOCK_H

#include "error.h"

#define NN_LOCK_FILE ".golu.lock"

typedef struct nn_lock {
    int fd; /* the lock file, open while held; -1 when not held */
} nn_lock;

/*
 * Takes dir's lock (dir must exist): creates dir/.golu.lock if needed,
 * flock(LOCK_EX | LOCK_NB), writes this process's pid into it, then removes
 * dir's stale temporary files (nn_tmp_sweep: no writer can be live in dir
 * now). Never waits: a directory locked by another process is refused at
 * once, err naming label, dir and the holder's pid ("--out: /x is in use by
 * another golu command (pid 4242) ..."). 0, or -1 with err and l->fd = -1.
 */
int nn_lock_take(nn_lock *l, const char *dir, const char *label, nn_err *err);

/* Releases the lock (closes the file; it stays). Safe when not held. */
void nn_lock_release(nn_lock *l);

/*
 * Removes the files of dir (not its subdirectories) named exactly
 * "<name>.tmp.<pid>", pid all digits, whose pid is not a live process (kill
 * (pid, 0) says ESRCH): what the atomic writer leaves when a process dies
 * inside a write. Anything else, and the file of a live process, is left.
 * *removed (may be NULL) gets how many went. 0, or -1 with err when dir
 * cannot be read.
 */
int nn_tmp_sweep(const char *dir, int *removed, nn_err *err);

#endif
