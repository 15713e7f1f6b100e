-- expect: error CONVERSION /thread cannot leave the isle/
return coroutine.running()
