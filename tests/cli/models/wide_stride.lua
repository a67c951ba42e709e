-- A sequential allocator with a stride of 2000: discovery takes strides
-- above 1024 for random allocation, so `natsim classify` must report this
-- model as misclassified (exit status 1).
return {
  mapping = "address-and-port-dependent",
  filtering = "address-and-port-dependent",
  allocation = "sequential",
  stride = 2000,
}
