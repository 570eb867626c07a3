/* commands.h - the golu subcommands. Each takes the arguments after its own
 * name (argv[0] is the subcommand's name) and returns the process exit code:
 * 0 on success, 1 when a measurement or check failed, 2 on bad usage. */
#ifndef GOLU_COMMANDS_H
#define GOLU_COMMANDS_H

int golu_cmd_info(int argc, char **argv);
int golu_cmd_ulp(int argc, char **argv);
int golu_cmd_bench(int argc, char **argv);
int golu_cmd_train(int argc, char **argv);
int golu_cmd_eval(int argc, char **argv);
int golu_cmd_sample(int argc, char **argv);
int golu_cmd_compare(int argc, char **argv);
int golu_cmd_variance(int argc, char **argv);
int golu_cmd_plot(int argc, char **argv);

#endif
