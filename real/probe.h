/*
** probe.h: client commands on real sockets: `natsim probe` (NAT behaviour
** discovery from this host against an RFC 5780 STUN server) and
** `natsim turn-check` (allocate, permit, relay to a local peer and back,
** step by step). Each returns the process exit status.
*/
#ifndef NATSIM_PROBE_H
#define NATSIM_PROBE_H

int probe_main(int argc, char **argv);
int turn_check_main(int argc, char **argv);

#endif
