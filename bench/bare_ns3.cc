// bare_ns3.cc: plain ns-3 in natsim's topology, for comparison (issue 19).
//
// No natsim library: the nodes and links natsim's world builds for N pairs
// (a core router; gateway, STUN and TURN hosts; each peer behind a home
// NAT node, 16% of them behind a carrier-grade NAT node too), with the
// same delays, rates and queues, but the NAT nodes only forward, and each
// pair exchanges the workload's messages over plain UDP sockets: no NAT
// logic, no QUIC, no traversal. Prints one line of key=value figures:
// what natsim's run costs beyond ns-3 itself is natsim's figure over this.
//
// usage: bare_ns3 --pairs N [--messages M] [--size BYTES] [--over-ms MS]
//                 [--spacing-ms MS]
//   defaults: the roadmap's workload, 50 messages of 500 bytes each way
//   over 5000 ms, attempts 5 ms apart (natsim's spacing).
#include <ns3/core-module.h>
#include <ns3/internet-module.h>
#include <ns3/network-module.h>
#include <ns3/point-to-point-module.h>

#include <getopt.h>
#include <sys/resource.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <unordered_map>
#include <vector>

using namespace ns3;

namespace {

// natsim's address plan and links (experiment/xrun.h, experiment.c,
// servers.c, world.c): the same figures, written here again on purpose,
// since this program links nothing of natsim.
const uint32_t GATEWAY_IP = 0xC633640Au;  // 198.51.100.10
const uint32_t STUN_IP = 0xC6336414u;     // 198.51.100.20
const uint32_t STUN2_IP = 0xC6336415u;    // 198.51.100.21
const uint32_t TURN_IP = 0xC633641Eu;     // 198.51.100.30
const uint32_t PUBLIC_BASE = 0xC6120000u; // 198.18.0.0 + a side's id
const uint32_t CORE_ADDR = 0xC6130001u;   // 198.19.0.1, on every core link
const uint32_t PEER_BASE = 0x0A000000u;   // 10.0.0.0 + id: peers, unique here
const uint32_t CGN_INSIDE = 0x64400000u;  // 100.64.0.0 + id: a home NAT behind a CGN
const uint16_t PEER_PORT = 4000;
const int64_t MS = 1000000;
const uint64_t LINK_RATE = 1000000000ull;       // sim.cc's default: 1 Gbit/s
const uint64_t SERVER_RATE = 1000000000000000ull; // servers.c: 10^15 bit/s
const int CGN_PERCENT = 16;                     // the reference population's share

// Routing by destination address in a hash, the rest to the uplink: the
// plain table natsim's core also keeps (a list scan per packet would make
// this baseline, not natsim, slow at thousands of pairs).
class TableRouting : public Ipv4RoutingProtocol {
 public:
  static TypeId GetTypeId() {
    static TypeId tid = TypeId("bare::TableRouting")
                            .SetParent<Ipv4RoutingProtocol>()
                            .SetGroupName("Internet");
    return tid;
  }
  void Add(uint32_t ip, uint32_t iface) { m_routes[ip] = iface; }
  void SetDefault(uint32_t iface) { m_default = iface; }

  Ptr<Ipv4Route> RouteOutput(Ptr<Packet>, const Ipv4Header &h, Ptr<NetDevice>,
                             Socket::SocketErrno &err) override {
    Ptr<Ipv4Route> r = Lookup(h.GetDestination());
    err = r ? Socket::ERROR_NOTERROR : Socket::ERROR_NOROUTETOHOST;
    return r;
  }

  bool RouteInput(Ptr<const Packet> p, const Ipv4Header &h, Ptr<const NetDevice> idev,
                  UnicastForwardCallback ucb, MulticastForwardCallback,
                  LocalDeliverCallback lcb, ErrorCallback ecb) override {
    uint32_t iif = m_ipv4->GetInterfaceForDevice(idev);
    if (m_ipv4->IsDestinationAddress(h.GetDestination(), iif)) {
      lcb(p, h, iif);
      return true;
    }
    Ptr<Ipv4Route> r = Lookup(h.GetDestination());
    if (r) {
      ucb(r, p, h);
      return true;
    }
    ecb(p, h, Socket::ERROR_NOROUTETOHOST);
    return false;
  }

  void NotifyInterfaceUp(uint32_t) override {}
  void NotifyInterfaceDown(uint32_t) override {}
  void NotifyAddAddress(uint32_t, Ipv4InterfaceAddress) override {}
  void NotifyRemoveAddress(uint32_t, Ipv4InterfaceAddress) override {}
  void SetIpv4(Ptr<Ipv4> ipv4) override { m_ipv4 = ipv4; }
  void PrintRoutingTable(Ptr<OutputStreamWrapper>, Time::Unit) const override {}

 private:
  // The route to dst: its entry, else the default; null when neither.
  Ptr<Ipv4Route> Lookup(Ipv4Address dst) const {
    auto it = m_routes.find(dst.Get());
    uint32_t iface = it == m_routes.end() ? m_default : it->second;
    if (iface == NONE) return nullptr;
    Ptr<Ipv4Route> r = Create<Ipv4Route>();
    r->SetDestination(dst);
    r->SetGateway(Ipv4Address::GetZero());
    r->SetSource(m_ipv4->GetAddress(iface, 0).GetLocal());
    r->SetOutputDevice(m_ipv4->GetNetDevice(iface));
    return r;
  }

  static const uint32_t NONE = UINT32_MAX;
  Ptr<Ipv4> m_ipv4;
  std::unordered_map<uint32_t, uint32_t> m_routes;
  uint32_t m_default = NONE;
};

struct Options {
  long pairs = 0;
  long messages = 50;
  long size = 500;
  long over_ms = 5000;
  long spacing_ms = 5;
};

// One end of a pair: its socket, the other end's address, its counts.
struct Side {
  Ptr<Socket> sock;
  uint32_t other_ip = 0;
  long sent = 0;
  long received = 0;
};

struct Run {
  Options o;
  PointToPointHelper p2p;
  Ptr<Node> core;
  std::vector<Side> sides;
  long delivered = 0;
};

Ptr<TableRouting> table(Ptr<Node> n) {
  return DynamicCast<TableRouting>(n->GetObject<Ipv4>()->GetRoutingProtocol());
}

// A node with an IPv4 stack whose routing is a TableRouting (in place of
// the helper's static routing, which it never used).
Ptr<Node> new_node() {
  Ptr<Node> n = CreateObject<Node>();
  InternetStackHelper stack;
  stack.SetIpv6StackInstall(false);
  stack.SetRoutingHelper(Ipv4StaticRoutingHelper());
  stack.Install(n);
  Ptr<Ipv4> ipv4 = n->GetObject<Ipv4>();
  ipv4->SetRoutingProtocol(CreateObject<TableRouting>());
  ipv4->SetAttribute("WeakEsModel", BooleanValue(false)); // as natsim
  return n;
}

void add_addr(Ptr<Node> n, uint32_t iface, uint32_t ip) {
  n->GetObject<Ipv4>()->AddAddress(iface, Ipv4InterfaceAddress(Ipv4Address(ip), Ipv4Mask(~0u)));
}

// A link from child up to parent; returns the child's interface, and the
// parent's in *down. The parent's end carries router_ip, as natsim's do.
uint32_t link(Run &r, Ptr<Node> child, Ptr<Node> parent, int64_t delay, uint64_t rate,
              uint32_t router_ip, uint32_t *down) {
  r.p2p.SetDeviceAttribute("DataRate", DataRateValue(DataRate(rate)));
  r.p2p.SetChannelAttribute("Delay", TimeValue(NanoSeconds(delay)));
  NetDeviceContainer d = r.p2p.Install(child, parent);
  uint32_t ifs[2];
  for (uint32_t i = 0; i < 2; i++) {
    Ptr<Ipv4> ip = d.Get(i)->GetNode()->GetObject<Ipv4>();
    ifs[i] = ip->AddInterface(d.Get(i));
    ip->SetUp(ifs[i]);
  }
  add_addr(parent, ifs[1], router_ip);
  table(child)->SetDefault(ifs[0]);
  *down = ifs[1];
  return ifs[0];
}

// A server host on the core with its addresses (idle here: the pairs talk
// directly, as natsim's do once their path is direct).
void server(Run &r, std::initializer_list<uint32_t> ips) {
  Ptr<Node> n = new_node();
  uint32_t down;
  uint32_t up = link(r, n, r.core, 5 * MS, SERVER_RATE, CORE_ADDR, &down);
  for (uint32_t ip : ips) {
    add_addr(n, up, ip);
    table(r.core)->Add(ip, down);
  }
}

// Side k's chain: [CGN ->] home NAT -> peer; returns the peer's node. The
// peer's address is routed down the chain from the core.
Ptr<Node> side_chain(Run &r, uint32_t k) {
  uint32_t id = k + 1;
  uint32_t peer_ip = PEER_BASE + id;
  bool cgn = (id * CGN_PERCENT) / 100 != ((id - 1) * CGN_PERCENT) / 100;
  Ptr<Node> top = r.core;
  uint32_t down;
  if (cgn) {
    Ptr<Node> c = new_node();
    add_addr(c, link(r, c, top, 10 * MS, LINK_RATE, CORE_ADDR, &down), PUBLIC_BASE + id);
    table(top)->Add(peer_ip, down);
    top = c;
  }
  Ptr<Node> nat = new_node();
  uint32_t nat_ip = cgn ? CGN_INSIDE + id : PUBLIC_BASE + id;
  int64_t delay = cgn ? 2 * MS : 10 * MS;
  add_addr(nat, link(r, nat, top, delay, LINK_RATE, cgn ? CGN_INSIDE + 1 : CORE_ADDR, &down),
           nat_ip);
  table(top)->Add(peer_ip, down);
  Ptr<Node> peer = new_node();
  add_addr(peer, link(r, peer, nat, 1 * MS, LINK_RATE, 0xC0A80101u, &down), peer_ip);
  table(nat)->Add(peer_ip, down);
  return peer;
}

void send_next(Run *r, uint32_t k);

// A message for side k: counted, and the first one starts k's own sending
// (natsim's responder sends once its session is up).
void on_recv(Run *r, uint32_t k, Ptr<Socket> s) {
  Ptr<Packet> p;
  Side &me = r->sides[k];
  while ((p = s->Recv())) {
    if (p->GetSize() != (uint32_t)r->o.size) continue;
    me.received++;
    r->delivered++;
    if (me.sent == 0) send_next(r, k);
  }
}

// Side k's next message; the one after follows over/messages later.
void send_next(Run *r, uint32_t k) {
  Side &me = r->sides[k];
  std::vector<uint8_t> msg((size_t)r->o.size, (uint8_t)k);
  Ptr<Packet> p = Create<Packet>(msg.data(), (uint32_t)msg.size());
  me.sock->SendTo(p, 0, InetSocketAddress(Ipv4Address(me.other_ip), PEER_PORT));
  me.sent++;
  if (me.sent < r->o.messages)
    Simulator::Schedule(NanoSeconds(r->o.over_ms * MS / r->o.messages), &send_next, r, k);
}

void build(Run &r) {
  r.p2p.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize", StringValue("1000p"));
  r.core = new_node();
  server(r, {GATEWAY_IP});
  server(r, {STUN_IP, STUN2_IP});
  server(r, {TURN_IP});
  uint32_t nsides = (uint32_t)(2 * r.o.pairs);
  r.sides.resize(nsides);
  for (uint32_t k = 0; k < nsides; k++) {
    Ptr<Node> peer = side_chain(r, k);
    Side &s = r.sides[k];
    s.other_ip = PEER_BASE + (k ^ 1u) + 1;
    s.sock = Socket::CreateSocket(peer, UdpSocketFactory::GetTypeId());
    s.sock->Bind(InetSocketAddress(Ipv4Address::GetAny(), PEER_PORT));
    s.sock->SetRecvCallback(MakeBoundCallback(&on_recv, &r, k));
  }
  // Pair i starts at i * spacing; its first side sends 1 s later (natsim
  // connects 1 s after the peers start).
  for (uint32_t i = 0; i < (uint32_t)r.o.pairs; i++)
    Simulator::Schedule(NanoSeconds((int64_t)i * r.o.spacing_ms * MS + 1000 * MS), &send_next,
                        &r, 2 * i);
}

// Reads a whole decimal number in [lo, hi] into *v; 0, or -1 after
// saying on stderr which option was wrong and what it wanted.
int read_long(const char *opt, const char *s, long lo, long hi, long *v) {
  char *end;
  errno = 0;
  long x = strtol(s, &end, 10);
  if (errno || end == s || *end || x < lo || x > hi) {
    fprintf(stderr, "bare_ns3: --%s: expected a whole number from %ld to %ld, got '%s'\n", opt,
            lo, hi, s);
    return -1;
  }
  *v = x;
  return 0;
}

const char *const USAGE =
    "usage: bare_ns3 --pairs N [--messages M] [--size BYTES] [--over-ms MS] [--spacing-ms MS]\n";

// The options into *o; 0, or -1 after saying what was wrong on stderr.
int parse(int argc, char **argv, Options *o) {
  static const struct option opts[] = {{"pairs", required_argument, nullptr, 'p'},
                                       {"messages", required_argument, nullptr, 'm'},
                                       {"size", required_argument, nullptr, 's'},
                                       {"over-ms", required_argument, nullptr, 'o'},
                                       {"spacing-ms", required_argument, nullptr, 'g'},
                                       {nullptr, 0, nullptr, 0}};
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", opts, nullptr)) != -1) {
    int rc = -1;
    if (c == 'p') rc = read_long("pairs", optarg, 1, 1000000, &o->pairs);
    if (c == 'm') rc = read_long("messages", optarg, 1, 1000000, &o->messages);
    if (c == 's') rc = read_long("size", optarg, 1, 1400, &o->size);
    if (c == 'o') rc = read_long("over-ms", optarg, 1, 3600000, &o->over_ms);
    if (c == 'g') rc = read_long("spacing-ms", optarg, 0, 60000, &o->spacing_ms);
    if (c == '?') fprintf(stderr, "bare_ns3: unknown option or missing value: %s\n",
                          argv[optind - 1]);
    if (rc != 0) return -1;
  }
  if (optind < argc) {
    fprintf(stderr, "bare_ns3: unexpected argument '%s'\n", argv[optind]);
    return -1;
  }
  if (o->pairs == 0) {
    fprintf(stderr, "bare_ns3: --pairs is required\n");
    return -1;
  }
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  auto t0 = std::chrono::steady_clock::now();
  Run r;
  if (parse(argc, argv, &r.o) != 0) {
    fputs(USAGE, stderr);
    return 2;
  }
  build(r);
  // Every message is out 1 s + over after its pair's start; 1 s more to land.
  int64_t end = (r.o.pairs - 1) * r.o.spacing_ms * MS + 2000 * MS + r.o.over_ms * MS;
  Simulator::Stop(NanoSeconds(end));
  Simulator::Run();
  uint64_t events = Simulator::GetEventCount();
  Simulator::Destroy();
  std::chrono::duration<double> wall = std::chrono::steady_clock::now() - t0;
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("pairs=%ld messages=%ld delivered=%ld size=%ld events=%llu wall_s=%.3f rss_kb=%ld\n",
         r.o.pairs, 2 * r.o.pairs * r.o.messages, r.delivered, r.o.size,
         (unsigned long long)events, wall.count(), ru.ru_maxrss);
  return r.delivered == 2 * r.o.pairs * r.o.messages ? 0 : 1;
}
