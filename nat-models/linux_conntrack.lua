-- Linux netfilter MASQUERADE with default options (iptables/nftables).
-- nf_nat keeps the source port when the translated 5-tuple is unique, and
-- uniqueness includes the destination, so one inside endpoint keeps one
-- external port toward every destination: endpoint-independent mapping
-- with port preservation. conntrack lets in only packets of a known
-- connection (same remote address and port): address-and-port-dependent
-- filtering. UDP entries live 30 s until a reply is seen and 120 s after
-- (nf_conntrack_udp_timeout, _stream); one lifetime stands for both here:
-- 120 s, refreshed by replies. No hairpinning without extra rules.
return {
  description = "Linux conntrack masquerade: EIM + APDF, port preserved",
  mapping = "endpoint-independent",
  filtering = "address-and-port-dependent",
  allocation = "preserve",
  port_range = {1024, 65535},
  mapping_lifetime = 120,
  refresh_on_inbound = true,
  hairpinning = false,
}
