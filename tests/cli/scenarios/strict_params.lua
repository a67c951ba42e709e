-- Declared, typed parameters: natsim.param(name, default [, {min=, max=}]).
local pairs_n = natsim.param("pairs", 1000)
local loss = natsim.param("loss", 0, { min = 0, max = 1 })
local quic = natsim.param("quic", true)
local label = natsim.param("label", "x")
local versions = natsim.param("versions", { "v0.8", "v0.9" })
print(string.format("pairs=%s %s loss=%s %s quic=%s label=%s versions=%s", pairs_n,
                    math.type(pairs_n), loss, math.type(loss), tostring(quic), label,
                    table.concat(versions, "+")))
