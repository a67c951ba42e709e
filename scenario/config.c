/* config.c: a run's configuration, for the results file. */
#include "config.h"

#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>

#include "model.h"
#include "params.h"

int config_sha256(const char *path, char hex[65], char *err, size_t len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, len, "%s: cannot read the scenario", path);
    return -1;
  }
  char *text = NULL;
  size_t n = 0;
  size_t cap = 0;
  int rc = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? 2 * cap : 65536;
      char *t = realloc(text, cap);
      if (!t) {
        rc = -1;
        break;
      }
      text = t;
    }
    size_t k = fread(text + n, 1, cap - n, f);
    n += k;
    if (k == 0) break;
  }
  if (ferror(f)) rc = -1;
  fclose(f);
  unsigned char md[32];
  if (rc == 0 && gnutls_hash_fast(GNUTLS_DIG_SHA256, text, n, md) != 0) rc = -1;
  free(text);
  if (rc != 0) {
    snprintf(err, len, "%s: cannot hash the scenario", path);
    return -1;
  }
  for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
  return 0;
}

static void param(void *j, const char *name, const char *value) { json_str(j, name, value); }

/* What the model file at path loads as, e.g. "mapping endpoint-independent,
** filtering address-dependent, ports preserve" (", scripted ports" when a
** hook allocates them); "?" when it does not load. */
static void behaviour(const char *path, char *out, size_t len) {
  nat_model m;
  char err[300];
  if (model_load_isolated(path, 0, NULL, &m, err, sizeof err) != 0) {
    snprintf(out, len, "?");
    return;
  }
  snprintf(out, len, "mapping %s, filtering %s, ports %s%s%s", nat_policy_name(m.cfg.mapping),
           nat_policy_name(m.cfg.filtering), nat_alloc_name(m.cfg.alloc),
           m.cfg.alloc_hook ? ", scripted ports" : "", m.pcp ? ", pcp" : "");
  nat_model_release(&m);
}

static void population(json *j, const exp_cfg *c) {
  char b[256];
  json_array(j, "population");
  for (int i = 0; i < c->nclasses; i++) {
    const exp_class *k = &c->classes[i];
    json_object(j, NULL);
    json_str(j, "name", k->name);
    json_num(j, "weight", k->weight);
    json_str(j, "model", k->model);
    json_str(j, "behind", k->behind);
    behaviour(k->model, b, sizeof b);
    json_str(j, "behaviour", b);
    if (k->behind[0]) behaviour(k->behind, b, sizeof b);
    json_str(j, "behind_behaviour", k->behind[0] ? b : "");
    json_end(j, '}');
  }
  json_end(j, ']');
}

static void write_link(json *j, const char *key, const sim_link_cfg *l) {
  json_object(j, key);
  json_num(j, "delay_ms", (double)l->delay / 1e6);
  json_int(j, "rate_bps", (int64_t)l->rate_bps);
  json_num(j, "loss", l->loss);
  json_end(j, '}');
}

static void experiment(json *j, const exp_cfg *c) {
  json_object(j, NULL);
  json_int(j, "pairs", c->pairs);
  population(j, c);
  json_object(j, "links");
  write_link(j, "access", &c->access);
  write_link(j, "lan", &c->lan);
  write_link(j, "gateway", &c->gateway);
  json_end(j, '}');
  json_object(j, "workload");
  json_int(j, "messages", c->messages);
  json_int(j, "size", c->size);
  json_num(j, "over_s", (double)c->over / 1e9);
  json_str(j, "transport", c->quic ? "quic" : "messages");
  json_end(j, '}');
  json_end(j, '}');
}

void config_write(json *j, lua_State *L, const lapi *a, const char *scenario) {
  char hex[65] = "";
  char err[300];
  const exp_cfg *c;
  size_t n = lapi_configs(a, &c);
  if (config_sha256(scenario, hex, err, sizeof err) != 0) hex[0] = '\0';
  json_object(j, "config");
  json_str(j, "scenario_sha256", hex);
  json_object(j, "params");
  params_each(L, param, j);
  json_end(j, '}');
  json_array(j, "experiments");
  for (size_t i = 0; i < n; i++) experiment(j, &c[i]);
  json_end(j, ']');
  json_end(j, '}');
}
