/* disc_json.c: discovery results as JSON fields. */
#include "disc_json.h"

void disc_json_write(json *j, const disc_result *r) {
  json_str(j, "mapping", disc_behaviour_name(r->mapping));
  json_str(j, "filtering", disc_behaviour_name(r->filtering));
  json_str(j, "allocation", disc_alloc_name(r->allocation));
  if (r->allocation == DISC_SEQUENTIAL) json_int(j, "stride", r->stride);
  json_bool(j, "hairpinning", r->hairpinning);
  json_bool(j, "hairpin_observable", r->hairpin_observable);
  json_str(j, "type", disc_type_name(r));
  json_int(j, "stun_transactions", (int64_t)r->stun.transactions);
  json_int(j, "stun_retransmits", (int64_t)r->stun.retransmits);
}
