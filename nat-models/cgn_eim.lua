-- Carrier-grade NAT as RFC 6888 asks for it: endpoint-independent mapping
-- (REQ-1) and hairpinning (REQ-7), endpoint-independent filtering (the
-- "full cone" CGN some operators run for gaming and VoIP), random ports.
-- Use with lan = "100.64.0.0/10" (RFC 6598).
return {
  description = "carrier-grade NAT, RFC 6888 style: EIM + EIF, random ports",
  mapping = "endpoint-independent",
  filtering = "endpoint-independent",
  allocation = "random",
  port_range = {1024, 65535},
  mapping_lifetime = 120,
  refresh_on_inbound = false,
  hairpinning = true,
}
