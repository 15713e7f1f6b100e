-- expect: error SYNTAX /no visible label/
goto nowhere
