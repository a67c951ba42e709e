/*
** classify.h: `natsim classify`: runs NAT behaviour discovery (src/
** discovery.h) in simulation against each NAT model, from a host behind it
** to an RFC 5780 STUN server with two public addresses, and compares what
** it finds with what the model says.
*/
#ifndef NATSIM_CLASSIFY_H
#define NATSIM_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "discovery.h"
#include "json.h"
#include "nat_model.h"

typedef struct classify_opts {
  const char **models; /* model files; NULL/0: every file in nat-models/ */
  int nmodels;
  const char *behind;  /* a model to put in front of each (NAT444), or NULL */
  double loss;         /* packet loss on the client's and server's links */
  bool lifetime;       /* also measure mapping lifetimes */
  bool json;
  uint64_t seed;
  nat_model_loader loader; /* loads the model files (borrowed) */
} classify_opts;

/* Prints the table (or JSON); returns 0 when every model was classified
** as configured, 1 when one was not, 2 on an error. */
int classify_run(const classify_opts *o);
/* Discovery alone for one model (o->behind, o->loss, o->lifetime and
** o->seed apply), in a simulation of its own that ends before it returns.
** 0, or 2 with the reason on stderr. */
int classify_discover(const classify_opts *o, const char *model, disc_result *out);

#endif
