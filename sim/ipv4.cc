// ipv4.cc: HookRouting and DirectUdp (ipv4.h).
#include "ipv4.h"

namespace natsim {

TypeId DirectUdp::GetTypeId() {
  static TypeId tid = TypeId("natsim::DirectUdp")
                          .SetParent<IpL4Protocol>()
                          .SetGroupName("Internet");
  return tid;
}

bool DirectUdp::Bind(uint32_t ip, uint16_t port, int id, bool ns3) {
  if (Taken(ip, port)) return false;
  m_socks[Key(ip, port)] = Bound{id, ns3};
  m_bound[port]++;
  return true;
}

bool DirectUdp::Take(Ptr<Packet> p, const Ipv4Header &h, RxStatus *st) {
  UdpHeader udp;
  p->PeekHeader(udp);
  uint16_t port = udp.GetDestinationPort();
  const Bound *b = m_socks.Find(Key(h.GetDestination().Get(), port));
  if (!b) b = m_socks.Find(Key(0, port));
  if (!b || b->ns3) return false;
  if (Node::ChecksumEnabled()) {
    udp.EnableChecksums();
    udp.InitializeChecksum(h.GetSource(), h.GetDestination(), UdpL4Protocol::PROT_NUMBER);
  }
  p->RemoveHeader(udp);
  *st = udp.IsChecksumOk() ? RX_OK : RX_CSUM_FAILED;
  if (*st == RX_OK) m_deliver(b->sock, p, h.GetSource().Get(), udp.GetSourcePort());
  return true;
}

TypeId HookRouting::GetTypeId() {
  static TypeId tid = TypeId("natsim::HookRouting")
                          .SetParent<Ipv4RoutingProtocol>()
                          .SetGroupName("Internet");
  return tid;
}

Ptr<Ipv4Route> HookRouting::RouteOutput(Ptr<Packet> p, const Ipv4Header &h,
                                        Ptr<NetDevice> oif,
                                        Socket::SocketErrno &err) {
  Ptr<Ipv4Route> r = oif ? nullptr : HostRoute(h.GetDestination());
  if (r) {
    err = Socket::ERROR_NOTERROR;
    return r;
  }
  return m_static->RouteOutput(p, h, oif, err);
}

bool HookRouting::RouteInput(Ptr<const Packet> p, const Ipv4Header &h,
                             Ptr<const NetDevice> idev, UnicastForwardCallback ucb,
                             MulticastForwardCallback mcb, LocalDeliverCallback lcb,
                             ErrorCallback ecb) {
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
  Ptr<Packet> q = p->Copy();
  Rewrite(q, &nh, pk, is_udp);
  return Route(q, nh, idev, iif, ucb, mcb, lcb, ecb);
}

bool HookRouting::Take(uint32_t iif, Ptr<Packet> q) {
  if (Node::ChecksumEnabled() || iif >= m_ifs.size() || !m_ifs[iif].up) return false;
  Ipv4Header h;
  if (q->PeekHeader(h) != h.GetSerializedSize() || !Plain(h, q->GetSize())) return false;
  q->RemoveAtStart(h.GetSerializedSize());
  if (m_fn) {
    sim_pkt pk;
    bool is_udp = Look(q, h, iif, &pk);
    switch (m_fn(m_ctx, &pk)) {
    case SIM_DROP:
      return true;
    case SIM_PASS:
      break;
    case SIM_REWRITE:
      Rewrite(q, &h, pk, is_udp);
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

int HookRouting::Send(Ptr<Packet> p, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport) {
  Hop hop = Lookup(dst);
  bool special = Special(dst);
  if (src == 0 && (hop.oif < 0 || special)) return -1;
  Ipv4Address from(src ? src : hop.src);
  const Iface *out = Out(hop);
  const uint32_t headers = 8 + 20; /* UDP and IPv4 */
  if (Node::ChecksumEnabled() || special || !out || out->Has(dst) ||
      p->GetSize() + headers > out->mtu) {
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

void HookRouting::NotifyAddAddress(uint32_t i, Ipv4InterfaceAddress a) {
  uint32_t ip = a.GetLocal().Get();
  bool host = a.GetMask() == Ipv4Mask::GetOnes();
  if (!host || m_addrs[ip]++ == 0) m_static->NotifyAddAddress(i, a);
  Sync(i);
}

void HookRouting::NotifyRemoveAddress(uint32_t i, Ipv4InterfaceAddress a) {
  uint32_t *n = m_addrs.Find(a.GetLocal().Get());
  if (n && --*n == 0) m_addrs.Erase(a.GetLocal().Get());
  m_static->NotifyRemoveAddress(i, a);
  Sync(i);
}

void HookRouting::SetIpv4(Ptr<Ipv4> ipv4) {
  m_ipv4 = ipv4;
  m_static->SetIpv4(ipv4);
  UintegerValue ttl;
  ipv4->GetAttribute("DefaultTtl", ttl);
  m_ttl = (uint8_t)ttl.Get();
}

void HookRouting::Sync(uint32_t i) {
  if (m_ifs.size() <= i) m_ifs.resize(i + 1);
  Iface &f = m_ifs[i];
  f.dev = PeekPointer(m_ipv4->GetNetDevice(i));
  f.up = m_ipv4->IsUp(i);
  f.fwd = m_ipv4->IsForwarding(i);
  f.mtu = f.dev->GetMtu();
  f.naddrs = (uint16_t)m_ipv4->GetNAddresses(i);
  f.more.reset();
  if (f.naddrs > 1) f.more = std::make_unique<Iface::More>();
  for (uint32_t j = 0; j < f.naddrs; j++) {
    Ipv4InterfaceAddress a = m_ipv4->GetAddress(i, j);
    uint32_t local = a.GetLocal().Get();
    uint32_t bcast = a.GetBroadcast().Get();
    if (j == 0) {
      f.local0 = local;
      f.bcast0 = bcast;
    } else {
      f.more->locals.push_back(local);
      f.more->bcasts.push_back(bcast);
    }
  }
  m_hops.Clear(); /* routes to the interface's addresses changed with them */
}

HookRouting::Hop HookRouting::Lookup(uint32_t dst) {
  /* Static routing's answers first: an address with a host route is
  ** never among them (AddHost empties them), and most of a NAT's
  ** packets go out by its default route. */
  if (const Hop *c = m_hops.Find(dst)) return *c;
  if (const uint32_t *host = m_hosts.Find(dst)) {
    uint32_t i = *host;
    bool known = i < m_ifs.size() && m_ifs[i].naddrs > 0;
    return Hop{(int32_t)i, known ? m_ifs[i].local0 : m_ipv4->GetAddress(i, 0).GetLocal().Get()};
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

Ptr<Ipv4Route> HookRouting::HostRoute(Ipv4Address dst) const {
  const uint32_t *host = m_hosts.Find(dst.Get());
  if (!host) return nullptr;
  Ptr<Ipv4Route> r = Create<Ipv4Route>();
  r->SetDestination(dst);
  r->SetGateway(Ipv4Address::GetZero());
  r->SetSource(m_ipv4->GetAddress(*host, 0).GetLocal());
  r->SetOutputDevice(m_ipv4->GetNetDevice(*host));
  return r;
}

bool HookRouting::Look(Ptr<const Packet> p, const Ipv4Header &h, uint32_t iif, sim_pkt *pk) {
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

void HookRouting::Rewrite(Ptr<Packet> q, Ipv4Header *nh, const sim_pkt &pk, bool is_udp) {
  nh->SetSource(Ipv4Address(pk.src_ip));
  nh->SetDestination(Ipv4Address(pk.dst_ip));
  if (is_udp) Readdress(q, *nh, pk.src_port, pk.dst_port);
}

bool HookRouting::Forward(Ptr<Packet> q, Ipv4Header h) {
  uint32_t dst = h.GetDestination().Get();
  const Iface *out = Out(Lookup(dst));
  if (!out || q->GetSize() + h.GetSerializedSize() > out->mtu || out->Has(dst)) return false;
  h.SetTtl(h.GetTtl() - 1);
  q->AddHeader(h);
  out->dev->Send(q, out->dev->GetBroadcast(), Ipv4L3Protocol::PROT_NUMBER);
  return true;
}

void HookRouting::Again(uint32_t iif, Ptr<Packet> q, const Ipv4Header &h) {
  Ptr<NetDevice> dev = m_ipv4->GetNetDevice(iif);
  q->AddHeader(h);
  m_hooked = true;
  DynamicCast<Ipv4L3Protocol>(m_ipv4)->Receive(dev, q, Ipv4L3Protocol::PROT_NUMBER,
                                               dev->GetAddress(), dev->GetAddress(),
                                               NetDevice::PACKET_HOST);
  m_hooked = false;
}

void HookRouting::NsSend(Ptr<Packet> p, uint32_t src, uint16_t sport, uint32_t dst,
                         uint16_t dport) {
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

void HookRouting::Readdress(Ptr<Packet> q, const Ipv4Header &nh, uint16_t sport,
                            uint16_t dport) {
  UdpHeader old;
  q->RemoveHeader(old);
  UdpHeader udp;
  udp.SetSourcePort(sport);
  udp.SetDestinationPort(dport);
  if (Node::ChecksumEnabled()) {
    udp.EnableChecksums();
    udp.InitializeChecksum(nh.GetSource(), nh.GetDestination(),
                           UdpL4Protocol::PROT_NUMBER);
  }
  q->AddHeader(udp);
}

bool HookRouting::Route(Ptr<const Packet> p, const Ipv4Header &h, Ptr<const NetDevice> idev,
                        uint32_t iif, UnicastForwardCallback ucb, MulticastForwardCallback mcb,
                        LocalDeliverCallback lcb, ErrorCallback ecb) {
  Ptr<Ipv4Route> r = HostRoute(h.GetDestination());
  if (r && !m_ipv4->IsDestinationAddress(h.GetDestination(), iif) &&
      m_ipv4->IsForwarding(iif)) {
    ucb(r, p, h);
    return true;
  }
  return m_static->RouteInput(p, h, idev, ucb, mcb, lcb, ecb);
}

void HookRouting::DoDispose() {
  m_static = nullptr;
  m_ipv4 = nullptr;
  m_direct = nullptr;
  Ipv4RoutingProtocol::DoDispose();
}

}  // namespace natsim
