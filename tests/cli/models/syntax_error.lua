-- A model with a syntax error on line 4.
return {
  mapping = "endpoint-independent",
  filtering = = "endpoint-independent",
}
