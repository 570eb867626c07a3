/*
 * fork.c - nn_run_two (fork.h).
 */
#include "fork.h"

#include <pthread.h>

void nn_run_two(void *(*fn)(void *), void *a, void *b)
{
    pthread_t tid;
    int started = pthread_create(&tid, NULL, fn, b) == 0;
    fn(a);
    if (started)
        pthread_join(tid, NULL);
    else
        fn(b);
}
