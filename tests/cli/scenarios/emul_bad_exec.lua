-- exec must be a list of strings: refused, naming the field.
natsim.host{ name = "a", exec = { "true", 5 } }
