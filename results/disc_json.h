/*
** disc_json.h: a NAT behaviour discovery result (src/discovery.h) as JSON
** fields, the same for `natsim classify --json` and `natsim probe --json`.
*/
#ifndef NATSIM_DISC_JSON_H
#define NATSIM_DISC_JSON_H

#include "discovery.h"
#include "json.h"

/* Writes, inside the object j is in: mapping, filtering, allocation,
** stride (sequential only), hairpinning, hairpin_observable, type,
** stun_transactions, stun_retransmits. */
void disc_json_write(json *j, const disc_result *r);

#endif
