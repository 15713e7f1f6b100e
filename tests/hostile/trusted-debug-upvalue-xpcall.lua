-- GIsle's xpcall has no upvalues to steal the real one from.
-- expect: ok
-- libraries: all
return debug.getupvalue(xpcall, 1) == nil and debug.getupvalue(load, 1) == nil
