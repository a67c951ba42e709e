-- A NAT that forgets idle UDP mappings after 8 s, like a carrier-grade NAT
-- or a mobile operator's with an aggressive UDP timeout (RFC 4787 REQ-5
-- asks for at least 2 minutes; measurements of deployed NATs find far
-- shorter ones). Endpoint-independent mapping with random ports and
-- address-and-port-dependent filtering: a mapping that expired comes back
-- on another port, so a path left idle is lost.
return {
  description = "short-lived mappings: 8 s, EIM + APDF, random ports",
  mapping = "endpoint-independent",
  filtering = "address-and-port-dependent",
  allocation = "random",
  port_range = {1024, 65535},
  mapping_lifetime = 8,
  hairpinning = false,
}
