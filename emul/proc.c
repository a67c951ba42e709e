/* proc.c: a program run inside a network namespace. */
#define _GNU_SOURCE
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* In the child: joins the namespace, then runs the program; never returns. */
static void child(int ns_fd, char *const argv[], const proc *p) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  setpgid(0, 0);
  int null = open("/dev/null", O_RDONLY);
  if (null < 0 || dup2(null, 0) < 0 || dup2(p->out_fd, 1) < 0 || dup2(p->err_fd, 2) < 0)
    _exit(127);
  if (setns(ns_fd, CLONE_NEWNET) != 0) {
    fprintf(stderr, "natsim: entering the namespace: %s\n", strerror(errno));
    _exit(127);
  }
  const char *file = strcmp(argv[0], "natsim") == 0 ? "/proc/self/exe" : argv[0];
  execvp(file, argv);
  fprintf(stderr, "natsim: cannot run %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

int proc_start(proc *p, const char *netns_path, char *const argv[], char *err, size_t len) {
  memset(p, 0, sizeof *p);
  p->out_fd = memfd_create("natsim-stdout", MFD_CLOEXEC);
  p->err_fd = memfd_create("natsim-stderr", MFD_CLOEXEC);
  int ns_fd = open(netns_path, O_RDONLY | O_CLOEXEC);
  if (p->out_fd < 0 || p->err_fd < 0 || ns_fd < 0) {
    snprintf(err, len, "%s: %s", ns_fd < 0 ? netns_path : "memfd_create", strerror(errno));
    if (ns_fd >= 0) close(ns_fd);
    proc_close(p);
    return -1;
  }
  pid_t pid = fork();
  if (pid == 0) child(ns_fd, argv, p);
  close(ns_fd);
  if (pid < 0) {
    snprintf(err, len, "fork: %s", strerror(errno));
    proc_close(p);
    return -1;
  }
  setpgid(pid, pid); /* as the child does: whichever runs first */
  p->pid = pid;
  return 0;
}

static void record(proc *p, int status) {
  p->exited = true;
  p->pid = 0;
  if (WIFEXITED(status))
    p->status = WEXITSTATUS(status);
  else
    p->status = 128 + WTERMSIG(status);
}

bool proc_poll(proc *p) {
  if (p->exited || p->pid <= 0) return p->exited;
  int status;
  if (waitpid(p->pid, &status, WNOHANG) == p->pid) record(p, status);
  return p->exited;
}

void proc_kill(proc *p) {
  if (p->exited || p->pid <= 0) return;
  kill(-p->pid, SIGKILL);
  kill(p->pid, SIGKILL);
  int status = 0;
  while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR) {
  }
  record(p, status);
}

void proc_close(proc *p) {
  proc_kill(p);
  close_fd(&p->out_fd);
  close_fd(&p->err_fd);
}

char *proc_read(int fd, size_t cap, size_t *n) {
  *n = 0;
  if (fd < 0) return NULL;
  char *buf = malloc(cap + 1);
  if (!buf) return NULL;
  ssize_t got;
  while (*n < cap && (got = pread(fd, buf + *n, cap - *n, (off_t)*n)) > 0) *n += (size_t)got;
  buf[*n] = '\0';
  return buf;
}
