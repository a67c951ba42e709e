-- A scripted allocator that reaches for os inside its hook: os is nil in the
-- model environment, so the hook fails with a message naming it.
return {
  mapping = "endpoint-independent",
  filtering = "endpoint-independent",
  allocate_port = function(req)
    return 20000 + os.time() % 1000
  end,
}
