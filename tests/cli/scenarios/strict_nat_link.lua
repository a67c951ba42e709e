-- natsim.nat's link delay without a unit, on the line of the field.
local n = natsim.nat{
  name = "n",
  model = "full_cone",
  link = { rate = "10Mbps",
           delay = 5 },
}
