/*
** lerror.h: Lua errors as messages. A script may raise any value
** (error({}), error(nil), an object with or without __tostring); a call
** made through lerror_pcall always ends with a string message, and one
** that names the file and line where the value was raised when the value
** carries none.
*/
#ifndef NATSIM_LERROR_H
#define NATSIM_LERROR_H

#include <lua.h>

/* lua_pcall(L, nargs, nresults, handler) with the message handler below:
** a string error is left as raised; any other value becomes a string with
** its location. Returns lua_pcall's status; on error the message is on top
** of the stack, a string. */
int lerror_pcall(lua_State *L, int nargs, int nresults);

#endif
