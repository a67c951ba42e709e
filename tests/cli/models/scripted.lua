-- A scripted allocator: the first port is the internal port + 1000, then
-- each new mapping takes the last port + 11.
return {
  mapping = "address-dependent",
  filtering = "address-dependent",
  allocate_port = function(req)
    if req.last_port == 0 then return req.internal_port + 1000 end
    return req.last_port + 11
  end,
}
