-- Port-restricted cone NAT: endpoint-independent mapping,
-- address-and-port-dependent filtering (RFC 4787). Inbound packets pass
-- only from the exact address and port the inside endpoint has sent to.
-- The common home router (RFC 4787 REQ-1 mapping with strict filtering).
return {
  description = "port-restricted cone: EIM + APDF",
  mapping = "endpoint-independent",
  filtering = "address-and-port-dependent",
  allocation = "preserve",
  port_range = {1024, 65535},
  mapping_lifetime = 120,
  refresh_on_inbound = false,
  hairpinning = true,
}
