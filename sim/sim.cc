// sim.cc: the C API of sim.h over ns-3. With ipv4.cc (each node's IPv4:
// routing with the NAT hook, and sim's own sockets) and link_end.cc (a
// link's ends) the only files that include ns-3; they and flat.h (their
// hash map) are the only C++.
#include "sim.h"

#include "ipv4.h"
#include "link_end.h"

#include <ns3/core-module.h>
#include <ns3/fd-net-device-module.h>
#include <ns3/internet-module.h>
#include <ns3/network-module.h>
#include <ns3/traffic-control-layer.h>

#include <algorithm>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

using namespace ns3;

using natsim::DirectUdp;
using natsim::HookRouting;
using natsim::LinkEnd;

namespace {

void deliver(int sock, Ptr<Packet> p, uint32_t from_ip, uint16_t from_port);

// Pending events in a 4-ary min-heap by (time, uid): half the depth of a
// binary heap, and a node's four children lie side by side (two cache
// lines), so a large queue costs fewer cache misses per event. Keys are
// unique, so events run in the same order as under any of ns-3's
// schedulers. Noting the last uid scheduled at each time slot (times share
// a slot by hash, so a slot errs high, never low).
class UidScheduler : public Scheduler {
 public:
  static TypeId GetTypeId() {
    static TypeId tid = TypeId("natsim::UidScheduler")
                            .SetParent<Scheduler>()
                            .SetGroupName("Core")
                            .AddConstructor<UidScheduler>();
    return tid;
  }
  void Insert(const Event &ev) override;
  bool IsEmpty() const override { return m_heap.empty(); }
  Event PeekNext() const override { return m_heap.front(); }
  Event RemoveNext() override;
  void Remove(const Event &ev) override;

 private:
  void Up(size_t i);
  void Down(size_t i);
  std::vector<Event> m_heap;
};

// An ns-3 socket, or a direct one (s null): its node, address and port.
struct Sock {
  Ptr<Socket> s;
  HookRouting *rt; /* its node's */
  sim_recv_fn fn;
  void *ctx;
  bool open;
  int node;
  uint32_t ip;
  uint16_t port;
};

constexpr size_t LAST_UID_BITS = 16;
constexpr size_t LAST_UID_SLOTS = size_t{1} << LAST_UID_BITS;

size_t time_slot(uint64_t ts) {
  return (size_t)((ts * 0x9E3779B97F4A7C15ULL) >> (64 - LAST_UID_BITS));
}

// A timer's slot: its pending event while `id` is the timer's id. A
// timer id is the slot's index + 1 in its low 32 bits and the slot's use
// count in its high ones, so an id kept after its timer ran or was
// cancelled names no timer, even once the slot is reused.
struct TimerSlot {
  uint64_t id = 0; /* 0: free */
  uint32_t uses = 0;
  EventId ev;
};

struct Link {
  Ptr<LinkEnd> dev[2]; /* the ends, as sim_link_new's a and b */
};

struct State {
  std::vector<Ptr<Node>> nodes;
  std::vector<Link> links;
  std::vector<Sock> socks;
  std::unordered_map<int, Ptr<DirectUdp>> direct; /* by node */
  // The last event uid scheduled at each hash of a time (UidScheduler).
  std::vector<uint32_t> last_uid = std::vector<uint32_t>(LAST_UID_SLOTS);
  std::vector<TimerSlot> timers;  /* slots, reused last-freed first: few and warm */
  std::vector<uint32_t> free_timers;
  int64_t next_stream = 0;
};

State *g;
bool realtime; /* sim_set_realtime: what sim_init starts */
bool g_realtime; /* the simulation in progress runs in real time */

bool valid_node(int n) { return g && n >= 0 && (size_t)n < g->nodes.size(); }
bool valid_sock(int s) {
  return g && s >= 0 && (size_t)s < g->socks.size() && g->socks[s].open;
}

Ptr<HookRouting> routing(int node) {
  return DynamicCast<HookRouting>(
      g->nodes[node]->GetObject<Ipv4>()->GetRoutingProtocol());
}

// The node's direct UDP, put in front of its ns-3 UDP on first use.
Ptr<DirectUdp> direct_udp(int node) {
  Ptr<DirectUdp> &d = g->direct[node];
  if (d) return d;
  d = CreateObject<DirectUdp>();
  d->SetUdp(g->nodes[node]->GetObject<UdpL4Protocol>());
  g->nodes[node]->GetObject<Ipv4L3Protocol>()->Insert(d);
  d->SetDeliver(&deliver);
  routing(node)->SetDirect(d);
  return d;
}

// The pending timer `id`, or null.
TimerSlot *find_timer(uint64_t id) {
  size_t i = (size_t)(id & 0xffffffffu);
  if (i == 0 || i > g->timers.size() || g->timers[i - 1].id != id) return nullptr;
  return &g->timers[i - 1];
}

void free_timer(TimerSlot *t) {
  t->id = 0;
  g->free_timers.push_back((uint32_t)(t - g->timers.data()));
}

void fire(uint64_t id, sim_timer_fn fn, void *arg) {
  free_timer(find_timer(id));
  fn(arg);
}

// Whether timer can stand for a timer scheduled now for `at` (now, if at
// is past): it is pending for that time, and no event due then was
// scheduled after it, so it runs in the same order among them as a new
// one would. Agents ask again for the same deadline after most packets;
// keeping the event spares a cancel and a schedule.
bool pending_at(uint64_t timer, int64_t at) {
  const TimerSlot *t = find_timer(timer);
  if (!t) return false;
  int64_t now = Simulator::Now().GetNanoSeconds();
  uint64_t when = (uint64_t)NanoSeconds(at > now ? at : now).GetTimeStep();
  const EventId &ev = t->ev;
  return ev.GetTs() == when && g->last_uid[time_slot(when)] <= ev.GetUid();
}

void on_recv(int id, Ptr<Socket> s) {
  Address from;
  Ptr<Packet> p;
  std::vector<uint8_t> buf;
  while (g->socks[id].s == s && (p = s->RecvFrom(from))) {
    buf.resize(p->GetSize());
    p->CopyData(buf.data(), buf.size());
    InetSocketAddress a = InetSocketAddress::ConvertFrom(from);
    g->socks[id].fn(g->socks[id].ctx, buf.data(), buf.size(),
                    a.GetIpv4().Get(), a.GetPort());
  }
}

void UidScheduler::Insert(const Event &ev) {
  if (g) g->last_uid[time_slot(ev.key.m_ts)] = ev.key.m_uid;
  m_heap.push_back(ev);
  Up(m_heap.size() - 1);
}

Scheduler::Event UidScheduler::RemoveNext() {
  Event first = m_heap.front();
  m_heap.front() = m_heap.back();
  m_heap.pop_back();
  if (!m_heap.empty()) Down(0);
  return first;
}

void UidScheduler::Remove(const Event &ev) {
  size_t i = 0;
  while (i < m_heap.size() && m_heap[i].key.m_uid != ev.key.m_uid) i++;
  if (i == m_heap.size()) return;
  m_heap[i] = m_heap.back();
  m_heap.pop_back();
  if (i == m_heap.size()) return;
  Up(i);
  Down(i);
}

// Moves the event at i up to its place.
void UidScheduler::Up(size_t i) {
  Event ev = m_heap[i];
  while (i > 0) {
    size_t parent = (i - 1) / 4;
    if (!(ev.key < m_heap[parent].key)) break;
    m_heap[i] = m_heap[parent];
    i = parent;
  }
  m_heap[i] = ev;
}

// Moves the event at i down to its place.
void UidScheduler::Down(size_t i) {
  Event ev = m_heap[i];
  size_t n = m_heap.size();
  for (;;) {
    size_t first = 4 * i + 1;
    if (first >= n) break;
    size_t last = std::min(first + 4, n);
    size_t least = first;
    for (size_t c = first + 1; c < last; c++)
      if (m_heap[c].key < m_heap[least].key) least = c;
    if (!(m_heap[least].key < ev.key)) break;
    m_heap[i] = m_heap[least];
    i = least;
  }
  m_heap[i] = ev;
}

// Hands p's bytes to socket sock's callback: from a buffer on the stack
// when they fit (the callback may send, and a datagram to the node's own
// address comes back here before it returns), else from the heap.
void deliver(int sock, Ptr<Packet> p, uint32_t from_ip, uint16_t from_port) {
  uint8_t small[2048];
  std::vector<uint8_t> big;
  uint32_t n = p->GetSize();
  uint8_t *buf = small;
  if (n > sizeof small) {
    big.resize(n);
    buf = big.data();
  }
  p->CopyData(buf, n);
  g->socks[sock].fn(g->socks[sock].ctx, buf, n, from_ip, from_port);
}

// An ns-3 UDP socket of node on ip (0: any) and a port ns-3 picks, which
// goes to *port; null when ns-3 has none left.
Ptr<Socket> ns3_socket(int node, uint32_t ip, uint16_t *port) {
  Ptr<Socket> s = Socket::CreateSocket(g->nodes[node], UdpSocketFactory::GetTypeId());
  if (s->Bind(InetSocketAddress(Ipv4Address(ip), 0)) != 0) {
    s->Close();
    return nullptr;
  }
  Address a;
  s->GetSockName(a);
  *port = InetSocketAddress::ConvertFrom(a).GetPort();
  return s;
}

Ipv4Mask mask_of(int prefix) {
  return Ipv4Mask(prefix == 0 ? 0u : ~0u << (32 - prefix));
}

}  // namespace

extern "C" {

int sim_init(uint64_t seed) {
  sim_destroy();
  RngSeedManager::SetSeed(1);
  RngSeedManager::SetRun(seed);
  // Bound before the simulator is made again (lazily, at its first use).
  GlobalValue::Bind("SimulatorImplementationType",
                    StringValue(realtime ? "ns3::RealtimeSimulatorImpl"
                                         : "ns3::DefaultSimulatorImpl"));
  // A 4-ary heap of events: faster here than ns-3's default map, its
  // binary heaps or its calendar queue. Ties run in the order they were
  // scheduled under every scheduler, so results do not change.
  // UidScheduler is that heap, noting what sim_rearm needs to know.
  UidScheduler::GetTypeId();
  GlobalValue::Bind("SchedulerType", StringValue("natsim::UidScheduler"));
  GlobalValue::Bind("ChecksumEnabled", BooleanValue(realtime));
  g_realtime = realtime;
  g = new (std::nothrow) State();
  return g ? 0 : -1;
}

void sim_set_realtime(int on) { realtime = on != 0; }
int sim_is_realtime(void) { return g && g_realtime ? 1 : 0; }

void sim_destroy(void) {
  if (!g) return;
  for (Sock &s : g->socks)
    if (s.s) s.s->Close();
  Simulator::Destroy();
  delete g;
  g = nullptr;
}

int64_t sim_now(void) { return Simulator::Now().GetNanoSeconds(); }
uint64_t sim_event_count(void) { return Simulator::GetEventCount(); }

void sim_run_until(int64_t until) {
  int64_t now = sim_now();
  Simulator::Stop(NanoSeconds(until > now ? until - now : 0));
  Simulator::Run();
}

void sim_stop(void) { Simulator::Stop(); }

uint64_t sim_schedule(int64_t delay, sim_timer_fn fn, void *arg) {
  if (!g) return 0;
  uint32_t i;
  if (!g->free_timers.empty()) {
    i = g->free_timers.back();
    g->free_timers.pop_back();
  } else {
    i = (uint32_t)g->timers.size();
    g->timers.emplace_back();
  }
  TimerSlot &t = g->timers[i];
  t.uses++;
  t.id = (uint64_t)t.uses << 32 | (i + 1);
  t.ev = Simulator::Schedule(NanoSeconds(delay < 0 ? 0 : delay), &fire, t.id, fn, arg);
  return t.id;
}

void sim_cancel(uint64_t timer) {
  if (!g) return;
  TimerSlot *t = find_timer(timer);
  if (!t) return;
  Simulator::Cancel(t->ev);
  free_timer(t);
}

uint64_t sim_rearm(uint64_t old, int64_t at, sim_timer_fn fn, void *arg) {
  if (!g) return 0;
  if (old && at != INT64_MAX && pending_at(old, at)) return old;
  if (old) sim_cancel(old);
  if (at == INT64_MAX) return 0;
  return sim_schedule(at - sim_now(), fn, arg);
}

int sim_node_new(void) {
  if (!g) return -1;
  Ptr<Node> n = CreateObject<Node>();
  // IPv4 as InternetStackHelper installs it, without the TCP and packet
  // sockets natsim never opens (they cost time and memory per node).
  Ptr<ArpL3Protocol> arp = CreateObject<ArpL3Protocol>();
  Ptr<Ipv4L3Protocol> ip = CreateObject<Ipv4L3Protocol>();
  Ptr<TrafficControlLayer> tc = CreateObject<TrafficControlLayer>();
  n->AggregateObject(arp);
  n->AggregateObject(ip);
  n->AggregateObject(CreateObject<Icmpv4L4Protocol>());
  ip->SetRoutingProtocol(CreateObject<HookRouting>());
  n->AggregateObject(tc);
  n->AggregateObject(CreateObject<UdpL4Protocol>());
  arp->SetTrafficControl(tc);
  // Strong end-system model: a packet is for this node only if addressed to
  // the interface it came in on. The weak model scans every interface of
  // every packet, which is most of the time spent in a core with thousands.
  n->GetObject<Ipv4>()->SetAttribute("WeakEsModel", BooleanValue(false));
  g->nodes.push_back(n);
  return (int)g->nodes.size() - 1;
}

// One end of a link, on node n.
static Ptr<LinkEnd> link_end(int n) {
  Ptr<LinkEnd> end = CreateObject<LinkEnd>();
  end->SetAddress(Mac48Address::Allocate());
  g->nodes[n]->AddDevice(end);
  return end;
}

// The error model of an end of a link that loses a share loss of packets
// on arrival, drawing from stream (<= 0: the next free streams).
static Ptr<ErrorModel> loss_model(double loss, int64_t stream) {
  Ptr<RateErrorModel> em = CreateObject<RateErrorModel>();
  em->SetAttribute("ErrorRate", DoubleValue(loss));
  em->SetAttribute("ErrorUnit", StringValue("ERROR_UNIT_PACKET"));
  if (stream > 0) em->AssignStreams(stream);
  else g->next_stream += em->AssignStreams(g->next_stream);
  return em;
}

int sim_link_new(int a, int b, const sim_link_cfg *cfg, uint32_t *if_a,
                 uint32_t *if_b) {
  if (!valid_node(a) || !valid_node(b) || a == b || cfg->loss < 0 ||
      cfg->loss > 1 || cfg->delay < 0)
    return -1;
  uint64_t rate = cfg->rate_bps ? cfg->rate_bps : 1000000000ULL;
  Ptr<LinkEnd> d[2] = {link_end(a), link_end(b)};
  LinkEnd::Join(d[0], d[1], cfg->delay, rate);
  int id = (int)g->links.size();
  g->links.push_back(Link());
  g->links[id].dev[0] = d[0];
  g->links[id].dev[1] = d[1];
  uint32_t *ifs[2] = {if_a, if_b};
  for (uint32_t i = 0; i < 2; i++) {
    if (cfg->loss > 0)
      d[i]->SetErrorModel(loss_model(cfg->loss, cfg->stream > 0 ? cfg->stream + i : 0));
    Ptr<Ipv4L3Protocol> ip = d[i]->GetNode()->GetObject<Ipv4L3Protocol>();
    *ifs[i] = ip->AddInterface(d[i]);
    ip->SetUp(*ifs[i]);
    d[i]->SetTarget(PeekPointer(routing(i == 0 ? a : b)), *ifs[i], PeekPointer(ip));
  }
  return id;
}

uint64_t sim_link_lost(int link) {
  if (!g || link < 0 || (size_t)link >= g->links.size()) return 0;
  return g->links[link].dev[0]->Lost() + g->links[link].dev[1]->Lost();
}

int sim_addr_add(int node, uint32_t iface, uint32_t ip, int prefix) {
  if (!valid_node(node) || prefix < 0 || prefix > 32) return -1;
  Ptr<Ipv4> ipv4 = g->nodes[node]->GetObject<Ipv4>();
  if (iface >= ipv4->GetNInterfaces()) return -1;
  ipv4->AddAddress(iface, Ipv4InterfaceAddress(Ipv4Address(ip), mask_of(prefix)));
  return 0;
}

int sim_route_add(int node, uint32_t ip, int prefix, uint32_t iface) {
  if (!valid_node(node) || prefix < 0 || prefix > 32) return -1;
  if (iface >= g->nodes[node]->GetObject<Ipv4>()->GetNInterfaces()) return -1;
  if (prefix == 32)
    routing(node)->AddHost(ip, iface);
  else
    routing(node)->AddNet(ip, mask_of(prefix), iface);
  return 0;
}

int sim_link_pcap(int link, int end, const char *path) {
  if (!g || link < 0 || (size_t)link >= g->links.size() || end < 0 || end > 1 || !path)
    return -1;
  PcapHelper helper;
  g->links[link].dev[end]->SetPcap(helper.CreateFile(path, std::ios::out, PcapHelper::DLT_PPP));
  return 0;
}

int sim_fd_new(int node, int fd, uint32_t ip) {
  if (!valid_node(node) || fd < 0 || !g_realtime) return -1;
  Ptr<FdNetDevice> dev = CreateObject<FdNetDevice>();
  dev->SetAddress(Mac48Address::Allocate());
  dev->SetFileDescriptor(fd);
  g->nodes[node]->AddDevice(dev);
  Ptr<Ipv4> ipv4 = g->nodes[node]->GetObject<Ipv4>();
  uint32_t iface = ipv4->AddInterface(dev);
  ipv4->AddAddress(iface, Ipv4InterfaceAddress(Ipv4Address(ip), mask_of(32)));
  ipv4->SetUp(iface);
  return (int)iface;
}

int sim_node_hook(int node, sim_hook_fn fn, void *ctx) {
  if (!valid_node(node)) return -1;
  routing(node)->SetHook(fn, ctx);
  return 0;
}

int sim_udp_open(int node, uint32_t ip, uint16_t port, sim_recv_fn fn,
                 void *ctx) {
  if (!valid_node(node)) return -1;
  Sock k = {nullptr, PeekPointer(routing(node)), fn, ctx, true, node, ip, port};
  if (port == 0 && !(k.s = ns3_socket(node, ip, &k.port))) return -1;
  int id = (int)g->socks.size();
  if (!direct_udp(node)->Bind(ip, k.port, id, k.s != nullptr)) {
    if (k.s) k.s->Close();
    return -1;
  }
  g->socks.push_back(k);
  if (k.s) k.s->SetRecvCallback(MakeBoundCallback(&on_recv, id));
  return id;
}

int sim_udp_send(int sock, uint32_t ip, uint16_t port, const uint8_t *data,
                 size_t len) {
  if (!valid_sock(sock)) return -1;
  Ptr<Packet> p = Create<Packet>(data, (uint32_t)len);
  const Sock &k = g->socks[sock];
  if (!k.s) return k.rt->Send(p, k.ip, k.port, ip, port);
  return k.s->SendTo(p, 0, InetSocketAddress(Ipv4Address(ip), port)) < 0 ? -1 : 0;
}

uint16_t sim_udp_port(int sock) {
  if (!valid_sock(sock)) return 0;
  return g->socks[sock].port;
}

void sim_udp_close(int sock) {
  if (!valid_sock(sock)) return;
  Sock &k = g->socks[sock];
  if (k.s) k.s->Close();
  g->direct[k.node]->Unbind(k.ip, k.port);
  k.s = nullptr;
  k.open = false;
}

}  // extern "C"
