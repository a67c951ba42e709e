// link_end.cc: one end of a point-to-point link; see link_end.h.
#include "link_end.h"

#include <ns3/ppp-header.h>

namespace natsim {

namespace {

constexpr uint16_t PPP_HEADER_SIZE = 2;
constexpr uint16_t PPP_IPV4 = 0x0021;

}  // namespace

NS_OBJECT_ENSURE_REGISTERED(LinkEnd);

TypeId LinkEnd::GetTypeId() {
  static TypeId tid =
      TypeId("natsim::LinkEnd").SetParent<NetDevice>().SetGroupName("Network").AddConstructor<LinkEnd>();
  return tid;
}

void LinkEnd::Join(Ptr<LinkEnd> a, Ptr<LinkEnd> b, int64_t delay, uint64_t rate_bps) {
  LinkEnd *end[2] = {PeekPointer(a), PeekPointer(b)};
  for (int i = 0; i < 2; i++) {
    end[i]->m_peer = end[1 - i];
    end[i]->m_peer_node = end[1 - i]->m_node->GetId();
    end[i]->m_delay = NanoSeconds(delay);
    end[i]->m_rate = DataRate(rate_bps);
  }
}

bool LinkEnd::SetMtu(const uint16_t mtu) {
  m_mtu = mtu;
  return true;
}

Address LinkEnd::GetMulticast(Ipv4Address) const {
  return Mac48Address("01:00:5e:00:00:00");
}

Address LinkEnd::GetMulticast(Ipv6Address) const {
  return Mac48Address("33:33:00:00:00:00");
}

// Starts p on the wire now, or queues it behind the packet on the wire.
bool LinkEnd::Send(Ptr<Packet> p, const Address &, uint16_t) {
  if (!m_peer) return false;
  if (m_busy) {
    if (m_queue.size() - m_head >= QUEUE_MAX) {
      Lose();
      return false;
    }
    m_queue.push_back(p);
    return true;
  }
  Start(p);
  return true;
}

// As ns-3's device: the end of the transmission first, then the arrival
// at the peer (a packet's time on the wire counts its PPP header).
void LinkEnd::Start(Ptr<Packet> p) {
  m_busy = true;
  if (m_pcap) Capture(p);
  Time tx = m_rate.CalculateBytesTxTime(p->GetSize() + PPP_HEADER_SIZE);
  Simulator::Schedule(tx, &LinkEnd::Complete, this);
  Simulator::ScheduleWithContext(m_peer_node, tx + m_delay, &LinkEnd::Arrive, m_peer, p);
}

void LinkEnd::Complete() {
  m_busy = false;
  if (m_head == m_queue.size()) return;
  Ptr<Packet> p = m_queue[m_head];
  m_queue[m_head] = nullptr;
  m_head++;
  if (m_head == m_queue.size()) {
    m_queue.clear();
    m_head = 0;
  }
  Start(p);
}

// Straight to the node's IPv4: ns-3 would pass the packet through
// Node::ReceiveFromDevice and the traffic control layer, each scanning a
// list with an entry per device (thousands at the core).
void LinkEnd::Arrive(Ptr<Packet> p) {
  if (m_em && m_em->IsCorrupt(p)) {
    Lose();
    return;
  }
  if (m_pcap) Capture(p);
  if (!m_rt->Take(m_iif, p))
    m_ip->Receive(this, p, Ipv4L3Protocol::PROT_NUMBER, m_peer->m_address, m_address,
                  NetDevice::PACKET_HOST);
}

void LinkEnd::Lose() {
  m_lost++;
}

void LinkEnd::Capture(Ptr<const Packet> p) {
  PppHeader ppp;
  ppp.SetProtocol(PPP_IPV4);
  m_pcap->Write(Simulator::Now(), ppp, p);
}

void LinkEnd::DoDispose() {
  m_queue.clear();
  m_em = nullptr;
  m_pcap = nullptr;
  m_node = nullptr;
  m_peer = nullptr;
  NetDevice::DoDispose();
}

}  // namespace natsim
