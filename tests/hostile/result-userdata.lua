-- expect: error CONVERSION /userdata cannot leave the isle/
return io.stdout
