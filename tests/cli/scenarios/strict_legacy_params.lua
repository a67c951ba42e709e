-- natsim.params (legacy): --set keys read through it are not unknown.
print("legacy", natsim.params.pairs or "none")
