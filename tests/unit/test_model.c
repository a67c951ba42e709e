/* Unit tests for NAT model files (scenario/model.c): the presets load with
** the right policies, bad models are refused with the file, the field and
** what is accepted, and the scripted allocate_port hook works. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

static char err[512];

static int load(lua_State *L, const char *file, nat_model *m) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", NATSIM_SOURCE_DIR, file);
  return model_load(L, path, m, err, sizeof err);
}

/* Loads a model from Lua source text, as an inline table. */
static int load_text(lua_State *L, const char *src, nat_model *m) {
  assert_int_equal(luaL_dostring(L, src), LUA_OK);
  int rc = model_from_table(L, -1, "test.lua", m, err, sizeof err);
  lua_pop(L, 1);
  return rc;
}

static int setup(void **state) {
  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  *state = L;
  return 0;
}

static int teardown(void **state) {
  lua_close(*state);
  return 0;
}

static void expect(lua_State *L, const char *file, enum nat_mapping map,
                   enum nat_mapping filt, enum nat_alloc alloc) {
  nat_model m;
  assert_int_equal(load(L, file, &m), 0);
  assert_int_equal(m.cfg.mapping, map);
  assert_int_equal(m.cfg.filtering, filt);
  assert_int_equal(m.cfg.alloc, alloc);
  assert_null(m.cfg.alloc_hook);
  assert_true(m.cfg.port_min >= 1024);
  assert_true(m.cfg.lifetime_ns > 0);
  nat_model_release(&m);
}

static void test_presets(void **state) {
  lua_State *L = *state;
  expect(L, "nat-models/full_cone.lua", NAT_EI, NAT_EI, NAT_PRESERVE);
  expect(L, "nat-models/restricted_cone.lua", NAT_EI, NAT_AD, NAT_PRESERVE);
  expect(L, "nat-models/port_restricted_cone.lua", NAT_EI, NAT_APD, NAT_PRESERVE);
  expect(L, "nat-models/symmetric.lua", NAT_APD, NAT_APD, NAT_SEQUENTIAL);
  expect(L, "nat-models/carrier_grade.lua", NAT_EI, NAT_APD, NAT_RANDOM);
  nat_model m;
  assert_int_equal(load(L, "nat-models/full_cone.lua", &m), 0);
  assert_string_equal(m.name, "full_cone");
}

static void test_all_fields(void **state) {
  nat_model m;
  assert_int_equal(load_text(*state,
      "return {name='x', mapping='address-dependent', filtering='address-dependent',"
      " allocation='sequential', stride=3, port_range={2000, 2999},"
      " mapping_lifetime='30s', hairpinning=false, refresh_on_inbound=true}", &m), 0);
  assert_string_equal(m.name, "x");
  assert_int_equal(m.cfg.mapping, NAT_AD);
  assert_int_equal(m.cfg.stride, 3);
  assert_int_equal(m.cfg.port_min, 2000);
  assert_int_equal(m.cfg.port_max, 2999);
  assert_int_equal(m.cfg.lifetime_ns, 30000000000LL);
  assert_false(m.cfg.hairpin);
  assert_true(m.cfg.refresh_inbound);
}

/* Each bad model must fail with a message holding every needle. */
static void refuse(lua_State *L, const char *src, const char *n1, const char *n2) {
  nat_model m;
  assert_int_equal(load_text(L, src, &m), -1);
  if (!strstr(err, n1) || (n2 && !strstr(err, n2)))
    fail_msg("message \"%s\" lacks \"%s\" / \"%s\"", err, n1, n2 ? n2 : "");
  assert_non_null(strstr(err, "test.lua"));
}

static void test_invalid(void **state) {
  lua_State *L = *state;
  const char *ok = "mapping='endpoint-independent', filtering='endpoint-independent'";
  char src[512];
  refuse(L, "return {mapping='eim', filtering='endpoint-independent'}",
         "field 'mapping'", "one of endpoint-independent, address-dependent");
  refuse(L, "return {mapping='endpoint-independent', filtering=3}",
         "field 'filtering'", "got 3");
  refuse(L, "return {filtering='endpoint-independent'}", "field 'mapping' is required", NULL);
  /* A valid model plus one bad field: the field named, and what it accepts. */
  static const struct {
    const char *field, *named, *accepts;
  } bad[] = {
      {"port_range={0, 100}", "field 'port_range'", "1 <= min <= max <= 65535"},
      {"port_range={2000, 70000}", "field 'port_range'", NULL},
      {"port_range={3000, 2000}", "field 'port_range'", NULL},
      {"allocation='sticky'", "field 'allocation'", "preserve, sequential, random"},
      {"maping='x'", "unknown field \"maping\"", "accepted: name"},
      {"hairpinning='yes'", "field 'hairpinning'", "true or false"},
      {"mapping_lifetime='soon'", "field 'mapping_lifetime'", "duration"},
      {"mapping_lifetime=0", "field 'mapping_lifetime'", "positive"},
      {"stride=0", "field 'stride'", "integer from 1"},
      {"allocate_port=5", "field 'allocate_port'", "a function"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    snprintf(src, sizeof src, "return {%s, %s}", ok, bad[i].field);
    refuse(L, src, bad[i].named, bad[i].accepts);
  }
  nat_model m;
  assert_int_equal(load_text(L, "return 42", &m), -1);
  assert_non_null(strstr(err, "expected a NAT model table"));
}

static void test_file_errors(void **state) {
  lua_State *L = *state;
  nat_model m;
  assert_int_equal(load(L, "tests/cli/models/syntax_error.lua", &m), -1);
  assert_non_null(strstr(err, "syntax_error.lua:4:"));
  assert_int_equal(load(L, "tests/cli/models/no_such_file.lua", &m), -1);
  assert_non_null(strstr(err, "no_such_file.lua"));
  assert_int_equal(load(L, "tests/cli/models/bad_policy.lua", &m), -1);
  assert_non_null(strstr(err, "bad_policy.lua:4: field 'filtering'")); /* the field's line */
}

static void test_hook(void **state) {
  lua_State *L = *state;
  nat_model m;
  assert_int_equal(load(L, "tests/cli/models/scripted.lua", &m), 0);
  assert_non_null(m.cfg.alloc_hook);
  nat *n = nat_new(&m.cfg, 0x01020304u, 1);
  nat_flow f = {0xC0A80102u, 0x05060708u, 5000, 80};
  assert_int_equal(nat_outbound(n, 0, &f), NAT_OK);
  assert_int_equal(f.src_port, 6000); /* internal port + 1000 */
  f = (nat_flow){0xC0A80102u, 0x05060709u, 5000, 80};
  assert_int_equal(nat_outbound(n, 0, &f), NAT_OK);
  assert_int_equal(f.src_port, 6011); /* last port + 11 */
  nat_free(n);
  nat_model_release(&m);
}

static void test_hook_errors(void **state) {
  lua_State *L = *state;
  nat_model m;
  assert_int_equal(load_text(L,
      "return {mapping='endpoint-independent', filtering='endpoint-independent',"
      " allocate_port=function(r) error('no ports today') end}", &m), 0);
  nat *n = nat_new(&m.cfg, 0x01020304u, 1);
  nat_flow f = {0xC0A80102u, 0x05060708u, 5000, 80};
  assert_int_equal(nat_outbound(n, 0, &f), NAT_HOOK_ERROR);
  assert_non_null(strstr(nat_error(n), "allocate_port:"));
  assert_non_null(strstr(nat_error(n), "no ports today"));
  nat_free(n);
  nat_model_release(&m);
  assert_int_equal(load_text(L,
      "return {mapping='endpoint-independent', filtering='endpoint-independent',"
      " allocate_port=function(r) return 'five' end}", &m), 0);
  n = nat_new(&m.cfg, 0x01020304u, 1);
  assert_int_equal(nat_outbound(n, 0, &f), NAT_HOOK_ERROR);
  assert_non_null(strstr(nat_error(n), "expected a port number"));
  nat_free(n);
  nat_model_release(&m);
}

int main(void) {
  /* each test on a fresh fixture */
#define FRESH(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
  const struct CMUnitTest tests[] = {
      FRESH(test_presets),
      FRESH(test_all_fields),
      FRESH(test_invalid),
      FRESH(test_file_errors),
      FRESH(test_hook),
      FRESH(test_hook_errors),
  };
  return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
