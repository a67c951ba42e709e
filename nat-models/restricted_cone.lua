-- Restricted cone NAT: endpoint-independent mapping, address-dependent
-- filtering (RFC 4787). Inbound packets pass from any port of an address
-- the inside endpoint has sent to.
return {
  description = "restricted cone: EIM + ADF",
  mapping = "endpoint-independent",
  filtering = "address-dependent",
  allocation = "preserve",
  port_range = {1024, 65535},
  mapping_lifetime = 120,
  refresh_on_inbound = true,
  hairpinning = true,
}
