// link_end.h: one end of a point-to-point link (C++, private to sim/; sim.cc
// is its one user). It times packets exactly as ns-3's point-to-point
// device and channel do (ns-3 3.37), with the same events scheduled in the
// same order, so a run gives the same results, event for event; what it
// leaves out is what natsim never uses: the PPP header on the packet, the
// queue object, a dozen trace sources, and the channel object. A packet
// that arrives goes straight to its node's routing (HookRouting::Take) or,
// when that declines, to ns-3's IPv4.
#ifndef NATSIM_LINK_END_H
#define NATSIM_LINK_END_H

#include "ipv4.h"

#include <ns3/network-module.h>

#include <vector>

namespace natsim {

using namespace ns3;

class LinkEnd : public NetDevice {
 public:
  // Packets waiting to be sent, at most, as natsim set ns-3's device
  // queue before: bursts of probes are normal here, and congestion is not
  // what natsim studies. One more is a loss.
  static constexpr size_t QUEUE_MAX = 1000;

  static TypeId GetTypeId();

  // Joins a and b into a link of delay ns, each end sending at rate_bps;
  // a packet that arrives at an end is lost when that end's error model
  // (null: none) says so. Both ends must be on their nodes already.
  static void Join(Ptr<LinkEnd> a, Ptr<LinkEnd> b, int64_t delay, uint64_t rate_bps);
  // Where an arriving packet goes: routing rt, interface iif of IPv4 ip.
  // Must be set before the link carries a packet.
  void SetTarget(HookRouting *rt, uint32_t iif, Ipv4L3Protocol *ip) {
    m_rt = rt;
    m_iif = iif;
    m_ip = ip;
  }
  void SetErrorModel(Ptr<ErrorModel> em) { m_em = em; }
  // The packets lost at this end: sent into a full queue, or lost on
  // arrival by the error model.
  uint64_t Lost() const { return m_lost; }
  // Writes every packet sent (as it starts on the wire) and received (as
  // it arrives, unless lost) into file, with a PPP header, as ns-3's
  // point-to-point pcap does.
  void SetPcap(Ptr<PcapFileWrapper> file) { m_pcap = file; }

  // NetDevice.
  void SetIfIndex(const uint32_t index) override { m_ifindex = index; }
  uint32_t GetIfIndex() const override { return m_ifindex; }
  Ptr<Channel> GetChannel() const override { return nullptr; }
  void SetAddress(Address address) override { m_address = Mac48Address::ConvertFrom(address); }
  Address GetAddress() const override { return m_address; }
  bool SetMtu(const uint16_t mtu) override;
  uint16_t GetMtu() const override { return m_mtu; }
  bool IsLinkUp() const override { return m_peer != nullptr; }
  void AddLinkChangeCallback(Callback<void>) override {} /* a link never changes */
  bool IsBroadcast() const override { return true; }
  Address GetBroadcast() const override { return Mac48Address::GetBroadcast(); }
  bool IsMulticast() const override { return true; }
  Address GetMulticast(Ipv4Address) const override;
  Address GetMulticast(Ipv6Address) const override;
  bool IsPointToPoint() const override { return true; }
  bool IsBridge() const override { return false; }
  bool Send(Ptr<Packet> p, const Address &dest, uint16_t protocol) override;
  bool SendFrom(Ptr<Packet>, const Address &, const Address &, uint16_t) override {
    return false;
  }
  Ptr<Node> GetNode() const override { return m_node; }
  void SetNode(Ptr<Node> node) override { m_node = node; }
  bool NeedsArp() const override { return false; }
  // Arrivals go where SetTarget says, never to a receive callback.
  void SetReceiveCallback(ReceiveCallback) override {}
  void SetPromiscReceiveCallback(PromiscReceiveCallback) override {}
  bool SupportsSendFrom() const override { return false; }

 protected:
  void DoDispose() override;

 private:
  void Start(Ptr<Packet> p);
  void Complete();
  void Arrive(Ptr<Packet> p);
  void Lose();
  void Capture(Ptr<const Packet> p);

  LinkEnd *m_peer = nullptr;
  uint32_t m_peer_node = 0; /* its node's id: the context of an arrival */
  bool m_busy = false;
  Time m_delay;
  DataRate m_rate;
  std::vector<Ptr<Packet>> m_queue; /* waiting from m_head on */
  size_t m_head = 0;
  Ptr<ErrorModel> m_em;
  uint64_t m_lost = 0;
  Ptr<PcapFileWrapper> m_pcap;
  HookRouting *m_rt = nullptr;
  uint32_t m_iif = 0;
  Ipv4L3Protocol *m_ip = nullptr;
  Ptr<Node> m_node;
  Mac48Address m_address;
  uint32_t m_ifindex = 0;
  uint16_t m_mtu = 1500; /* ns-3's point-to-point default */
};

}  // namespace natsim

#endif
