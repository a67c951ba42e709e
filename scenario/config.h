/*
** config.h: the `config` object of a results file (reports/README.md): what
** a run was configured with, so a report reads without the scenario and
** `natsim regress` can tell a baseline of another configuration.
*/
#ifndef NATSIM_CONFIG_H
#define NATSIM_CONFIG_H

#include <lua.h>
#include <stddef.h>

#include "json.h"
#include "lua_api.h"

/* The SHA-256 of the file at path, in lowercase hex, into hex (65 bytes).
** 0, or -1 with "PATH: why" in err. */
int config_sha256(const char *path, char hex[65], char *err, size_t len);

/* Writes "config": {scenario_sha256, params, experiments} into j: the
** scenario file's hash ("" when it cannot be read), every parameter
** natsim.param resolved (params.h), and each natsim.experiment's
** population (with the NAT behaviour each model file loads as), pairs,
** links and workload. Borrows everything. */
void config_write(json *j, lua_State *L, const lapi *a, const char *scenario);

#endif
