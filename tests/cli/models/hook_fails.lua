-- A scripted allocator that fails at run time.
return {
  mapping = "endpoint-independent",
  filtering = "endpoint-independent",
  allocate_port = function(req)
    error("ran out of ideas for " .. req.internal_ip)
  end,
}
