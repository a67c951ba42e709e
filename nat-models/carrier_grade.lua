-- Carrier-grade NAT (NAT444, RFC 6888): the ISP's NAT in front of the
-- customer's home NAT. RFC 6888 requires endpoint-independent mapping
-- (REQ-1, via RFC 4787) and hairpinning (REQ-7); operators commonly filter
-- by address and port and randomise ports to resist port guessing.
-- Put it in a scenario with lan = "100.64.0.0/10" (RFC 6598 shared space).
return {
  description = "carrier-grade NAT: EIM + APDF, random ports",
  mapping = "endpoint-independent",
  filtering = "address-and-port-dependent",
  allocation = "random",
  port_range = {1024, 65535},
  mapping_lifetime = 120,
  refresh_on_inbound = false,
  hairpinning = true,
}
