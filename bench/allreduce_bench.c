/*
 * allreduce_bench.c - the time of one step's all-reduce for each model's
 * gradient (docs/DISTRIBUTED.md): the single flat gradient block of the
 * model built with its default recipe (mlp and resnet on Fashion-MNIST's
 * 1x28x28 images in 10 classes, the byte-level gpt), summed in place over
 * every process through the communicator's MPI back end, as a training
 * step does. Rank 0 prints one line per model: floats, megabytes, the mean
 * time of `reps` all-reduces after `warm` untimed ones.
 *
 *   make allreduce-bench && mpirun -np 2 build/bench/allreduce_bench [reps]
 */
#include <stdio.h>
#include <stdlib.h>

#include "comm_mpi.h"
#include "nn.h"

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 50, warm = 5;
    const nn_comm *comm;
    nn_err err = {""};
    if (nn_comm_mpi_open(&comm, &err)) {
        fprintf(stderr, "allreduce_bench: %s\n", err.msg);
        return 1;
    }
    const char *models[] = {"mlp", "resnet", "gpt"};
    if (comm->rank == 0)
        printf("%d processes; %d all-reduces per model after %d untimed\n", comm->size,
               reps, warm);
    for (int k = 0; k < 3; k++) {
        nn_train_config c;
        nn_train_config_defaults(&c, nn_model_find(models[k]));
        c.model.batch = 1; /* the gradient's size does not depend on it */
        nn_model *m = NULL;
        if (nn_model_create(&m, &c.model, 1, 1, &err)) {
            fprintf(stderr, "allreduce_bench: %s: %s\n", models[k], err.msg);
            return 1;
        }
        size_t n = m->params.total;
        for (int r = 0; r < warm; r++)
            nn_comm_sum_f32(comm, m->params.grad, n);
        nn_comm_barrier(comm);
        double t0 = nn_comm_mpi_wtime();
        for (int r = 0; r < reps; r++)
            nn_comm_sum_f32(comm, m->params.grad, n);
        double dt = (nn_comm_mpi_wtime() - t0) / reps;
        if (comm->rank == 0)
            printf("%-7s %10zu floats %8.2f MB  %8.3f ms per all-reduce\n", models[k], n,
                   n * 4.0 / 1e6, dt * 1e3);
        nn_model_destroy(m);
    }
    nn_comm_mpi_close();
    return 0;
}
