-- port_range with its bounds the wrong way round.
return {
  mapping = "endpoint-independent",
  filtering = "endpoint-independent",
  port_range = { 40000, 20000 },
}
