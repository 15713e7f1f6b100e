-- expect: cancelled after 100
::top::
goto top
