// test_flat.cc: sim/flat.h's FlatMap against std::unordered_map.
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <setjmp.h>
#include <unordered_map>

extern "C" {
#include <cmocka.h>
}

#include "flat.h"

using natsim::FlatMap;

// A small deterministic generator (xorshift64*): the test's draws.
static uint64_t next(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545F4914F6CDD1DULL;
}

// Every key of [0, range) is in both maps or in neither, with one value.
static void assert_same(FlatMap<uint32_t, int> &f, const std::unordered_map<uint32_t, int> &m,
                        uint32_t range) {
  for (uint32_t k = 0; k < range; k++) {
    auto it = m.find(k);
    int *v = f.Find(k);
    if (it == m.end()) {
      assert_null(v);
    } else {
      assert_non_null(v);
      assert_int_equal(*v, it->second);
    }
  }
}

// Inserts, updates and erasures at random over a key range small enough
// that runs of colliding keys form and break: the same answers as
// std::unordered_map after every step.
static void test_like_unordered_map(void **state) {
  (void)state;
  FlatMap<uint32_t, int> f;
  std::unordered_map<uint32_t, int> m;
  uint64_t s = 0x9E3779B97F4A7C15ULL;
  const uint32_t range = 300;
  for (int step = 0; step < 20000; step++) {
    uint32_t k = (uint32_t)(next(&s) % range);
    switch (next(&s) % 3) {
    case 0:
      f[k] = step;
      m[k] = step;
      break;
    case 1:
      f[k]++;
      m[k]++;
      break;
    default:
      assert_int_equal(f.Erase(k), m.erase(k) == 1);
      break;
    }
    if (step % 1000 == 0) assert_same(f, m, range);
  }
  assert_same(f, m, range);
  f.Clear();
  assert_same(f, {}, range);
}

// Every other key of a table half full erased, as ipv4.cc packs them
// (address << 16 | port): what is left is still found, what is gone is
// not, whatever the runs of neighbouring slots the erasures broke.
static void test_erase_inside_runs(void **state) {
  (void)state;
  FlatMap<uint64_t, int> f;
  for (int i = 0; i < 64; i++) f[(uint64_t)i << 16 | 3478] = i;
  for (int i = 0; i < 64; i += 2) assert_true(f.Erase((uint64_t)i << 16 | 3478));
  for (int i = 0; i < 64; i++) {
    int *v = f.Find((uint64_t)i << 16 | 3478);
    if (i % 2 == 0) {
      assert_null(v);
    } else {
      assert_non_null(v);
      assert_int_equal(*v, i);
    }
  }
  assert_false(f.Erase(12345));
  assert_true(f.Has((uint64_t)1 << 16 | 3478));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_like_unordered_map),
      cmocka_unit_test(test_erase_inside_runs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
