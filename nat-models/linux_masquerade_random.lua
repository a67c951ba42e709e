-- Linux MASQUERADE with --random-fully (NF_NAT_RANGE_PROTO_RANDOM_FULLY):
-- the source port is drawn at random for every new connection, that is for
-- every remote address and port: address-and-port-dependent mapping with
-- random ports, and conntrack's address-and-port-dependent filtering.
-- Prediction cannot help here; only probing or a relay can.
return {
  description = "Linux masquerade --random-fully: APDM + APDF, random ports",
  mapping = "address-and-port-dependent",
  filtering = "address-and-port-dependent",
  allocation = "random",
  port_range = {1024, 65535},
  mapping_lifetime = 120,
  refresh_on_inbound = true,
  hairpinning = false,
}
