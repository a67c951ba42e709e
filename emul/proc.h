/*
** proc.h: a real program run inside a network namespace (netns.h), its
** standard output and error kept in anonymous memory files (memfd: nothing
** on disk to leak), waited for without blocking.
** The child is its own process group, killed with SIGKILL if natsim dies
** (PR_SET_PDEATHSIG), so a killed run leaves no process behind.
*/
#ifndef NATSIM_PROC_H
#define NATSIM_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct proc {
  pid_t pid;          /* 0: never started or reaped */
  bool exited;        /* it ended (proc_poll saw it) */
  int status;         /* its exit status, or 128 + the signal that ended it */
  int out_fd, err_fd; /* its stdout and stderr (memfds), -1 when closed */
} proc;

/* Starts argv[0] (looked up in PATH; "natsim" means this natsim binary)
** with arguments argv in namespace netns_path (a /run/netns file), stdin
** /dev/null. 0, or -1 with the reason in err (no such namespace, no
** memfd, fork failed; nothing left open); a program that cannot be
** executed exits 127 with the reason on its stderr. proc_close frees what
** a started one holds. */
int proc_start(proc *p, const char *netns_path, char *const argv[], char *err, size_t len);

/* Reaps the process if it ended: true once it has (p->status set). */
bool proc_poll(proc *p);

/* Kills the process group with SIGKILL and reaps it, if still running. */
void proc_kill(proc *p);

/* Kills it (proc_kill) and closes its output. Safe to call twice. */
void proc_close(proc *p);

/* What the process wrote so far on fd (p->out_fd or p->err_fd), at most
** cap bytes, as a malloc'ed string the caller frees (*n its length); NULL
** when memory runs out or fd is closed. */
char *proc_read(int fd, size_t cap, size_t *n);

#endif
