-- A symmetric router (address-and-port-dependent mapping and filtering,
-- random ports) that also answers PCP (RFC 6887) MAP requests: the hard
-- case PCP exists for. Its explicit mappings are open to every remote.
return {
  description = "symmetric NAT with random ports and a PCP server",
  mapping = "address-and-port-dependent",
  filtering = "address-and-port-dependent",
  allocation = "random",
  port_range = {1024, 65535},
  mapping_lifetime = 60,
  hairpinning = false,
  pcp = true,
}
