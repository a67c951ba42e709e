-- Symmetric NAT: address-and-port-dependent mapping and filtering
-- (RFC 4787). Each destination gets its own external port, handed out
-- sequentially, so the port seen by a STUN server says nothing certain
-- about the port a peer will see. Typical of enterprise firewalls.
return {
  description = "symmetric: APDM + APDF, sequential ports",
  mapping = "address-and-port-dependent",
  filtering = "address-and-port-dependent",
  allocation = "sequential",
  stride = 1,
  port_range = {10000, 60000},
  mapping_lifetime = 60,
  refresh_on_inbound = false,
  hairpinning = false,
}
