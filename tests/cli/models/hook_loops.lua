-- A scripted NAT whose allocate_port never returns.
return {
  mapping = "endpoint-independent",
  filtering = "endpoint-independent",
  allocate_port = function(req)
    while true do end
  end,
}
