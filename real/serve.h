/*
** serve.h: `natsim serve`: the STUN, TURN and gateway servers of src/ on
** real UDP sockets, each until SIGINT or SIGTERM, then a clean shutdown
** with a line of counters on stderr. Returns the process exit status.
*/
#ifndef NATSIM_SERVE_H
#define NATSIM_SERVE_H

int serve_main(int argc, char **argv);

#endif
