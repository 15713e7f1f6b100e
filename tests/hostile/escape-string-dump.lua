-- string.dump does not exist: no way to make bytecode.
-- expect: error RUNTIME /attempt to call a nil value \(field 'dump'\)/
return load(string.dump(function() end))
