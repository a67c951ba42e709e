-- allocate_port loops forever and catches every error it can.
return {
  mapping = "endpoint-independent",
  filtering = "endpoint-independent",
  allocate_port = function(req)
    while true do
      pcall(function() while true do end end)
    end
  end,
}
