-- Carrier-grade NAT that maps per destination: deployments that trade
-- RFC 6888 REQ-1 for port economy, or use per-session port allocation
-- from random blocks. Address-and-port-dependent mapping and filtering with
-- random ports: the hardest case for traversal short of a relay.
-- Use with lan = "100.64.0.0/10" (RFC 6598).
return {
  description = "carrier-grade NAT, per-destination: APDM + APDF, random ports",
  mapping = "address-and-port-dependent",
  filtering = "address-and-port-dependent",
  allocation = "random",
  port_range = {1024, 65535},
  mapping_lifetime = 120,
  refresh_on_inbound = false,
  hairpinning = true,
}
