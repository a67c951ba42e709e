/* cost.c: the cost model: a run's measurements scaled to a month of a usage profile. */
#include "cost.h"

#define MS_NS 1000000LL
#define UDP_IP 28        /* IPv4 and UDP headers of every datagram */
#define RELAY_FRAMING 34 /* a RELAY frame around its payload: header 6, session 8, sender 4, tag 16 */
#define TURN_FRAMING 4   /* ChannelData's header (a Data indication's is larger) */
#define STUN_ANSWER 100  /* a STUN or TURN answer with its headers, as sent (estimate) */
#define REFLECT_BYTES 61 /* the gateway's REGISTERED answer to a keepalive, with UDP/IP */
#define REFRESH_S 300.0  /* a TURN allocation is refreshed every 5 minutes */
#define MONTH_DAYS 30.0
#define GB 1e9

void cost_defaults(exp_cost_cfg *c) {
  c->peers = 10000;
  c->sessions_per_day = 10;
  c->bytes_per_session = 10e6;
  c->session_length = 600000 * MS_NS;
  c->egress_per_gb = 0.09;
  c->server_month = 20;
  c->stun_turn_servers = 1;
}

/* Keepalives a peer sends the gateway an hour, over the classes by weight. */
static double keepalives_per_hour(const exp_cfg *cfg, const exp_summary *s) {
  double total = 0;
  double weighted = 0;
  for (int i = 0; i < cfg->nclasses && i < s->nclasses; i++) {
    if (s->keepalive_s[i] <= 0) continue;
    total += cfg->classes[i].weight;
    weighted += cfg->classes[i].weight * 3600.0 / s->keepalive_s[i];
  }
  return total > 0 ? weighted / total : 0;
}

/* Bytes leaving the gateway and the TURN server per message byte sent. */
static void ratios(const exp_cfg *cfg, const exp_summary *s, double *gw, double *turn) {
  double messages = (double)(s->bytes_direct + s->bytes_relayed + s->bytes_turn);
  double relayed = (double)(cfg->quic ? s->wire_relayed : s->bytes_relayed);
  double gw_out = relayed + (double)s->gateway_frames * (RELAY_FRAMING + UDP_IP);
  double turn_out = (double)s->turn_bytes + (double)s->turn_packets * (TURN_FRAMING + UDP_IP);
  *gw = messages > 0 ? gw_out / messages : 0;
  *turn = messages > 0 ? turn_out / messages : 0;
}

void cost_measure(const exp_cfg *cfg, bool ice_servers, exp_summary *s) {
  const exp_cost_cfg *p = &cfg->cost;
  exp_cost *c = &s->cost;
  double gw_ratio;
  double turn_ratio;
  double n = s->attempts > 0 ? (double)s->attempts : 1;
  double length_s = (double)p->session_length / 1e9;
  ratios(cfg, s, &gw_ratio, &turn_ratio);
  c->stun_turn_requests_per_session = (double)(s->stun_requests + s->turn_allocations) / n;
  c->allocations_per_session = (double)s->turn_allocations / n;
  c->keepalives_per_peer_hour = keepalives_per_hour(cfg, s);
  c->gateway_bytes_per_session = p->bytes_per_session * gw_ratio;
  double refreshes = c->allocations_per_session * (length_s / REFRESH_S);
  c->turn_bytes_per_session = p->bytes_per_session * turn_ratio +
                              (c->stun_turn_requests_per_session + refreshes) * STUN_ANSWER;
  double sessions = p->peers * p->sessions_per_day * MONTH_DAYS;
  double keepalive_bytes = p->peers * 24 * MONTH_DAYS * c->keepalives_per_peer_hour * REFLECT_BYTES;
  c->gateway_gb = (sessions * c->gateway_bytes_per_session + keepalive_bytes) / GB;
  c->turn_gb = ice_servers ? sessions * c->turn_bytes_per_session / GB : 0;
  c->gateway_usd = c->gateway_gb * p->egress_per_gb + p->server_month;
  c->stun_turn_usd = 0;
  if (ice_servers)
    c->stun_turn_usd = c->turn_gb * p->egress_per_gb + p->stun_turn_servers * p->server_month;
  c->total_usd = c->gateway_usd + c->stun_turn_usd;
}
