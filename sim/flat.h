// flat.h: a hash map for the per-packet lookups of ipv4.cc, keyed by a
// whole number (an address, a port, both packed in 64 bits). Its slots
// are one array (open addressing, linear probing), so a lookup in a table
// of thousands (the core's host routes, a server's sockets) costs one
// cache miss, not the two or three of std::unordered_map's buckets and
// nodes. Values are small and plain; nothing iterates over a map.
#ifndef NATSIM_FLAT_H
#define NATSIM_FLAT_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace natsim {

template <typename K, typename V>
class FlatMap {
 public:
  // The value for k, or null. Valid until the next insertion or erasure.
  V *Find(K k) {
    if (m_n == 0) return nullptr;
    for (size_t i = Home(k);; i = Next(i)) {
      Slot &s = m_slots[i];
      if (!s.used) return nullptr;
      if (s.key == k) return &s.val;
    }
  }
  const V *Find(K k) const { return const_cast<FlatMap *>(this)->Find(k); }
  bool Has(K k) const { return Find(k) != nullptr; }

  // The value for k, inserted as V{} when k is absent.
  V &operator[](K k) {
    if (V *v = Find(k)) return *v;
    if (2 * (m_n + 1) > m_slots.size()) Grow();
    size_t i = Home(k);
    while (m_slots[i].used) i = Next(i);
    m_slots[i] = Slot{k, V{}, true};
    m_n++;
    return m_slots[i].val;
  }

  // Removes k; false when it was absent. Later entries of its run move
  // back into the gap, so no lookup ever stops short of its key.
  bool Erase(K k) {
    if (m_n == 0) return false;
    size_t i = Home(k);
    while (m_slots[i].used && !(m_slots[i].key == k)) i = Next(i);
    if (!m_slots[i].used) return false;
    for (size_t j = Next(i);; j = Next(j)) {
      if (!m_slots[j].used) break;
      size_t h = Home(m_slots[j].key);
      // j's entry may fill the gap at i unless its home lies in (i, j].
      bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
      if (stays) continue;
      m_slots[i] = m_slots[j];
      i = j;
    }
    m_slots[i].used = false;
    m_n--;
    return true;
  }

  void Clear() {
    if (m_n == 0) return;
    for (Slot &s : m_slots) s.used = false;
    m_n = 0;
  }

 private:
  struct Slot {
    K key;
    V val;
    bool used;
  };

  size_t Home(K k) const {
    return (size_t)(((uint64_t)k * 0x9E3779B97F4A7C15ULL) >> m_shift);
  }
  size_t Next(size_t i) const { return (i + 1) & (m_slots.size() - 1); }

  // Doubles the slots (8 at first) and puts every entry back.
  void Grow() {
    std::vector<Slot> old;
    old.swap(m_slots);
    size_t cap = old.empty() ? 8 : 2 * old.size();
    m_slots.assign(cap, Slot{K{}, V{}, false});
    m_shift = 64;
    for (size_t c = cap; c > 1; c >>= 1) m_shift--;
    m_n = 0;
    for (const Slot &s : old)
      if (s.used) (*this)[s.key] = s.val;
  }

  std::vector<Slot> m_slots; /* a power of two of them, at most half used */
  unsigned m_shift = 64;     /* 64 - log2(slots): Home's top bits */
  size_t m_n = 0;
};

}  // namespace natsim

#endif
