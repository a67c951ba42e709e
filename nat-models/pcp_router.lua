-- A home router that answers PCP (RFC 6887) MAP requests, as OpenWrt's
-- miniupnpd does on top of Linux netfilter: without a request it behaves
-- like plain Linux masquerade (endpoint-independent mapping, port
-- preserved, address-and-port-dependent filtering); a host that asks gets
-- an explicit mapping of its socket that every remote may use, for the
-- lifetime granted (at most 2 hours here).
return {
  description = "PCP-capable home router: Linux masquerade + miniupnpd PCP",
  mapping = "endpoint-independent",
  filtering = "address-and-port-dependent",
  allocation = "preserve",
  port_range = {1024, 65535},
  mapping_lifetime = 120,
  refresh_on_inbound = true,
  hairpinning = false,
  pcp = true,
}
