-- A scripted allocator that uses the model environment: math.random (seeded
-- per NAT from the scenario seed), string methods, print (to stderr) and a
-- table of its own NAT's ports. io, os, require, dofile and loadfile are nil.
assert(io == nil and os == nil and require == nil, "io, os or require in a model file")
assert(dofile == nil and loadfile == nil, "dofile or loadfile in a model file")
local used = {}
return {
  mapping = "address-and-port-dependent",
  filtering = "address-and-port-dependent",
  allocate_port = function(req)
    assert(io == nil and os == nil and debug == nil, "io, os or debug in a hook")
    local host = req.internal_ip:match("%.(%d+)$")
    local port
    repeat
      port = math.random(20000, 29999)
    until not used[port]
    used[port] = true
    print(("env_hooks: host %s port %d -> %d"):format(host, req.internal_port, port))
    return port
  end,
}
