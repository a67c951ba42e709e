-- Full cone NAT: endpoint-independent mapping and filtering (RFC 4787).
-- Once an inside endpoint has sent anything, anyone may reach it through
-- its mapping. Typical of simple consumer routers with "DMZ-like" UDP.
return {
  description = "full cone: EIM + EIF",
  mapping = "endpoint-independent",
  filtering = "endpoint-independent",
  allocation = "preserve",
  port_range = {1024, 65535},
  mapping_lifetime = 120,
  refresh_on_inbound = true,
  hairpinning = true,
}
