-- A scripted allocator that raises a table as its error.
return {
  mapping = "endpoint-independent",
  filtering = "endpoint-independent",
  allocate_port = function(req)
    error({ code = 7 })
  end,
}
