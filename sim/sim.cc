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
#include <ns3/traffic-control-layer.h>

#include <algorithm>
#include <new>
#include <string>
#include <unordered_map>
#include <vector>

using namespace ns3;

namespace {

void deliver(int sock, Ptr<Packet> p, uint32_t from_ip, uint16_t from_port);

// UDP on a node with direct sockets (sim_udp_open on a given port): a
// datagram to one of them is handed over here, found in a hash; every
// other goes on to ns-3's UDP, whose demultiplexer scans a list of all
// the node's endpoints per datagram. Sits where UDP does, so datagrams
// come reassembled, and ICMP and IPv6 pass through untouched.
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
  Ptr<Ipv4RoutingProtocol> Routing() const { return m_routing; }
  void SetRouting(Ptr<Ipv4RoutingProtocol> r) { m_routing = r; }
  // Binds socket id to ip:port (ip 0: every address of the node), one
  // this class hands datagrams to, or, when ns3, one of ns-3's (noted so
  // that no port is bound twice). False when the port is taken there: by
  // ip:port, by 0:port, or, for ip 0, by any address.
  bool Bind(uint32_t ip, uint16_t port, int id, bool ns3) {
    if (Taken(ip, port)) return false;
    m_socks[Key(ip, port)] = Bound{id, ns3};
    m_bound[port]++;
    return true;
  }
  void Unbind(uint32_t ip, uint16_t port) {
    if (m_socks.erase(Key(ip, port)) && --m_bound[port] == 0) m_bound.erase(port);
  }
  bool Taken(uint32_t ip, uint16_t port) const {
    if (ip == 0) return m_bound.count(port) != 0;
    return m_socks.count(Key(ip, port)) || m_socks.count(Key(0, port));
  }

  int GetProtocolNumber() const override { return UdpL4Protocol::PROT_NUMBER; }

  RxStatus Receive(Ptr<Packet> p, const Ipv4Header &h,
                   Ptr<Ipv4Interface> iface) override {
    RxStatus st;
    return Take(p, h, &st) ? st : m_udp->Receive(p, h, iface);
  }
  // Hands p (a UDP datagram, header h) to the direct socket of its port;
  // false, having done nothing, when its port has none.
  bool Take(Ptr<Packet> p, const Ipv4Header &h) {
    RxStatus st;
    return Take(p, h, &st);
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
  bool Take(Ptr<Packet> p, const Ipv4Header &h, RxStatus *st) {
    UdpHeader udp;
    p->PeekHeader(udp);
    uint16_t port = udp.GetDestinationPort();
    auto it = m_socks.find(Key(h.GetDestination().Get(), port));
    if (it == m_socks.end()) it = m_socks.find(Key(0, port));
    if (it == m_socks.end() || it->second.ns3) return false;
    if (Node::ChecksumEnabled()) {
      udp.EnableChecksums();
      udp.InitializeChecksum(h.GetSource(), h.GetDestination(), UdpL4Protocol::PROT_NUMBER);
    }
    p->RemoveHeader(udp);
    *st = udp.IsChecksumOk() ? RX_OK : RX_CSUM_FAILED;
    if (*st == RX_OK) deliver(it->second.sock, p, h.GetSource().Get(), udp.GetSourcePort());
    return true;
  }
  struct Bound {
    int sock;
    bool ns3; /* an ns-3 socket's: ns-3's UDP takes its datagrams */
  };
  static uint64_t Key(uint32_t ip, uint16_t port) { return (uint64_t)ip << 16 | port; }
  void DoDispose() override {
    m_udp = nullptr;
    m_routing = nullptr;
    IpL4Protocol::DoDispose();
  }
  Ptr<UdpL4Protocol> m_udp;
  Ptr<Ipv4RoutingProtocol> m_routing;
  std::unordered_map<uint64_t, Bound> m_socks; /* by Key(ip, port) */
  std::unordered_map<uint16_t, int> m_bound; /* by port: sockets bound to it */
};

class HookRouting : public Ipv4RoutingProtocol {
 public:
  HookRouting() : m_static(CreateObject<Ipv4StaticRouting>()) {}
  static TypeId GetTypeId() {
    static TypeId tid = TypeId("natsim::HookRouting")
                            .SetParent<Ipv4RoutingProtocol>()
                            .SetGroupName("Internet");
    return tid;
  }
  // Host (/32) routes live in a hash: the core has one per attached address,
  // and static routing scans its list for every packet.
  void AddHost(uint32_t ip, uint32_t iface) {
    m_hosts[ip] = iface;
    m_hops.clear();
  }
  void AddNet(uint32_t ip, Ipv4Mask mask, uint32_t iface) {
    m_static->AddNetworkRouteTo(Ipv4Address(ip), mask, iface);
    m_hops.clear();
  }
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
    bool hooked = m_hooked;
    m_hooked = false;
    if (!m_fn || hooked) return Route(p, h, idev, iif, ucb, mcb, lcb, ecb);
    sim_pkt pk;
    bool is_udp = Look(p, h, iif, &pk);
    switch (m_fn(m_ctx, &pk)) {
    case SIM_DROP:
      return true; /* taken care of: silently dropped */
    case SIM_PASS:
      return Route(p, h, idev, iif, ucb, mcb, lcb, ecb);
    case SIM_REWRITE:
      break;
    }
    Ipv4Header nh = h;
    Ptr<Packet> q = Rewrite(p, &nh, pk, is_udp);
    return Route(q, nh, idev, iif, ucb, mcb, lcb, ecb);
  }

  // The direct UDP of this node, when it has one (Take hands it packets).
  void SetDirect(Ptr<DirectUdp> d) { m_direct = d; }

  // Takes p (IPv4 header first), in on interface iif, in one step when it
  // is the common case: forwarded along a route, or UDP to a socket of
  // sim's own on this node. Does what ns-3's IPv4 would (the hook, TTL,
  // routing, the device), with the same packets out at the same times,
  // and passes over the layers, traces and lookups natsim does not use.
  // Returns false, having done nothing, when p needs more (fragments,
  // broadcast, an expiring TTL, checksums): ns-3 takes it.
  bool Take(uint32_t iif, Ptr<const Packet> p) {
    if (Node::ChecksumEnabled() || iif >= m_ifs.size() || !m_ifs[iif].up) return false;
    Ipv4Header h;
    Ptr<Packet> q = p->Copy();
    if (q->RemoveHeader(h) != h.GetSerializedSize() || !Plain(h, p->GetSize())) return false;
    if (m_fn) {
      sim_pkt pk;
      bool is_udp = Look(q, h, iif, &pk);
      switch (m_fn(m_ctx, &pk)) {
      case SIM_DROP:
        return true;
      case SIM_PASS:
        break;
      case SIM_REWRITE:
        q = Rewrite(q, &h, pk, is_udp);
        break;
      }
    }
    uint32_t dst = h.GetDestination().Get();
    bool done;
    if (Special(dst))
      done = false;
    else if (m_ifs[iif].Owns(dst))
      done = Deliver(q, h);
    else
      done = m_ifs[iif].fwd && Forward(q, h);
    if (!done) Again(iif, q, h);
    return true;
  }

  // Sends p (a UDP payload) from src:sport to dst:dport, as ns-3's UDP and
  // IPv4 would for a socket (UdpL4Protocol::Send, Ipv4L3Protocol::Send):
  // the same headers, identification included, to the route's device.
  // src 0: the address routing picks. Returns -1 when src is 0 and no
  // route leads to dst (a socket's "no route to host"); 0 otherwise,
  // sent or, as ns-3 does, dropped for want of a route.
  int Send(Ptr<Packet> p, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport) {
    Hop hop = Lookup(dst);
    if (src == 0 && (hop.oif < 0 || Special(dst))) return -1;
    Ipv4Address from(src ? src : hop.src);
    const Iface *out = Out(hop);
    if (Node::ChecksumEnabled() || Special(dst) || !out || out->Has(dst) ||
        p->GetSize() + 28 > out->mtu) {
      NsSend(p, src, sport, dst, dport);
      return 0;
    }
    UdpHeader udp;
    udp.SetSourcePort(sport);
    udp.SetDestinationPort(dport);
    p->AddHeader(udp);
    Ipv4Header h;
    h.SetSource(from);
    h.SetDestination(Ipv4Address(dst));
    h.SetProtocol(UdpL4Protocol::PROT_NUMBER);
    h.SetPayloadSize(p->GetSize());
    h.SetTtl(m_ttl);
    h.SetTos(0);
    h.SetMayFragment();
    h.SetIdentification(m_ids[(uint64_t)from.Get() << 32 | dst]++);
    p->AddHeader(h);
    out->dev->Send(p, out->dev->GetBroadcast(), Ipv4L3Protocol::PROT_NUMBER);
    return 0;
  }

  void NotifyInterfaceUp(uint32_t i) override {
    m_static->NotifyInterfaceUp(i);
    Sync(i);
  }
  void NotifyInterfaceDown(uint32_t i) override {
    m_static->NotifyInterfaceDown(i);
    Sync(i);
  }
  // Static routing adds a route to each address it is told of, and scans
  // its whole list for a duplicate first. The core carries its address on
  // each of its thousands of interfaces: static routing hears only of an
  // address's first interface (a route to the node's own address is all
  // it needs), so the core's set-up stays linear.
  void NotifyAddAddress(uint32_t i, Ipv4InterfaceAddress a) override {
    uint32_t ip = a.GetLocal().Get();
    bool host = a.GetMask() == Ipv4Mask::GetOnes();
    if (!host || m_addrs[ip]++ == 0) m_static->NotifyAddAddress(i, a);
    Sync(i);
  }
  void NotifyRemoveAddress(uint32_t i, Ipv4InterfaceAddress a) override {
    auto it = m_addrs.find(a.GetLocal().Get());
    if (it != m_addrs.end() && --it->second == 0) m_addrs.erase(it);
    m_static->NotifyRemoveAddress(i, a);
    Sync(i);
  }
  void SetIpv4(Ptr<Ipv4> ipv4) override {
    m_ipv4 = ipv4;
    m_static->SetIpv4(ipv4);
    UintegerValue ttl;
    ipv4->GetAttribute("DefaultTtl", ttl);
    m_ttl = (uint8_t)ttl.Get();
  }
  void PrintRoutingTable(Ptr<OutputStreamWrapper> s,
                         Time::Unit unit) const override {
    m_static->PrintRoutingTable(s, unit);
  }

 private:
  // What Take and Send read of an interface, copied from ns-3 whenever it
  // tells routing of a change (Sync): ns-3's accessors cost a reference
  // count and a copy each. natsim never turns forwarding off, which ns-3
  // would not tell.
  struct Iface {
    NetDevice *dev = nullptr;
    bool up = false;
    bool fwd = false;
    uint32_t mtu = 0;
    std::vector<uint32_t> locals; /* its addresses */
    std::vector<uint32_t> bcasts; /* their subnets' broadcast addresses */
    // Whether dst is the interface's own address.
    bool Has(uint32_t dst) const {
      return std::find(locals.begin(), locals.end(), dst) != locals.end();
    }
    // Whether a packet to dst in on this interface is for the node: the
    // strong end-system model sim_node_new sets.
    bool Owns(uint32_t dst) const {
      return Has(dst) || std::find(bcasts.begin(), bcasts.end(), dst) != bcasts.end();
    }
  };

  // Where a packet to an address goes: the interface (-1: nowhere) and,
  // for a socket on every address, the source routing picks.
  struct Hop {
    int32_t oif;
    uint32_t src;
  };

  void Sync(uint32_t i) {
    if (m_ifs.size() <= i) m_ifs.resize(i + 1);
    Iface &f = m_ifs[i];
    f.dev = PeekPointer(m_ipv4->GetNetDevice(i));
    f.up = m_ipv4->IsUp(i);
    f.fwd = m_ipv4->IsForwarding(i);
    f.mtu = f.dev->GetMtu();
    f.locals.clear();
    f.bcasts.clear();
    for (uint32_t j = 0; j < m_ipv4->GetNAddresses(i); j++) {
      Ipv4InterfaceAddress a = m_ipv4->GetAddress(i, j);
      f.locals.push_back(a.GetLocal().Get());
      f.bcasts.push_back(a.GetBroadcast().Get());
    }
    m_hops.clear(); /* routes to the interface's addresses changed with them */
  }

  // The hop to dst: a host route, else static routing's choice (longest
  // prefix), remembered until a route or an address changes.
  Hop Lookup(uint32_t dst) {
    /* Static routing's answers first: an address with a host route is
    ** never among them (AddHost empties them), and most of a NAT's
    ** packets go out by its default route. */
    auto c = m_hops.find(dst);
    if (c != m_hops.end()) return c->second;
    auto it = m_hosts.find(dst);
    if (it != m_hosts.end()) {
      uint32_t i = it->second;
      bool known = i < m_ifs.size() && !m_ifs[i].locals.empty();
      return Hop{(int32_t)i, known ? m_ifs[i].locals[0] : m_ipv4->GetAddress(i, 0).GetLocal().Get()};
    }
    Ipv4Header h;
    h.SetDestination(Ipv4Address(dst));
    Socket::SocketErrno err;
    Ptr<Ipv4Route> r = m_static->RouteOutput(nullptr, h, nullptr, err);
    Hop hop = {-1, 0};
    if (r) hop = Hop{m_ipv4->GetInterfaceForDevice(r->GetOutputDevice()), r->GetSource().Get()};
    m_hops[dst] = hop;
    return hop;
  }

  // The interface hop leaves by, when it is known and up; else null.
  const Iface *Out(const Hop &hop) const {
    if (hop.oif < 0 || (size_t)hop.oif >= m_ifs.size() || !m_ifs[hop.oif].up) return nullptr;
    return &m_ifs[hop.oif];
  }

  static bool Special(uint32_t dst) {
    return Ipv4Address(dst).IsBroadcast() || Ipv4Address(dst).IsMulticast();
  }

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

  // Whether a packet of size bytes with header h is one Take can do alone:
  // whole (no fragment), to one host, with a TTL that survives a hop.
  static bool Plain(const Ipv4Header &h, uint32_t size) {
    return h.IsLastFragment() && h.GetFragmentOffset() == 0 && h.GetTtl() > 1 &&
           !Special(h.GetDestination().Get()) &&
           h.GetPayloadSize() + h.GetSerializedSize() == size;
  }

  // The hook's view of p (its IPv4 header h taken off), in on iif, into
  // pk; whether p is UDP with a whole UDP header.
  static bool Look(Ptr<const Packet> p, const Ipv4Header &h, uint32_t iif, sim_pkt *pk) {
    *pk = {};
    pk->iface = iif;
    pk->proto = h.GetProtocol();
    pk->src_ip = h.GetSource().Get();
    pk->dst_ip = h.GetDestination().Get();
    pk->size = p->GetSize();
    UdpHeader udp;
    bool is_udp = pk->proto == UdpL4Protocol::PROT_NUMBER &&
                  p->PeekHeader(udp) == udp.GetSerializedSize();
    if (is_udp) {
      pk->src_port = udp.GetSourcePort();
      pk->dst_port = udp.GetDestinationPort();
    }
    return is_udp;
  }

  // p as the hook rewrote it in pk: nh takes the new addresses, and p's
  // UDP header (when is_udp) the new ports.
  static Ptr<Packet> Rewrite(Ptr<const Packet> p, Ipv4Header *nh, const sim_pkt &pk,
                             bool is_udp) {
    Ptr<Packet> q = p->Copy();
    nh->SetSource(Ipv4Address(pk.src_ip));
    nh->SetDestination(Ipv4Address(pk.dst_ip));
    if (is_udp) Readdress(q, *nh, pk.src_port, pk.dst_port);
    return q;
  }

  // Forwards q (header h) as IpForward, SendRealOut and Ipv4Interface::Send
  // would: TTL down by one, the header back on, to the route's device.
  // Traffic control is passed over: natsim installs no queue disc, and a
  // full device queue drops (and counts) what does not fit. Returns false,
  // having done nothing, when ns-3 must see q: no route, a packet over the
  // MTU (fragments), or a destination on the way out's own interface.
  bool Forward(Ptr<Packet> q, Ipv4Header h) {
    uint32_t dst = h.GetDestination().Get();
    const Iface *out = Out(Lookup(dst));
    if (!out || q->GetSize() + h.GetSerializedSize() > out->mtu || out->Has(dst)) return false;
    h.SetTtl(h.GetTtl() - 1);
    q->AddHeader(h);
    out->dev->Send(q, out->dev->GetBroadcast(), Ipv4L3Protocol::PROT_NUMBER);
    return true;
  }

  // Hands q (header h, for this node) to a socket of sim's own, as
  // LocalDeliver would; false, having done nothing, for any other.
  bool Deliver(Ptr<Packet> q, const Ipv4Header &h) {
    return h.GetProtocol() == UdpL4Protocol::PROT_NUMBER && m_direct && m_direct->Take(q, h);
  }

  // q (header h, the hook already applied), in on iif, the ns-3 way.
  void Again(uint32_t iif, Ptr<Packet> q, const Ipv4Header &h) {
    Ptr<NetDevice> dev = m_ipv4->GetNetDevice(iif);
    q->AddHeader(h);
    m_hooked = true;
    DynamicCast<Ipv4L3Protocol>(m_ipv4)->Receive(dev, q, Ipv4L3Protocol::PROT_NUMBER,
                                                 dev->GetAddress(), dev->GetAddress(),
                                                 NetDevice::PACKET_HOST);
    m_hooked = false;
  }

  // p down the ns-3 way, through its UDP: from src, or, for 0, along the
  // route to dst from the address it picks.
  void NsSend(Ptr<Packet> p, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport) {
    Ptr<UdpL4Protocol> udp = m_direct->Udp();
    if (src) {
      udp->Send(p, Ipv4Address(src), Ipv4Address(dst), sport, dport, nullptr);
      return;
    }
    Ipv4Header h;
    h.SetDestination(Ipv4Address(dst));
    h.SetProtocol(UdpL4Protocol::PROT_NUMBER);
    Socket::SocketErrno err;
    Ptr<Ipv4Route> r = RouteOutput(p, h, nullptr, err);
    if (r) udp->Send(p, r->GetSource(), Ipv4Address(dst), sport, dport, r);
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
    m_direct = nullptr;
    Ipv4RoutingProtocol::DoDispose();
  }
  Ptr<Ipv4StaticRouting> m_static;
  Ptr<Ipv4> m_ipv4;
  std::unordered_map<uint32_t, uint32_t> m_hosts;
  sim_hook_fn m_fn = nullptr;
  void *m_ctx = nullptr;
  bool m_hooked = false; /* the packet Again passes on has been through m_fn */
  Ptr<DirectUdp> m_direct;
  std::vector<Iface> m_ifs; /* by interface index */
  std::unordered_map<uint32_t, uint32_t> m_addrs; /* /32 addresses: interfaces with each */
  std::unordered_map<uint32_t, Hop> m_hops; /* static routing's, by destination */
  std::unordered_map<uint64_t, uint16_t> m_ids; /* next IP identification, by source and destination */
  uint8_t m_ttl = 64;
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
  std::unordered_map<uint64_t, EventId> timers;
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
  routing(node)->SetDirect(d);
  d->SetRouting(routing(node));
  return d;
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

// A point-to-point device's packets go straight to its node's IPv4 (ip,
// interface iif): to the routing's Take, then, when it declines, to
// ns-3's IPv4. ns-3 would pass them through Node::ReceiveFromDevice and
// the traffic control layer, each scanning a handler list with an entry
// per device (thousands at the core); a point-to-point link carries
// nothing but IPv4 here.
bool direct_rx(HookRouting *rt, uint32_t iif, Ipv4L3Protocol *ip, Ptr<NetDevice> dev,
               Ptr<const Packet> p, uint16_t proto, const Address &from) {
  if (!rt->Take(iif, p))
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
    dev->SetReceiveCallback(MakeBoundCallback(&direct_rx, PeekPointer(routing(i == 0 ? a : b)),
                                              *ifs[i], PeekPointer(ip)));
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
    routing(node)->AddNet(ip, mask_of(prefix), iface);
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
