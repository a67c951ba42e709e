-- error({}) at the top level of a scenario.
error(setmetatable({}, {}))
