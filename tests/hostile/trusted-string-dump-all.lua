-- Bytecode stays out even with every library.
-- expect: ok
-- result: (true,)
-- libraries: all
return string.dump == nil and package.loaded.string.dump == nil
