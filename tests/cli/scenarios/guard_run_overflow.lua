-- natsim.run twice, each nearly the clock's whole range.
natsim.run(9.2e9)
natsim.run(9.2e9)
print("not reached")
