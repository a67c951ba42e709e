// sim.cc: the C API of sim.h over ns-3. The only C++ file, and the only file
// that includes ns-3. Every node's top-level IPv4 routing protocol is a
// HookRouting: static routing with an optional C hook that sees (and may
// rewrite or drop) each received packet before it is routed. NATs live in
// that hook; ns-3 3.37 has no NAT of its own.
#include "sim.h"

#include <ns3/core-module.h>
#include <ns3/fd-net-device-module.h>
#include <ns3/internet-module.h>
#include <ns3/network-module.h>
#include <ns3/point-to-point-module.h>

#include <map>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

using namespace ns3;

namespace {

class HookRouting : public Ipv4RoutingProtocol {
 public:
  HookRouting() : m_static(CreateObject<Ipv4StaticRouting>()) {}
  static TypeId GetTypeId() {
    static TypeId tid = TypeId("natsim::HookRouting")
                            .SetParent<Ipv4RoutingProtocol>()
                            .SetGroupName("Internet");
    return tid;
  }
  Ptr<Ipv4StaticRouting> Static() { return m_static; }
  // Host (/32) routes live in a hash: the core has one per attached address,
  // and static routing scans its list for every packet.
  void AddHost(uint32_t ip, uint32_t iface) { m_hosts[ip] = iface; }
  void SetHook(sim_hook_fn fn, void *ctx) {
    m_fn = fn;
    m_ctx = ctx;
  }

  Ptr<Ipv4Route> RouteOutput(Ptr<Packet> p, const Ipv4Header &h,
                             Ptr<NetDevice> oif,
                             Socket::SocketErrno &err) override {
    Ptr<Ipv4Route> r = oif ? nullptr : HostRoute(h.GetDestination());
    if (r) {
      err = Socket::ERROR_NOTERROR;
      return r;
    }
    return m_static->RouteOutput(p, h, oif, err);
  }

  bool RouteInput(Ptr<const Packet> p, const Ipv4Header &h,
                  Ptr<const NetDevice> idev, UnicastForwardCallback ucb,
                  MulticastForwardCallback mcb, LocalDeliverCallback lcb,
                  ErrorCallback ecb) override {
    uint32_t iif = (uint32_t)m_ipv4->GetInterfaceForDevice(idev);
    if (!m_fn) return Route(p, h, idev, iif, ucb, mcb, lcb, ecb);
    sim_pkt pk = {};
    pk.iface = iif;
    pk.proto = h.GetProtocol();
    pk.src_ip = h.GetSource().Get();
    pk.dst_ip = h.GetDestination().Get();
    pk.size = p->GetSize();
    UdpHeader udp;
    bool is_udp = pk.proto == UdpL4Protocol::PROT_NUMBER &&
                  p->PeekHeader(udp) == udp.GetSerializedSize();
    if (is_udp) {
      pk.src_port = udp.GetSourcePort();
      pk.dst_port = udp.GetDestinationPort();
    }
    switch (m_fn(m_ctx, &pk)) {
    case SIM_DROP:
      return true; /* taken care of: silently dropped */
    case SIM_PASS:
      return Route(p, h, idev, iif, ucb, mcb, lcb, ecb);
    case SIM_REWRITE:
      break;
    }
    Ptr<Packet> q = p->Copy();
    Ipv4Header nh = h;
    nh.SetSource(Ipv4Address(pk.src_ip));
    nh.SetDestination(Ipv4Address(pk.dst_ip));
    if (is_udp) Readdress(q, nh, pk.src_port, pk.dst_port);
    return Route(q, nh, idev, iif, ucb, mcb, lcb, ecb);
  }

  void NotifyInterfaceUp(uint32_t i) override { m_static->NotifyInterfaceUp(i); }
  void NotifyInterfaceDown(uint32_t i) override {
    m_static->NotifyInterfaceDown(i);
  }
  void NotifyAddAddress(uint32_t i, Ipv4InterfaceAddress a) override {
    m_static->NotifyAddAddress(i, a);
  }
  void NotifyRemoveAddress(uint32_t i, Ipv4InterfaceAddress a) override {
    m_static->NotifyRemoveAddress(i, a);
  }
  void SetIpv4(Ptr<Ipv4> ipv4) override {
    m_ipv4 = ipv4;
    m_static->SetIpv4(ipv4);
  }
  void PrintRoutingTable(Ptr<OutputStreamWrapper> s,
                         Time::Unit unit) const override {
    m_static->PrintRoutingTable(s, unit);
  }

 private:
  Ptr<Ipv4Route> HostRoute(Ipv4Address dst) const {
    auto it = m_hosts.find(dst.Get());
    if (it == m_hosts.end()) return nullptr;
    Ptr<Ipv4Route> r = Create<Ipv4Route>();
    r->SetDestination(dst);
    r->SetGateway(Ipv4Address::GetZero());
    r->SetSource(m_ipv4->GetAddress(it->second, 0).GetLocal());
    r->SetOutputDevice(m_ipv4->GetNetDevice(it->second));
    return r;
  }

  // Replaces q's UDP header with a fresh one carrying the new ports. A
  // parsed UdpHeader would write its payload size as the length field (ns-3
  // 3.37), so it is not reused; a fresh one writes header plus payload, and
  // its checksum over nh's addresses when ns-3's checksums are on.
  static void Readdress(Ptr<Packet> q, const Ipv4Header &nh, uint16_t sport,
                        uint16_t dport) {
    UdpHeader old;
    q->RemoveHeader(old);
    UdpHeader udp;
    udp.SetSourcePort(sport);
    udp.SetDestinationPort(dport);
    if (Node::ChecksumEnabled()) {
      udp.EnableChecksums();
      udp.InitializeChecksum(nh.GetSource(), nh.GetDestination(), UdpL4Protocol::PROT_NUMBER);
    }
    q->AddHeader(udp);
  }

  // Forwards along a host route, or leaves the packet to static routing
  // (local delivery, other routes). iif: idev's interface.
  bool Route(Ptr<const Packet> p, const Ipv4Header &h, Ptr<const NetDevice> idev, uint32_t iif,
             UnicastForwardCallback ucb, MulticastForwardCallback mcb,
             LocalDeliverCallback lcb, ErrorCallback ecb) {
    Ptr<Ipv4Route> r = HostRoute(h.GetDestination());
    if (r && !m_ipv4->IsDestinationAddress(h.GetDestination(), iif) &&
        m_ipv4->IsForwarding(iif)) {
      ucb(r, p, h);
      return true;
    }
    return m_static->RouteInput(p, h, idev, ucb, mcb, lcb, ecb);
  }

  void DoDispose() override {
    m_static = nullptr;
    m_ipv4 = nullptr;
    Ipv4RoutingProtocol::DoDispose();
  }
  Ptr<Ipv4StaticRouting> m_static;
  Ptr<Ipv4> m_ipv4;
  std::unordered_map<uint32_t, uint32_t> m_hosts;
  sim_hook_fn m_fn = nullptr;
  void *m_ctx = nullptr;
};

// ns-3's binary heap of events, noting the last uid scheduled at each
// time slot (times share a slot by hash, so a slot errs high, never low).
class UidScheduler : public PriorityQueueScheduler {
 public:
  static TypeId GetTypeId() {
    static TypeId tid = TypeId("natsim::UidScheduler")
                            .SetParent<PriorityQueueScheduler>()
                            .SetGroupName("Core")
                            .AddConstructor<UidScheduler>();
    return tid;
  }
  void Insert(const Event &ev) override;
};

class HookRoutingHelper : public Ipv4RoutingHelper {
 public:
  HookRoutingHelper *Copy() const override { return new HookRoutingHelper(*this); }
  Ptr<Ipv4RoutingProtocol> Create(Ptr<Node>) const override {
    return CreateObject<HookRouting>();
  }
};

void deliver(int sock, Ptr<Packet> p, uint32_t from_ip, uint16_t from_port);

// UDP on a node with direct sockets (sim_udp_open_direct): a datagram to
// one of their ports is handed over here, found in a hash; every other
// goes on to ns-3's UDP, whose demultiplexer scans a list of all the
// node's endpoints per datagram. Sits where UDP does, so datagrams come
// reassembled, and ICMP and IPv6 pass through untouched.
class DirectUdp : public IpL4Protocol {
 public:
  static TypeId GetTypeId() {
    static TypeId tid = TypeId("natsim::DirectUdp")
                            .SetParent<IpL4Protocol>()
                            .SetGroupName("Internet");
    return tid;
  }
  void SetUdp(Ptr<UdpL4Protocol> udp) { m_udp = udp; }
  Ptr<UdpL4Protocol> Udp() const { return m_udp; }
  // Port to socket id; ip 0 takes every address of the node.
  std::unordered_map<uint16_t, int> ports;

  int GetProtocolNumber() const override { return UdpL4Protocol::PROT_NUMBER; }

  RxStatus Receive(Ptr<Packet> p, const Ipv4Header &h,
                   Ptr<Ipv4Interface> iface) override {
    UdpHeader udp;
    p->PeekHeader(udp);
    auto it = ports.find(udp.GetDestinationPort());
    if (it == ports.end()) return m_udp->Receive(p, h, iface);
    if (Node::ChecksumEnabled()) {
      udp.EnableChecksums();
      udp.InitializeChecksum(h.GetSource(), h.GetDestination(), UdpL4Protocol::PROT_NUMBER);
    }
    p->RemoveHeader(udp);
    if (!udp.IsChecksumOk()) return RX_CSUM_FAILED;
    deliver(it->second, p, h.GetSource().Get(), udp.GetSourcePort());
    return RX_OK;
  }
  RxStatus Receive(Ptr<Packet> p, const Ipv6Header &h,
                   Ptr<Ipv6Interface> iface) override {
    return m_udp->Receive(p, h, iface);
  }
  void ReceiveIcmp(Ipv4Address src, uint8_t ttl, uint8_t type, uint8_t code,
                   uint32_t info, Ipv4Address psrc, Ipv4Address pdst,
                   const uint8_t payload[8]) override {
    m_udp->ReceiveIcmp(src, ttl, type, code, info, psrc, pdst, payload);
  }
  void ReceiveIcmp(Ipv6Address src, uint8_t ttl, uint8_t type, uint8_t code,
                   uint32_t info, Ipv6Address psrc, Ipv6Address pdst,
                   const uint8_t payload[8]) override {
    m_udp->ReceiveIcmp(src, ttl, type, code, info, psrc, pdst, payload);
  }
  void SetDownTarget(DownTargetCallback cb) override { m_udp->SetDownTarget(cb); }
  void SetDownTarget6(DownTargetCallback6 cb) override { m_udp->SetDownTarget6(cb); }
  DownTargetCallback GetDownTarget() const override { return m_udp->GetDownTarget(); }
  DownTargetCallback6 GetDownTarget6() const override {
    return m_udp->GetDownTarget6();
  }

 private:
  void DoDispose() override {
    m_udp = nullptr;
    IpL4Protocol::DoDispose();
  }
  Ptr<UdpL4Protocol> m_udp;
};

// An ns-3 socket, or a direct one (s null): its node, address and port.
struct Sock {
  Ptr<Socket> s;
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

struct Link {
  uint64_t lost = 0;
  Ptr<NetDevice> dev[2]; /* the ends, as sim_link_new's a and b */
};

// Device queues hold 1000 packets: bursts of probes are normal here, and
// congestion is not what natsim studies. Overflow counts as loss.
struct State {
  State() { p2p.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize", StringValue("1000p")); }
  std::vector<Ptr<Node>> nodes;
  std::vector<Link> links;
  std::vector<Sock> socks;
  std::unordered_map<int, Ptr<DirectUdp>> direct; /* by node */
  // The last event uid scheduled at each hash of a time (UidScheduler).
  std::vector<uint32_t> last_uid = std::vector<uint32_t>(LAST_UID_SLOTS);
  std::map<uint64_t, EventId> timers;
  uint64_t next_timer = 1;
  int64_t next_stream = 0;
  PointToPointHelper p2p;
};

State *g;
bool realtime; /* sim_set_realtime: what sim_init starts */
bool g_realtime; /* the simulation in progress runs in real time */

bool valid_node(int n) { return g && n >= 0 && (size_t)n < g->nodes.size(); }
bool valid_sock(int s) {
  return g && s >= 0 && (size_t)s < g->socks.size() && g->socks[s].open;
}

// The node's direct UDP, put in front of its ns-3 UDP on first use.
Ptr<DirectUdp> direct_udp(int node) {
  Ptr<DirectUdp> &d = g->direct[node];
  if (d) return d;
  d = CreateObject<DirectUdp>();
  d->SetUdp(g->nodes[node]->GetObject<UdpL4Protocol>());
  g->nodes[node]->GetObject<Ipv4L3Protocol>()->Insert(d);
  return d;
}

// Whether port is open directly on node.
bool direct_taken(int node, uint16_t port) {
  auto it = g->direct.find(node);
  return it != g->direct.end() && it->second->ports.count(port);
}

// Whether an ns-3 socket of node is bound to exactly ip:port; found by
// binding it, which fails then.
bool ns3_bound(Ptr<UdpL4Protocol> udp, uint32_t ip, uint16_t port) {
  Ipv4EndPoint *e = udp->Allocate(nullptr, Ipv4Address(ip), port);
  if (!e) return true;
  udp->DeAllocate(e);
  return false;
}

// Whether an ns-3 socket of node is bound to ip:port or to port on any
// address.
bool ns3_taken(int node, uint32_t ip, uint16_t port) {
  Ptr<UdpL4Protocol> udp = g->nodes[node]->GetObject<UdpL4Protocol>();
  return ns3_bound(udp, ip, port) || ns3_bound(udp, 0, port);
}

Ptr<HookRouting> routing(int node) {
  return DynamicCast<HookRouting>(
      g->nodes[node]->GetObject<Ipv4>()->GetRoutingProtocol());
}

void fire(uint64_t id, sim_timer_fn fn, void *arg) {
  g->timers.erase(id);
  fn(arg);
}

// Whether timer can stand for a timer scheduled now for `at` (now, if at
// is past): it is pending for that time, and no event due then was
// scheduled after it, so it runs in the same order among them as a new
// one would. Agents ask again for the same deadline after most packets;
// keeping the event spares a cancel and a schedule.
bool pending_at(uint64_t timer, int64_t at) {
  auto it = g->timers.find(timer);
  if (it == g->timers.end()) return false;
  int64_t now = Simulator::Now().GetNanoSeconds();
  uint64_t when = (uint64_t)NanoSeconds(at > now ? at : now).GetTimeStep();
  const EventId &ev = it->second;
  return ev.GetTs() == when && g->last_uid[time_slot(when)] <= ev.GetUid();
}

void on_lost(int link, Ptr<const Packet>) { g->links[link].lost++; }

// A point-to-point device's packets go straight to IPv4. ns-3 would pass
// them through Node::ReceiveFromDevice and the traffic control layer, each
// scanning a handler list with an entry per device (thousands at the
// core); a point-to-point link carries nothing but IPv4 here.
bool direct_rx(Ipv4L3Protocol *ip, Ptr<NetDevice> dev, Ptr<const Packet> p,
               uint16_t proto, const Address &from) {
  ip->Receive(dev, p, proto, from, dev->GetAddress(), NetDevice::PACKET_HOST);
  return true;
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
  PriorityQueueScheduler::Insert(ev);
}

void deliver(int sock, Ptr<Packet> p, uint32_t from_ip, uint16_t from_port) {
  std::vector<uint8_t> buf(p->GetSize());
  p->CopyData(buf.data(), buf.size());
  g->socks[sock].fn(g->socks[sock].ctx, buf.data(), buf.size(), from_ip, from_port);
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
  // A binary heap (std::priority_queue) of events: faster here than ns-3's
  // default map, its heap or its calendar queue. Ties run in the order
  // they were scheduled under every scheduler, so results do not change.
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
  uint64_t id = g->next_timer++;
  g->timers[id] =
      Simulator::Schedule(NanoSeconds(delay < 0 ? 0 : delay), &fire, id, fn, arg);
  return id;
}

void sim_cancel(uint64_t timer) {
  if (!g) return;
  auto it = g->timers.find(timer);
  if (it == g->timers.end()) return;
  Simulator::Cancel(it->second);
  g->timers.erase(it);
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
  InternetStackHelper stack;
  stack.SetIpv6StackInstall(false);
  stack.SetRoutingHelper(HookRoutingHelper());
  stack.Install(n);
  // Strong end-system model: a packet is for this node only if addressed to
  // the interface it came in on. The weak model scans every interface of
  // every packet, which is most of the time spent in a core with thousands.
  n->GetObject<Ipv4>()->SetAttribute("WeakEsModel", BooleanValue(false));
  g->nodes.push_back(n);
  return (int)g->nodes.size() - 1;
}

int sim_link_new(int a, int b, const sim_link_cfg *cfg, uint32_t *if_a,
                 uint32_t *if_b) {
  if (!valid_node(a) || !valid_node(b) || a == b || cfg->loss < 0 ||
      cfg->loss > 1 || cfg->delay < 0)
    return -1;
  uint64_t rate = cfg->rate_bps ? cfg->rate_bps : 1000000000ULL;
  g->p2p.SetDeviceAttribute("DataRate", DataRateValue(DataRate(rate)));
  g->p2p.SetChannelAttribute("Delay", TimeValue(NanoSeconds(cfg->delay)));
  NetDeviceContainer d = g->p2p.Install(g->nodes[a], g->nodes[b]);
  int id = (int)g->links.size();
  g->links.push_back(Link());
  g->links[id].dev[0] = d.Get(0);
  g->links[id].dev[1] = d.Get(1);
  uint32_t *ifs[2] = {if_a, if_b};
  for (uint32_t i = 0; i < 2; i++) {
    Ptr<NetDevice> dev = d.Get(i);
    if (cfg->loss > 0) {
      Ptr<RateErrorModel> em = CreateObject<RateErrorModel>();
      em->SetAttribute("ErrorRate", DoubleValue(cfg->loss));
      em->SetAttribute("ErrorUnit", StringValue("ERROR_UNIT_PACKET"));
      if (cfg->stream > 0) em->AssignStreams(cfg->stream + i);
      else g->next_stream += em->AssignStreams(g->next_stream);
      dev->SetAttribute("ReceiveErrorModel", PointerValue(em));
    }
    dev->TraceConnectWithoutContext("PhyRxDrop", MakeBoundCallback(&on_lost, id));
    DynamicCast<PointToPointNetDevice>(dev)->GetQueue()->TraceConnectWithoutContext(
        "Drop", MakeBoundCallback(&on_lost, id));
    Ptr<Ipv4L3Protocol> ip = dev->GetNode()->GetObject<Ipv4L3Protocol>();
    *ifs[i] = ip->AddInterface(dev);
    ip->SetUp(*ifs[i]);
    dev->SetReceiveCallback(MakeBoundCallback(&direct_rx, PeekPointer(ip)));
  }
  return id;
}

uint64_t sim_link_lost(int link) {
  if (!g || link < 0 || (size_t)link >= g->links.size()) return 0;
  return g->links[link].lost;
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
    routing(node)->Static()->AddNetworkRouteTo(Ipv4Address(ip), mask_of(prefix), iface);
  return 0;
}

int sim_link_pcap(int link, int end, const char *path) {
  if (!g || link < 0 || (size_t)link >= g->links.size() || end < 0 || end > 1 || !path)
    return -1;
  g->p2p.EnablePcap(path, g->links[link].dev[end], false, true);
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
  Ptr<Socket> s = Socket::CreateSocket(g->nodes[node], UdpSocketFactory::GetTypeId());
  if (s->Bind(InetSocketAddress(Ipv4Address(ip), port)) != 0) {
    s->Close();
    return -1;
  }
  Address a;
  s->GetSockName(a);
  uint16_t bound = InetSocketAddress::ConvertFrom(a).GetPort();
  if (direct_taken(node, bound)) {
    s->Close();
    return -1;
  }
  int id = (int)g->socks.size();
  g->socks.push_back(Sock{s, fn, ctx, true, node, ip, bound});
  s->SetRecvCallback(MakeBoundCallback(&on_recv, id));
  return id;
}

int sim_udp_open_direct(int node, uint32_t ip, uint16_t port, sim_recv_fn fn,
                        void *ctx) {
  if (!valid_node(node) || ip == 0 || port == 0) return -1;
  if (direct_taken(node, port) || ns3_taken(node, ip, port)) return -1;
  int id = (int)g->socks.size();
  g->socks.push_back(Sock{nullptr, fn, ctx, true, node, ip, port});
  direct_udp(node)->ports[port] = id;
  return id;
}

// A direct socket's datagram goes down as an ns-3 socket bound to an
// address sends it: UDP header, then IPv4 routing.
static void send_direct(const Sock &k, Ptr<Packet> p, uint32_t ip, uint16_t port) {
  Ptr<UdpL4Protocol> udp = g->direct[k.node]->Udp();
  udp->Send(p, Ipv4Address(k.ip), Ipv4Address(ip), k.port, port, nullptr);
}

int sim_udp_send(int sock, uint32_t ip, uint16_t port, const uint8_t *data,
                 size_t len) {
  if (!valid_sock(sock)) return -1;
  Ptr<Packet> p = Create<Packet>(data, (uint32_t)len);
  const Sock &k = g->socks[sock];
  if (!k.s) {
    send_direct(k, p, ip, port);
    return 0;
  }
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
  else g->direct[k.node]->ports.erase(k.port);
  k.s = nullptr;
  k.open = false;
}

}  // extern "C"
