// ipv4.h: natsim's IPv4 on an ns-3 node (C++, private to sim/; sim.cc is
// its one user). HookRouting is each node's routing protocol: static
// routing, host routes in a hash, and the hook where NATs live (ns-3 3.37
// has no NAT of its own). Its Take and Send do in one step what ns-3's
// IPv4 would do with the common packet in and out; DirectUdp sits where
// UDP does and hands datagrams to sim's own sockets. Everything they do
// not do goes the ns-3 way, with the same packets at the same times.
#ifndef NATSIM_IPV4_H
#define NATSIM_IPV4_H

#include "flat.h"
#include "sim.h"

#include <ns3/core-module.h>
#include <ns3/internet-module.h>
#include <ns3/network-module.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace natsim {

using namespace ns3;

// UDP on a node with sockets of sim's own (sim_udp_open on a given port): a
// datagram to one of them is handed over here, found in a hash; every
// other goes on to ns-3's UDP, whose demultiplexer scans a list of all
// the node's endpoints per datagram. Sits where UDP does, so datagrams
// come reassembled, and ICMP and IPv6 pass through untouched.
class DirectUdp : public IpL4Protocol {
 public:
  static TypeId GetTypeId();
  void SetUdp(Ptr<UdpL4Protocol> udp) { m_udp = udp; }
  Ptr<UdpL4Protocol> Udp() const { return m_udp; }
  // Where Take hands a datagram for a socket of sim's: sim.cc's.
  using DeliverFn = void (*)(int sock, Ptr<Packet> p, uint32_t from_ip, uint16_t from_port);
  void SetDeliver(DeliverFn fn) { m_deliver = fn; }
  // Binds socket id to ip:port (ip 0: every address of the node), one
  // this class hands datagrams to, or, when ns3, one of ns-3's (noted so
  // that no port is bound twice). False when the port is taken there: by
  // ip:port, by 0:port, or, for ip 0, by any address.
  bool Bind(uint32_t ip, uint16_t port, int id, bool ns3);
  void Unbind(uint32_t ip, uint16_t port) {
    if (m_socks.Erase(Key(ip, port)) && --m_bound[port] == 0) m_bound.Erase(port);
  }
  bool Taken(uint32_t ip, uint16_t port) const {
    if (ip == 0) return m_bound.Has(port);
    return m_socks.Has(Key(ip, port)) || m_socks.Has(Key(0, port));
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
  bool Take(Ptr<Packet> p, const Ipv4Header &h, RxStatus *st);
  struct Bound {
    int sock;
    bool ns3; /* an ns-3 socket's: ns-3's UDP takes its datagrams */
  };
  static uint64_t Key(uint32_t ip, uint16_t port) { return (uint64_t)ip << 16 | port; }
  void DoDispose() override {
    m_udp = nullptr;
    IpL4Protocol::DoDispose();
  }
  Ptr<UdpL4Protocol> m_udp;
  DeliverFn m_deliver = nullptr;
  FlatMap<uint64_t, Bound> m_socks; /* by Key(ip, port) */
  FlatMap<uint16_t, int> m_bound;    /* by port: sockets bound to it */
};

// A node's IPv4 routing: static routing, host routes in a hash, and the
// hook (the NAT) that sees every packet the node receives before it is
// routed. Take and Send are natsim's one-step paths for the common
// packet in and out; everything else goes the ns-3 way.
class HookRouting : public Ipv4RoutingProtocol {
 public:
  HookRouting() : m_static(CreateObject<Ipv4StaticRouting>()) {}
  static TypeId GetTypeId();
  // Host (/32) routes live in a hash: the core has one per attached address,
  // and static routing scans its list for every packet.
  void AddHost(uint32_t ip, uint32_t iface) {
    m_hosts[ip] = iface;
    m_hops.Clear();
  }
  void AddNet(uint32_t ip, Ipv4Mask mask, uint32_t iface) {
    m_static->AddNetworkRouteTo(Ipv4Address(ip), mask, iface);
    m_hops.Clear();
  }
  void SetHook(sim_hook_fn fn, void *ctx) {
    m_fn = fn;
    m_ctx = ctx;
  }

  Ptr<Ipv4Route> RouteOutput(Ptr<Packet> p, const Ipv4Header &h,
                             Ptr<NetDevice> oif,
                             Socket::SocketErrno &err) override;

  bool RouteInput(Ptr<const Packet> p, const Ipv4Header &h,
                  Ptr<const NetDevice> idev, UnicastForwardCallback ucb,
                  MulticastForwardCallback mcb, LocalDeliverCallback lcb,
                  ErrorCallback ecb) override;

  // The direct UDP of this node, when it has one (Take hands it packets).
  void SetDirect(Ptr<DirectUdp> d) { m_direct = d; }

  // Takes p (IPv4 header first), in on interface iif, in one step when it
  // is the common case: forwarded along a route, or UDP to a socket of
  // sim's own on this node. Does what ns-3's IPv4 would (the hook, TTL,
  // routing, the device), with the same packets out at the same times,
  // and passes over the layers, traces and lookups natsim does not use.
  // Returns false, having done nothing, when p needs more (fragments,
  // broadcast, an expiring TTL, checksums): ns-3 takes it. When it returns
  // true, p is its own to change (its IPv4 header is gone): the caller
  // must hold the only reference that matters, as a link's end does.
  bool Take(uint32_t iif, Ptr<Packet> p);

  // Sends p (a UDP payload) from src:sport to dst:dport, as ns-3's UDP and
  // IPv4 would for a socket (UdpL4Protocol::Send, Ipv4L3Protocol::Send):
  // the same headers, identification included, to the route's device.
  // src 0: the address routing picks. Returns -1 when src is 0 and no
  // route leads to dst (a socket's "no route to host"); 0 otherwise,
  // sent or, as ns-3 does, dropped for want of a route.
  int Send(Ptr<Packet> p, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport);

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
  void NotifyAddAddress(uint32_t i, Ipv4InterfaceAddress a) override;
  void NotifyRemoveAddress(uint32_t i, Ipv4InterfaceAddress a) override;
  void SetIpv4(Ptr<Ipv4> ipv4) override;
  void PrintRoutingTable(Ptr<OutputStreamWrapper> s,
                         Time::Unit unit) const override {
    m_static->PrintRoutingTable(s, unit);
  }

 private:
  // What Take and Send read of an interface, copied from ns-3 whenever it
  // tells routing of a change (Sync): ns-3's accessors cost a reference
  // count and a copy each. natsim never turns forwarding off, which ns-3
  // would not tell.
  // 32 bytes, two to a cache line: the core has thousands, one read for
  // each packet in and out.
  struct Iface {
    // An interface's addresses after the first, and their subnets'
    // broadcast addresses.
    struct More {
      std::vector<uint32_t> locals, bcasts;
    };
    NetDevice *dev = nullptr;
    std::unique_ptr<More> more; /* null while it has one address or none */
    // Its first address and that subnet's broadcast address: most
    // interfaces have one, kept here with no pointer to follow.
    uint32_t local0 = 0, bcast0 = 0;
    uint16_t mtu = 0;
    uint16_t naddrs = 0;
    bool up = false;
    bool fwd = false;
    // Whether dst is the interface's own address.
    bool Has(uint32_t dst) const {
      if (naddrs == 0) return false;
      if (dst == local0) return true;
      return more && std::find(more->locals.begin(), more->locals.end(), dst) != more->locals.end();
    }
    // Whether a packet to dst in on this interface is for the node: the
    // strong end-system model sim_node_new sets.
    bool Owns(uint32_t dst) const {
      if (Has(dst)) return true;
      if (naddrs == 0) return false;
      if (dst == bcast0) return true;
      return more && std::find(more->bcasts.begin(), more->bcasts.end(), dst) != more->bcasts.end();
    }
  };
  static_assert(sizeof(Iface) <= 32, "an interface's copy fits half a cache line");

  // Where a packet to an address goes: the interface (-1: nowhere) and,
  // for a socket on every address, the source routing picks.
  struct Hop {
    int32_t oif;
    uint32_t src;
  };

  void Sync(uint32_t i);

  // The hop to dst: a host route, else static routing's choice (longest
  // prefix), remembered until a route or an address changes.
  Hop Lookup(uint32_t dst);

  // The interface hop leaves by, when it is known and up; else null.
  const Iface *Out(const Hop &hop) const {
    if (hop.oif < 0 || (size_t)hop.oif >= m_ifs.size() || !m_ifs[hop.oif].up) return nullptr;
    return &m_ifs[hop.oif];
  }

  static bool Special(uint32_t dst) {
    return Ipv4Address(dst).IsBroadcast() || Ipv4Address(dst).IsMulticast();
  }

  Ptr<Ipv4Route> HostRoute(Ipv4Address dst) const;

  // Whether a packet of size bytes with header h is one Take can do alone:
  // whole (no fragment), to one host, with a TTL that survives a hop.
  static bool Plain(const Ipv4Header &h, uint32_t size) {
    return h.IsLastFragment() && h.GetFragmentOffset() == 0 && h.GetTtl() > 1 &&
           !Special(h.GetDestination().Get()) &&
           h.GetPayloadSize() + h.GetSerializedSize() == size;
  }

  // The hook's view of p (its IPv4 header h taken off), in on iif, into
  // pk; whether p is UDP with a whole UDP header.
  static bool Look(Ptr<const Packet> p, const Ipv4Header &h, uint32_t iif, sim_pkt *pk);

  // Makes q (its IPv4 header nh taken off) what the hook rewrote in pk:
  // nh takes the new addresses, and q's UDP header (when is_udp) the new
  // ports.
  static void Rewrite(Ptr<Packet> q, Ipv4Header *nh, const sim_pkt &pk, bool is_udp);

  // Forwards q (header h) as IpForward, SendRealOut and Ipv4Interface::Send
  // would: TTL down by one, the header back on, to the route's device.
  // Traffic control is passed over: natsim installs no queue disc, and a
  // full device queue drops (and counts) what does not fit. Returns false,
  // having done nothing, when ns-3 must see q: no route, a packet over the
  // MTU (fragments), or a destination on the way out's own interface.
  bool Forward(Ptr<Packet> q, Ipv4Header h);

  // Hands q (header h, for this node) to a socket of sim's own, as
  // LocalDeliver would; false, having done nothing, for any other.
  bool Deliver(Ptr<Packet> q, const Ipv4Header &h) {
    return h.GetProtocol() == UdpL4Protocol::PROT_NUMBER && m_direct && m_direct->Take(q, h);
  }

  // q (header h, the hook already applied), in on iif, the ns-3 way.
  void Again(uint32_t iif, Ptr<Packet> q, const Ipv4Header &h);

  // p down the ns-3 way, through its UDP: from src, or, for 0, along the
  // route to dst from the address it picks.
  void NsSend(Ptr<Packet> p, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport);

  // Replaces q's UDP header with a fresh one carrying the new ports. A
  // parsed UdpHeader would write its payload size as the length field (ns-3
  // 3.37), so it is not reused; a fresh one writes header plus payload, and
  // its checksum over nh's addresses when ns-3's checksums are on.
  static void Readdress(Ptr<Packet> q, const Ipv4Header &nh, uint16_t sport,
                        uint16_t dport);

  // Forwards along a host route, or leaves the packet to static routing
  // (local delivery, other routes). iif: idev's interface.
  bool Route(Ptr<const Packet> p, const Ipv4Header &h, Ptr<const NetDevice> idev, uint32_t iif,
             UnicastForwardCallback ucb, MulticastForwardCallback mcb,
             LocalDeliverCallback lcb, ErrorCallback ecb);

  void DoDispose() override;
  Ptr<Ipv4StaticRouting> m_static;
  Ptr<Ipv4> m_ipv4;
  FlatMap<uint32_t, uint32_t> m_hosts;
  sim_hook_fn m_fn = nullptr;
  void *m_ctx = nullptr;
  bool m_hooked = false; /* the packet Again passes on has been through m_fn */
  Ptr<DirectUdp> m_direct;
  std::vector<Iface> m_ifs; /* by interface index */
  FlatMap<uint32_t, uint32_t> m_addrs; /* /32 addresses: interfaces with each */
  FlatMap<uint32_t, Hop> m_hops;       /* static routing's, by destination */
  FlatMap<uint64_t, uint16_t> m_ids;   /* next IP id, by source and destination */
  uint8_t m_ttl = 64;
};

}  // namespace natsim

#endif
